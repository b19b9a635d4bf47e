//! `fetch`: copy the rows of a live source into existing tables on the target, consistently,
//! in parallel, exactly once per shard, resumable.
//!
//! ```text
//!  coordinator (source)          workers (--jobs N), one shard each at a time
//!  BEGIN REPEATABLE READ,        source: BEGIN REPEATABLE READ, READ ONLY;
//!        READ ONLY;                      SET TRANSACTION SNAPSHOT '<id>';
//!  pg_export_snapshot() ──id──▶          COPY (SELECT .. WHERE range ORDER BY pk) TO STDOUT binary
//!  (open until every shard          │ CopyData re-batched into ~256 KiB buffers
//!   is copied)                      ▼
//!                                target: BEGIN; lock _godwit.shards row;
//!                                        COPY t (cols) FROM STDIN binary;
//!                                        UPDATE _godwit.shards SET status='done', rows=n;
//!                                        COMMIT
//! ```
//!
//! # Before any data moves
//!
//! Both schemas are introspected and the selected tables compared ([`compare`]): every
//! mismatch (missing table or column, changed type, nullability, primary key, a target column
//! the source cannot fill) is emitted as a warning event; if any is fatal, the run stops with
//! a configuration error listing them all, before the `_godwit` state is created. Columns whose
//! target type safely widens the source's are copied with a cast.
//!
//! A fresh run (not a resume) then applies [`TableHandling`] to the selected target tables:
//! refuse any that already hold rows (the default), or truncate them all in one statement.
//! A resumed run never touches existing rows.
//!
//! # After the copy
//!
//! When every table was copied, the target sequences owned by copied tables (`serial`,
//! identity) are set to the source's values read on the coordinator ([`sequences`]), so the
//! target continues numbering where the source is.
//!
//! # Why it is consistent (no-CDC mode)
//!
//! One coordinator transaction on the source exports its snapshot (`pg_export_snapshot()`)
//! and stays open for the whole copy; every reader imports it, so all shards of all tables
//! are read from the same instant, whatever the source does meanwhile. Shard key ranges are
//! computed from `min`/`max` read inside that snapshot.
//!
//! # Why it is exactly once
//!
//! A shard's rows and its `done` mark commit in one target transaction (see [`state`]).
//! A crash either commits both or neither, so a resumed run skips `done` shards and redoes
//! the others from scratch: no row is lost or doubled. Reconciliation runs before that
//! commit: the target's COPY row count must equal `count(*)` of the range in the snapshot.
//!
//! # Resume and its limit
//!
//! The snapshot dies with the coordinator, so a resumed run (`resume`, or the latest run that
//! never finished) reads the remaining shards from a *new* snapshot, reusing the stored shard
//! bounds. The result says so ([`FetchResult::resumed_from_new_snapshot`]). This is only
//! consistent when the source has not changed since the first run (a quiesced source) or
//! when the copy is followed by replication from the first snapshot (a later step); nothing
//! here detects source changes.
//!
//! # Errors
//!
//! Transient errors ([`crate::error::Retry::Timed`]) are retried per shard three times
//! (100 ms, 400 ms, 1.6 s). Any other error marks the shard `failed`, records an exception
//! (SQLSTATE and message, never row values) in `_godwit.exceptions`, and the other shards go
//! on; the run's result lists the failed tables.
//!
//! Only PostgreSQL to PostgreSQL is supported for now: CockroachDB on either side is a
//! configuration error.

mod compare;
mod copy;
mod plan;
mod prepare;
mod run;
mod sequences;
pub mod state;

use crate::conn::{self, ConnParams, Connection};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::{Filter, introspect};

pub use compare::{Mismatch, Severity};
pub use plan::{Range, TablePlan};
pub use prepare::TableHandling;

/// What to copy and how.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Schemas to copy; empty means every user schema.
    pub schemas: Vec<String>,
    /// Shards copied at the same time (each uses one source and one target connection).
    pub jobs: usize,
    /// Tables with a single integer primary key and more estimated rows than this are split
    /// into key ranges of about this many rows.
    pub shard_rows: i64,
    /// Resume this run; `None` resumes the latest unfinished run if there is one, else starts
    /// a new run.
    pub resume: Option<String>,
    /// What a fresh run does with target tables that already hold rows.
    pub table_handling: TableHandling,
    /// Test hook: stop the run (as if it crashed) once this many shards are done, returning an
    /// error and leaving the run unfinished. Not for production use.
    #[doc(hidden)]
    pub fail_after_shards: Option<usize>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            schemas: Vec::new(),
            jobs: 2,
            shard_rows: 250_000,
            resume: None,
            table_handling: TableHandling::None,
            fail_after_shards: None,
        }
    }
}

/// What one table's copy achieved in this run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableLedger {
    /// Schema of the table.
    pub schema: String,
    /// Table name.
    pub table: String,
    /// Shards copied in this run (shards done by an earlier run are not counted).
    pub shards: usize,
    /// Rows copied in this run.
    pub rows: u64,
    /// Bytes of binary COPY data forwarded in this run.
    pub bytes: u64,
    /// Wall-clock seconds from the table's first shard start to its last shard end.
    pub seconds: f64,
}

/// The outcome of a run that got to its end (failed tables included).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FetchResult {
    /// The run id, as stored in `_godwit.runs`.
    pub run_id: String,
    /// One entry per table, in copy order.
    pub tables: Vec<TableLedger>,
    /// Tables (`schema.name`) with at least one failed shard; non-empty means exit code 2.
    pub failed: Vec<String>,
    /// This run resumed an earlier one and read the remaining shards from a new snapshot
    /// (see the module docs for when that is consistent).
    pub resumed_from_new_snapshot: bool,
    /// Target sequences set to the source's values (0 when a table failed).
    pub sequences_synced: usize,
}

/// Copy the selected tables from `source` into the existing tables of `target`.
pub async fn fetch(
    source: &ConnParams,
    target: &ConnParams,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    // The whole run's state machine is large; keep it on the heap, not in callers' futures.
    Box::pin(fetch_run(source, target, options, events)).await
}

async fn fetch_run(
    source: &ConnParams,
    target: &ConnParams,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    if options.jobs == 0 {
        return Err(Error::config("fetch needs at least one job (--jobs 1 or more)"));
    }
    let coordinator = conn::connect(source).await?;
    let state_conn = conn::connect(target).await?;
    supported(&coordinator)?;
    supported(&state_conn)?;
    let planned = plan_tables(&coordinator, &state_conn, options, events).await?;
    let resume = pending_run(state_conn.client(), options).await?;
    if resume.is_none() {
        prepare::prepare(&state_conn, &planned.tables, options.table_handling, events).await?;
    }
    let snapshot = export_snapshot(&coordinator).await?;
    events.emit(Event::Step {
        phase: "fetch".into(),
        message: format!("exported snapshot {snapshot}; {} tables to copy", planned.tables.len()),
    });
    state::ensure_schema(state_conn.client()).await?;
    let run_id = open_run(state_conn.client(), resume.as_deref(), &snapshot, source).await?;
    let ctx = copy::CopyContext {
        source: source.clone(),
        target: target.clone(),
        snapshot,
        run_id: run_id.clone(),
    };
    let work = run::shard_jobs(&coordinator, &state_conn, &run_id, planned.tables, options).await?;
    let (tables, failed) = run::run(&state_conn, ctx, work, options, events).await?;
    let (status, sequences_synced) = if failed.is_empty() {
        ("done", sequences::sync(&coordinator, &state_conn, &planned.sequences, events).await?)
    } else {
        ("failed", 0)
    };
    state::finish_run(state_conn.client(), &run_id, status).await?;
    drop(coordinator);
    let resumed_from_new_snapshot = resume.is_some();
    Ok(FetchResult { run_id, tables, failed, resumed_from_new_snapshot, sequences_synced })
}

/// PostgreSQL only for now; the match is where CockroachDB plugs in.
fn supported(conn: &Connection) -> Result<()> {
    match conn.dialect() {
        Dialect::Postgres => Ok(()),
        Dialect::Cockroach => Err(Error::config(format!(
            "fetch from/to CockroachDB is not available yet ({})",
            conn.target()
        ))),
    }
}

/// The tables and sequences a run copies.
struct Planned {
    tables: Vec<TablePlan>,
    sequences: Vec<sequences::OwnedSequence>,
}

/// Introspect both sides and check that the target is ready, before any data moves.
async fn plan_tables(
    source: &Connection,
    target: &Connection,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<Planned> {
    let filter = if options.schemas.is_empty() {
        Filter::all()
    } else {
        Filter::only(options.schemas.iter().cloned())
    };
    let source_schema = introspect(source.client(), source.dialect(), &filter)
        .await
        .map_err(|e| e.context("reading the source schema"))?;
    let target_schema = introspect(target.client(), target.dialect(), &filter)
        .await
        .map_err(|e| e.context("reading the target schema"))?;
    let selected = plan::copyable_tables(&source_schema);
    preflight(&compare::compare(&selected, &target_schema), events)?;
    let tables = plan::select_tables(&selected, &target_schema);
    let sequences = sequences::owned(&source_schema, &target_schema, &tables);
    Ok(Planned { tables, sequences })
}

/// Report every mismatch as a warning event; any fatal one is a configuration error that
/// lists them all, one per line.
fn preflight(mismatches: &[Mismatch], events: &dyn EventSink) -> Result<()> {
    for m in mismatches {
        events.emit(Event::Warning { message: format!("pre-flight {m}") });
    }
    if !mismatches.iter().any(|m| m.severity == Severity::Fatal) {
        return Ok(());
    }
    let lines: Vec<_> = mismatches.iter().map(|m| format!("  {m}")).collect();
    Err(Error::config(format!("the target tables do not match the source:\n{}", lines.join("\n")))
        .with_hint("fix the target tables first (godwit convert / schema apply)"))
}

/// Open the coordinator's snapshot transaction and export it.
async fn export_snapshot(coordinator: &Connection) -> Result<String> {
    let client = coordinator.client();
    client
        .batch_execute(include_str!("sql/begin_snapshot.sql"))
        .await
        .map_err(|e| Error::db("opening the snapshot transaction on the source", e))?;
    let row = client
        .query_one(include_str!("sql/export_snapshot.sql").trim_end(), &[])
        .await
        .map_err(|e| Error::db("exporting the source snapshot", e))?;
    Ok(row.get(0))
}

/// The run to resume: `options.resume`, else the latest unfinished run if there is state.
async fn pending_run(
    target: &tokio_postgres::Client,
    options: &FetchOptions,
) -> Result<Option<String>> {
    if let Some(id) = &options.resume {
        return Ok(Some(id.clone()));
    }
    if !state::has_state(target).await? {
        return Ok(None);
    }
    state::latest_unfinished(target).await
}

/// Resume `resume` under the new snapshot, or start a new run; returns the run id.
async fn open_run(
    target: &tokio_postgres::Client,
    resume: Option<&str>,
    snapshot: &str,
    source: &ConnParams,
) -> Result<String> {
    match resume {
        Some(id) => {
            state::resume_run(target, id, snapshot).await?;
            Ok(id.to_owned())
        }
        None => state::new_run(target, snapshot, &source.redacted()).await,
    }
}
