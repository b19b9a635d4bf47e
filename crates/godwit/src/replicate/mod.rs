//! `replicate`: apply a PostgreSQL source's changes to the target, exactly once, in commit
//! order, from where `fetch` ended (or from a slot of its own).
//!
//! The pieces, in the order a change passes them:
//!
//! - `start` picks the slot and position: the handoff of the latest CDC fetch, a slot
//!   this target already replicates from, or a new slot and publication; it checks the source
//!   (settings, privileges, `REPLICA IDENTITY`) before creating anything;
//! - `stream` runs the replication session ([`crate::cdc::transport`], pgoutput protocol 2
//!   with `streaming 'on'` on PostgreSQL 14+, 1 before) and decodes each message with
//!   [`crate::cdc::pgoutput`]; `spill` holds the chunks of streamed in-progress transactions
//!   (in memory up to a budget, then in temporary files) until their commit;
//! - `shapes` maps each relation of the stream to the target table's columns, types and key;
//! - `apply` runs the statements of [`crate::cdc::apply_sql`] in target transactions that group
//!   consecutive source transactions, and commits each group together with its position in
//!   `_godwit.replication` (`checkpoint`);
//! - a table whose source layout stops fitting the target is paused (`shapes`): its changes
//!   are held in `_godwit.replication_held` (`held`), in the same target transactions, while
//!   the other tables keep going; once the target is fixed it resumes by itself, its held
//!   changes applied first (`drift`). Table states are in `_godwit.replication_tables`.
//!
//! Exactly once: a group's changes and the end LSN of its last source transaction commit in
//! one target transaction; the source learns that position (standby status `flush`) only
//! after that commit. Whatever stops godwit, the recorded position describes the target
//! exactly: on restart the slot resends every transaction after the position it was last told,
//! and those the target already has (commit before the recorded position) are skipped.
//!
//! Failures that may pass (lost connections, server restarts, serialization failures —
//! CockroachDB's 40001 included) end the session: its open transaction is rolled back, and a
//! new session starts from the position recorded on the target, after a growing pause. That
//! replays exactly the rolled-back work, whatever its size, so a retried group never needs to
//! be held in memory.

mod apply;
pub mod checkpoint;
mod drift;
mod held;
mod shapes;
mod spill;
mod start;
mod stream;

use std::time::Duration;

use crate::cdc::lsn::Lsn;

use crate::conn::{self, ConnParams};
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, EventSink};
use crate::schema::TableFilter;

/// What a source `TRUNCATE` does on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Truncate {
    /// Truncate the same tables on the target, in the source transaction's place.
    #[default]
    Apply,
    /// Stop with an error before applying the transaction that truncates.
    Refuse,
}

/// What to replicate and how.
#[derive(Debug, Clone)]
pub struct ReplicateOptions {
    /// Schemas whose tables are replicated; empty means every user schema. With a slot of its
    /// own this selects the published tables; with a handed-over slot it filters its stream.
    pub schemas: Vec<String>,
    /// Tables within those schemas (`--tables`, `--exclude-tables`).
    pub tables: TableFilter,
    /// Replicate from this slot (continue it, take it over from fetch, or create it); `None`
    /// picks one as the module docs say.
    pub slot: Option<String>,
    /// What a source `TRUNCATE` does.
    pub truncate: Truncate,
    /// A group of source transactions is committed on the target once it holds this many row
    /// changes (a single larger source transaction is never split).
    pub group_max_rows: usize,
    /// ... or once it has been open this long.
    pub group_max_delay: Duration,
    /// Consecutive failed sessions (without progress in between) after which replication
    /// gives up.
    pub max_retries: u32,
    /// Ask PostgreSQL 14+ to stream large transactions while they are still in progress
    /// (pgoutput protocol 2, `streaming 'on'`); they are held (see `spill_bytes`) and applied
    /// at their commit. Off (the default, like a native subscription's `streaming = off`), the
    /// source decodes a large transaction on its side and sends it at commit, and godwit
    /// applies it while it arrives, so receiving and applying overlap: faster for one big
    /// transaction, with the same bounded memory here.
    pub stream_in_progress: bool,
    /// Bytes of streamed in-progress transactions held in memory (all of them together)
    /// before further chunks go to temporary files.
    pub spill_bytes: usize,
}

impl ReplicateOptions {
    /// The tables these options select (`schemas`, then `tables`).
    pub(crate) fn selection(&self) -> Selection {
        let schemas = if self.schemas.is_empty() {
            crate::schema::Filter::all()
        } else {
            crate::schema::Filter::only(self.schemas.iter().cloned())
        };
        Selection { schemas, tables: self.tables.clone() }
    }
}

/// Which source tables replication selects.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    schemas: crate::schema::Filter,
    tables: TableFilter,
}

impl Selection {
    /// Whether `schema.table` is selected.
    pub(crate) fn selects(&self, schema: &str, table: &str) -> bool {
        self.schemas.includes_schema(schema) && self.tables.selects(schema, table)
    }
}

impl Default for ReplicateOptions {
    fn default() -> Self {
        ReplicateOptions {
            schemas: Vec::new(),
            tables: TableFilter::default(),
            slot: None,
            truncate: Truncate::Apply,
            group_max_rows: 10_000,
            group_max_delay: Duration::from_millis(200),
            max_retries: 10,
            stream_in_progress: false,
            spill_bytes: 64 << 20,
        }
    }
}

/// Where replication stopped and what it did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReplicateSummary {
    /// The slot streamed.
    pub slot: String,
    /// Its publication.
    pub publication: String,
    /// The position this run started from.
    pub start_lsn: String,
    /// The end LSN of the last source transaction applied (recorded in `_godwit.replication`).
    pub applied_lsn: String,
    /// Source transactions applied by this run.
    pub transactions: u64,
    /// Row changes applied by this run (a truncate counts one).
    pub rows: u64,
    /// Source transactions the slot sent again that the target already had (applied before
    /// a crash that came before the source recorded the confirmation), skipped.
    pub skipped: u64,
    /// Sessions re-opened after a transient failure.
    pub reconnects: u64,
    /// Source transactions applied by this run that the source streamed while in progress
    /// (larger than its `logical_decoding_work_mem`).
    pub streamed: u64,
    /// Bytes of streamed transactions written to temporary files (over `spill_bytes`).
    pub spilled_bytes: u64,
    /// Tables still paused when it stopped (`schema.table`): their changes are held on the
    /// target until it fits them again (see `godwit status`).
    pub paused_tables: Vec<String>,
}

/// Position and counters of a run, updated as groups commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Totals {
    /// The recorded position.
    pub(crate) applied: Lsn,
    /// The highest position confirmed to the source (at least `applied` once sent).
    pub(crate) acked: Lsn,
    pub(crate) transactions: u64,
    pub(crate) rows: u64,
    pub(crate) skipped: u64,
    pub(crate) streamed: u64,
    pub(crate) spilled_bytes: u64,
    /// The source's WAL end, as its server last reported it.
    pub(crate) source_end: Lsn,
    /// Commit time (Unix microseconds) of the last source transaction in the open group.
    pub(crate) pending_commit_us: i64,
    /// Commit time (Unix microseconds) of the last source transaction applied.
    pub(crate) applied_commit_us: i64,
    /// Source transactions committing at or before this LSN write their new rows with
    /// upserts, not `COPY` (one met a row already on the target; see `apply`).
    pub(crate) upserts_through: Lsn,
}

impl Totals {
    fn record(&mut self, done: apply::Committed) {
        self.applied = done.lsn;
        self.applied_commit_us = self.pending_commit_us;
        self.acked = self.acked.max(done.lsn);
        self.transactions += u64::try_from(done.transactions).unwrap_or(0);
        self.rows += u64::try_from(done.rows).unwrap_or(0);
    }
}

/// Replicate from `source` (PostgreSQL) into `target` until `stop` resolves; then the current
/// target transaction is finished (or rolled back when it holds half a source transaction),
/// its position confirmed, and the summary returned. Transient failures reconnect and
/// continue from the recorded position (see the module docs).
///
/// # Errors
///
/// A config error when the source is not ready (each problem with its fix) or the options
/// select nothing; not-found when a recorded slot is gone (a replicated table missing on the
/// target, or missing a published column, is paused instead: its changes are held until the
/// target fits, see the module docs); an SQL error naming the table when a change cannot be applied, or when a
/// `TRUNCATE` is refused; the last transient error after `max_retries` failed sessions.
pub async fn replicate(
    source: &ConnParams,
    target: &ConnParams,
    opts: &ReplicateOptions,
    events: &dyn EventSink,
    stop: impl Future<Output = ()> + Send,
) -> Result<ReplicateSummary> {
    let mut stop = std::pin::pin!(stop);
    let mut stop: stream::Stop<'_> = stop.as_mut();
    Box::pin(run(source, target, opts, events, &mut stop)).await
}

async fn run(
    source: &ConnParams,
    target: &ConnParams,
    opts: &ReplicateOptions,
    events: &dyn EventSink,
    stop: &mut stream::Stop<'_>,
) -> Result<ReplicateSummary> {
    let source_conn = conn::connect(source).await?;
    if source_conn.dialect() != Dialect::Postgres {
        return Err(Error::config(format!(
            "{}: replicate reads changes from PostgreSQL sources only (this is CockroachDB)",
            source.redacted()
        )));
    }
    let state = conn::connect(target).await?;
    if let Some(why) = apply::fallback(&state).await? {
        events.emit(Event::Warning { message: why });
    }
    let position = start::resolve(&source_conn, source, state.client(), opts).await?;
    drop(source_conn);
    let start_lsn = start::start_of(&position)?;
    events.emit(Event::Step {
        phase: "replicate".into(),
        message: format!(
            "streaming slot {} (publication {}) from {start_lsn}",
            position.slot, position.publication
        ),
    });
    let started = std::time::Instant::now();
    let mut totals = Totals { applied: start_lsn, acked: start_lsn, ..Totals::default() };
    let reconnects = sessions(source, target, &position, opts, events, &mut totals, stop).await?;
    drop(state);
    let paused = paused_at_stop(target, &position.slot, events).await;
    events.emit(Event::Done {
        phase: "replicate".into(),
        message: format!(
            "stopped at {}: {} transactions, {} row changes applied",
            totals.applied, totals.transactions, totals.rows
        ),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(ReplicateSummary {
        slot: position.slot,
        publication: position.publication,
        start_lsn: start_lsn.to_pg_string(),
        applied_lsn: totals.applied.to_pg_string(),
        transactions: totals.transactions,
        rows: totals.rows,
        skipped: totals.skipped,
        reconnects,
        streamed: totals.streamed,
        spilled_bytes: totals.spilled_bytes,
        paused_tables: paused,
    })
}

/// The tables still paused when replication stopped, read on a connection of its own (the
/// state connection may have been terminated while replicating); a warning and none when the
/// target cannot say.
async fn paused_at_stop(target: &ConnParams, slot: &str, events: &dyn EventSink) -> Vec<String> {
    let read = async { held::paused(conn::connect(target).await?.client(), slot).await };
    match read.await {
        Ok(paused) => paused.iter().map(|(schema, name)| format!("{schema}.{name}")).collect(),
        Err(e) => {
            events.emit(Event::Warning {
                message: format!("could not read the paused tables at stop ({e})"),
            });
            Vec::new()
        }
    }
}

/// Run sessions until one ends by `stop`, re-opening after transient failures; returns how
/// many times it re-opened.
async fn sessions(
    source: &ConnParams,
    target: &ConnParams,
    position: &checkpoint::Position,
    opts: &ReplicateOptions,
    events: &dyn EventSink,
    totals: &mut Totals,
    stop: &mut stream::Stop<'_>,
) -> Result<u64> {
    let mut failures = 0u32;
    let mut reconnects = 0u64;
    loop {
        // A COPY conflict moving `upserts_through` on is progress too: the replay gets further.
        let before = (totals.applied, totals.upserts_through);
        let ctx = Ctx { source, target, position, opts, events };
        let result = session(&ctx, None, totals, stop).await;
        let error = match result {
            Ok(()) => return Ok(reconnects),
            Err(f) if retryable(&f.error) && failures < opts.max_retries => f.error,
            Err(f) => {
                // Keep the complete transactions before the failing one (they may have shared
                // its rolled-back group), so the recorded position is just before it.
                if let Some(at) = f.transaction.filter(|at| *at > totals.applied) {
                    let _ = session(&ctx, Some(at), totals, stop).await;
                }
                return Err(f.error);
            }
        };
        let progressed = totals.applied > before.0 || totals.upserts_through > before.1;
        failures = if progressed { 1 } else { failures + 1 };
        let pause = backoff(failures);
        events.emit(Event::Warning {
            message: format!(
                "replication session failed ({}); reconnecting in {} ms from {}",
                crate::fetch::state::describe(&error),
                pause.as_millis(),
                totals.applied
            ),
        });
        tokio::select! {
            biased;
            () = stop.as_mut() => return Ok(reconnects),
            () = tokio::time::sleep(pause) => {}
        }
        reconnects += 1;
    }
}

/// What every session of a run shares.
struct Ctx<'a> {
    source: &'a ConnParams,
    target: &'a ConnParams,
    position: &'a checkpoint::Position,
    opts: &'a ReplicateOptions,
    events: &'a dyn EventSink,
}

/// One session on fresh connections, from the position the target records, up to `until`.
async fn session(
    ctx: &Ctx<'_>,
    until: Option<Lsn>,
    totals: &mut Totals,
    stop: &mut stream::Stop<'_>,
) -> std::result::Result<(), stream::Failure> {
    let Ctx { source, target, position, opts, events } = *ctx;
    let failed = |error| stream::Failure { error, transaction: None };
    let conn = conn::connect(target).await.map_err(failed)?;
    let recorded = checkpoint::find(conn.client(), &position.slot).await.map_err(failed)?;
    if let Some(applied) = recorded.and_then(|p| p.applied) {
        totals.applied = applied;
    }
    let mut applier =
        apply::Applier::new(conn, &position.slot, opts.truncate).await.map_err(failed)?;
    let bounds = stream::Bounds { slot: &position.slot, publication: &position.publication, until };
    stream::run(source, bounds, &mut applier, (opts, events), totals, stop).await
}

/// Failures that may pass: transient and unreachable ones, and a slot still held by the
/// walsender of a session that just died (55006, released once the server notices).
fn retryable(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Transient | ErrorKind::Unreachable)
        || error.sqlstate() == Some("55006")
}

/// 200 ms, doubling, at most 10 s.
fn backoff(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(6);
    Duration::from_millis(200 * (1u64 << exp)).min(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(30), Duration::from_secs(10));
    }

    #[test]
    fn only_passing_failures_are_retried() {
        assert!(retryable(&Error::new(ErrorKind::Transient, "x")));
        assert!(retryable(&Error::new(ErrorKind::Unreachable, "x")));
        assert!(!retryable(&Error::config("x")));
        assert!(!retryable(&Error::new(ErrorKind::Sql, "x")));
    }
}
