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
//! - `COPY FROM` returns the number of rows it inserted, which is checked against
//!   `count(*)` of the same range in the same snapshot before the transaction commits.

use std::pin::pin;

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio_postgres::Client;

use super::plan::{Range, TablePlan};
use super::state::{self, ShardKey};
use crate::conn::{self, ConnParams};
use crate::dialect::quote_literal;
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

/// Copy one shard in one target transaction; on error the transaction is rolled back.
pub async fn copy_shard(ctx: &CopyContext, job: &ShardJob) -> Result<ShardOutcome> {
    let reader = open_reader(&ctx.source, &ctx.snapshot).await?;
    let writer = conn::connect(&ctx.target).await?;
    begin(writer.client()).await?;
    let result = copy_in_transaction(ctx, job, reader.client(), writer.client()).await;
    match result {
        Ok(outcome) => {
            commit(writer.client(), outcome.skipped).await?;
            Ok(outcome)
        }
        Err(e) => {
            // Best effort: a dead connection rolls back on its own.
            let _ = writer.client().batch_execute("ROLLBACK").await;
            Err(e)
        }
    }
}

async fn copy_in_transaction(
    ctx: &CopyContext,
    job: &ShardJob,
    reader: &Client,
    writer: &Client,
) -> Result<ShardOutcome> {
    if !state::lock_shard(writer, &ctx.run_id, &job.key()).await? {
        return Ok(ShardOutcome { skipped: true, ..ShardOutcome::default() });
    }
    let expected = count_rows(reader, job).await?;
    let (rows, bytes) = stream(reader, writer, job).await?;
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

/// A source connection inside the exported snapshot.
async fn open_reader(source: &ConnParams, snapshot: &str) -> Result<conn::Connection> {
    let reader = conn::connect(source).await?;
    let sql =
        include_str!("sql/import_snapshot.sql").replace("{snapshot}", &quote_literal(snapshot));
    reader
        .client()
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::db(format!("importing snapshot {snapshot} on the source"), e))?;
    Ok(reader)
}

async fn begin(writer: &Client) -> Result<()> {
    writer.batch_execute("BEGIN").await.map_err(|e| Error::db("beginning a target transaction", e))
}

async fn commit(writer: &Client, skipped: bool) -> Result<()> {
    let sql = if skipped { "ROLLBACK" } else { "COMMIT" };
    writer.batch_execute(sql).await.map_err(|e| Error::db("committing a shard on the target", e))
}

async fn count_rows(reader: &Client, job: &ShardJob) -> Result<u64> {
    let sql = include_str!("sql/count.sql")
        .trim_end()
        .replace("{table}", &job.table.quoted())
        .replace("{where}", &job.table.predicate(job.range));
    let row = reader
        .query_one(&sql, &[])
        .await
        .map_err(|e| Error::db(format!("counting source rows of {}", job.key()), e))?;
    let n: i64 = row.get(0);
    u64::try_from(n).map_err(|_| Error::internal("negative count(*)"))
}

/// The `COPY ... TO STDOUT` statement for the source and `COPY ... FROM STDIN` for the target.
fn copy_statements(job: &ShardJob) -> (String, String) {
    let t = &job.table;
    let out_sql = include_str!("sql/copy_out.sql")
        .trim_end()
        .replace("{columns}", &t.select_list())
        .replace("{table}", &t.quoted())
        .replace("{where}", &t.predicate(job.range))
        .replace("{order}", &t.order());
    let in_sql = include_str!("sql/copy_in.sql")
        .trim_end()
        .replace("{table}", &t.quoted())
        .replace("{columns}", &t.column_list());
    (out_sql, in_sql)
}

/// Forward the shard's binary COPY stream; returns (rows inserted, bytes forwarded).
async fn stream(reader: &Client, writer: &Client, job: &ShardJob) -> Result<(u64, u64)> {
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
    while let Some(chunk) = source.next().await {
        let chunk = chunk.map_err(|e| Error::db(format!("reading {key} from the source"), e))?;
        bytes += chunk.len() as u64;
        buf.extend_from_slice(&chunk);
        if buf.len() >= BATCH_BYTES {
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
    Ok((rows, bytes))
}
