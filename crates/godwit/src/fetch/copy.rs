//! The data path of one shard: binary COPY out of the source snapshot, binary COPY into the
//! target, and the shard's state row, committed together.
//!
//! PostgreSQL behaviour relied on:
//!
//! - `SET TRANSACTION SNAPSHOT` makes a fresh `REPEATABLE READ` transaction see exactly what
//!   the exporting transaction sees, for as long as that transaction stays open, so every
//!   reader (on its own connection, since one connection carries one COPY at a time) reads the
//!   same consistent state;
//! - `COPY ... (FORMAT binary)` output of one server is valid input for a server of the same
//!   dialect with the same column types, with no parsing on our side: the bytes are forwarded,
//!   re-batched from the server's per-row CopyData messages into ~256 KiB buffers (forwarding
//!   per row costs ~10x in messages and wake-ups). Memory per shard is one buffer. A column
//!   whose target type widens the source's is cast to the target type in the source `SELECT`
//!   so that its binary form is the target's;
//! - `COPY FROM` returns the number of rows it inserted, which is checked against the tuples
//!   the source sent for the range (counted in the stream by [`TupleCounter`], which equals a
//!   `count(*)` of the range in the same snapshot without reading it twice) before the
//!   transaction commits;
//! - PostgreSQL's `COPY TO` sends one CopyData message per row (the binary header rides with
//!   the first row, the trailer comes alone), so counting messages per batch gives live row
//!   progress ([`LiveCounters`]) without parsing; the exact count replaces it at commit.

use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio_postgres::Client;

use super::plan::{Range, TablePlan};
use super::state::{self, ShardKey};
use super::tuples::TupleCounter;
use crate::conn::{self, ConnParams};
use crate::error::{Error, ErrorKind, Result};

/// Size a CopyData buffer grows to before it is sent to the target.
const BATCH_BYTES: usize = 256 * 1024;

/// What a worker needs to copy any shard of a run.
#[derive(Debug)]
pub struct CopyContext {
    /// The source.
    pub source: ConnParams,
    /// The target.
    pub target: ConnParams,
    /// The snapshot id exported by the coordinator.
    pub snapshot: String,
    /// The run the shards belong to.
    pub run_id: String,
    /// Which data path the shards take.
    pub route: Route,
}

/// The data path of a run's shards.
#[derive(Debug, Clone)]
pub enum Route {
    /// PostgreSQL to PostgreSQL: binary COPY forwarded unparsed (this module).
    Binary,
    /// CockroachDB on either side: COPY text, converted per value ([`super::cockroach`]).
    Text,
    /// A phase of a `--storage` run ([`super::storage`]).
    Storage(std::sync::Arc<super::storage::Phase>),
}

impl Route {
    /// The direct (no storage) route between two dialects.
    pub fn direct(source: crate::dialect::Dialect, target: crate::dialect::Dialect) -> Route {
        use crate::dialect::Dialect::Postgres;
        if (source, target) == (Postgres, Postgres) { Route::Binary } else { Route::Text }
    }
}

/// One shard of one table.
#[derive(Debug, Clone)]
pub struct ShardJob {
    /// Position of the table in the plan.
    pub table_index: usize,
    /// The table.
    pub table: std::sync::Arc<TablePlan>,
    /// Shard number.
    pub shard: i32,
    /// Key range.
    pub range: Range,
}

impl ShardJob {
    /// The key of the shard's state row.
    pub fn key(&self) -> ShardKey<'_> {
        ShardKey { schema: &self.table.schema, table: &self.table.name, shard: self.shard }
    }
}

/// What copying a shard achieved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardOutcome {
    /// Rows inserted into the target.
    pub rows: u64,
    /// Bytes of binary COPY data forwarded (headers and field lengths included).
    pub bytes: u64,
    /// The shard was already done (another run finished it meanwhile).
    pub skipped: bool,
}

/// Rows and bytes of one table moved so far, shared by its shards' workers (which add per
/// 256 KiB batch) and the coordinator (which reads them for progress events).
#[derive(Debug, Default)]
pub struct LiveCounters {
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl LiveCounters {
    /// (rows, bytes) so far: exact for committed shards, approximate for shards in flight.
    pub fn read(&self) -> (u64, u64) {
        (self.rows.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}

/// One shard attempt's share of a table's [`LiveCounters`]: taken back when the attempt is
/// dropped without [`Tally::settle`], so failed and retried attempts are never counted.
#[derive(Debug)]
struct Tally<'a> {
    live: &'a LiveCounters,
    rows: u64,
    bytes: u64,
    settled: bool,
}

impl<'a> Tally<'a> {
    fn new(live: &'a LiveCounters) -> Self {
        Tally { live, rows: 0, bytes: 0, settled: false }
    }

    fn add(&mut self, rows: u64, bytes: u64) {
        self.rows += rows;
        self.bytes += bytes;
        self.live.rows.fetch_add(rows, Ordering::Relaxed);
        self.live.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The attempt committed: replace the running counts with the exact ones.
    fn settle(mut self, outcome: &ShardOutcome) {
        self.take_back();
        self.live.rows.fetch_add(outcome.rows, Ordering::Relaxed);
        self.live.bytes.fetch_add(outcome.bytes, Ordering::Relaxed);
        self.settled = true;
    }

    fn take_back(&mut self) {
        self.live.rows.fetch_sub(std::mem::take(&mut self.rows), Ordering::Relaxed);
        self.live.bytes.fetch_sub(std::mem::take(&mut self.bytes), Ordering::Relaxed);
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.take_back();
        }
    }
}

/// Copy one shard in one target transaction; on error the transaction is rolled back.
/// Progress goes to `live` as batches move; only a committed attempt stays counted there.
pub async fn copy_shard(
    ctx: &CopyContext,
    job: &ShardJob,
    live: &LiveCounters,
) -> Result<ShardOutcome> {
    match &ctx.route {
        Route::Binary => {}
        Route::Text => return counted(live, super::cockroach::copy_shard(ctx, job).await),
        Route::Storage(phase) => {
            return counted(live, super::storage::copy_shard(ctx, job, phase).await);
        }
    }
    let reader = open_reader(&ctx.source, &ctx.snapshot).await?;
    let writer = conn::connect(&ctx.target).await?;
    begin(writer.client()).await?;
    let mut tally = Tally::new(live);
    let result = copy_in_transaction(ctx, job, reader.client(), writer.client(), &mut tally).await;
    let outcome = end_transaction(writer.client(), result).await?;
    tally.settle(&outcome);
    Ok(outcome)
}

/// End a shard's target transaction: commit a copied shard, roll back a skipped or failed
/// one (the copy's error wins over the rollback's; a dead connection rolls back by itself).
pub(super) async fn end_transaction(
    writer: &Client,
    result: Result<ShardOutcome>,
) -> Result<ShardOutcome> {
    let end = match &result {
        Ok(outcome) if !outcome.skipped => "COMMIT",
        _ => "ROLLBACK",
    };
    let ended = writer.batch_execute(end).await;
    let outcome = result?;
    ended.map_err(|e| Error::db("committing a shard on the target", e))?;
    Ok(outcome)
}

/// Check that the target inserted what the source sent, then mark the shard done in the
/// same target transaction.
pub(super) async fn reconcile(
    ctx: &CopyContext,
    job: &ShardJob,
    writer: &Client,
    (expected, rows, bytes): (u64, u64, u64),
) -> Result<ShardOutcome> {
    if rows != expected {
        return Err(Error::new(
            ErrorKind::Sql,
            format!("{}: source {expected} rows, target {rows}", job.key()),
        ));
    }
    let rows_i64 = i64::try_from(rows).map_err(|_| Error::internal("row count overflow"))?;
    state::mark_done(writer, &ctx.run_id, &job.key(), rows_i64).await?;
    Ok(ShardOutcome { rows, bytes, skipped: false })
}

/// Progress for routes that do not count batches: the shard's totals once it is done.
fn counted(live: &LiveCounters, result: Result<ShardOutcome>) -> Result<ShardOutcome> {
    if let Ok(outcome) = &result {
        Tally::new(live).settle(outcome);
    }
    result
}

async fn copy_in_transaction(
    ctx: &CopyContext,
    job: &ShardJob,
    reader: &Client,
    writer: &Client,
    tally: &mut Tally<'_>,
) -> Result<ShardOutcome> {
    if !state::lock_shard(writer, &ctx.run_id, &job.key()).await? {
        return Ok(ShardOutcome { skipped: true, ..ShardOutcome::default() });
    }
    let counts = stream(reader, writer, job, tally).await?;
    reconcile(ctx, job, writer, counts).await
}

/// A source connection inside the exported snapshot.
async fn open_reader(source: &ConnParams, snapshot: &str) -> Result<conn::Connection> {
    let reader = conn::connect(source).await?;
    super::snapshot::import(&reader, snapshot).await?;
    Ok(reader)
}

async fn begin(writer: &Client) -> Result<()> {
    writer.batch_execute("BEGIN").await.map_err(|e| Error::db("beginning a target transaction", e))
}

/// The `COPY ... TO STDOUT` statement for the source and `COPY ... FROM STDIN` for the target.
fn copy_statements(job: &ShardJob) -> (String, String) {
    let t = &job.table;
    let out_sql = include_str!("sql/copy_out.sql")
        .trim_end()
        .replace("{columns}", &t.select_list())
        .replace("{table}", &t.quoted())
        .replace("{where}", &t.predicate(&job.range))
        .replace("{order}", &t.order());
    let in_sql = include_str!("sql/copy_in.sql")
        .trim_end()
        .replace("{table}", &t.quoted())
        .replace("{columns}", &t.column_list());
    (out_sql, in_sql)
}

/// Forward the shard's binary COPY stream; returns (rows the source sent, rows the target
/// inserted, bytes forwarded). Each batch sent adds its CopyData messages (about one per row)
/// and bytes to `tally`.
async fn stream(
    reader: &Client,
    writer: &Client,
    job: &ShardJob,
    tally: &mut Tally<'_>,
) -> Result<(u64, u64, u64)> {
    let (out_sql, in_sql) = copy_statements(job);
    let key = job.key();
    let source = reader
        .copy_out(&out_sql)
        .await
        .map_err(|e| Error::db(format!("starting COPY TO for {key} on the source"), e))?;
    let sink = writer
        .copy_in::<_, Bytes>(&in_sql)
        .await
        .map_err(|e| Error::db(format!("starting COPY FROM for {key} on the target"), e))?;
    let mut source = pin!(source);
    let mut sink = pin!(sink);
    let mut buf = BytesMut::with_capacity(BATCH_BYTES);
    let mut bytes = 0u64;
    let mut messages = 0u64;
    let mut sent = TupleCounter::default();
    while let Some(chunk) = source.next().await {
        let chunk = chunk.map_err(|e| Error::db(format!("reading {key} from the source"), e))?;
        sent.feed(&chunk).map_err(|e| e.context(key))?;
        bytes += chunk.len() as u64;
        messages += 1;
        buf.extend_from_slice(&chunk);
        if buf.len() >= BATCH_BYTES {
            tally.add(std::mem::take(&mut messages), buf.len() as u64);
            let full = buf.split().freeze();
            buf.reserve(BATCH_BYTES);
            sink.send(full).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
        }
    }
    if !buf.is_empty() {
        sink.send(buf.freeze()).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
    }
    let rows = sink
        .as_mut()
        .finish()
        .await
        .map_err(|e| Error::db(format!("finishing COPY FROM for {key} on the target"), e))?;
    Ok((sent.finish().map_err(|e| e.context(key))?, rows, bytes))
}
