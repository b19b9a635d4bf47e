//! `fetch`: copy the rows of a live source into the target, consistently, in parallel, exactly
//! once per shard, resumable, and hand the snapshot's position over to replication.
//!
//! ```text
//!  coordinator (source)          workers (--jobs N), one shard each at a time
//!  CREATE_REPLICATION_SLOT ..    source: BEGIN REPEATABLE READ, READ ONLY;
//!   (SNAPSHOT 'export'), or              SET TRANSACTION SNAPSHOT '<id>';
//!  pg_export_snapshot() ──id──▶          COPY (SELECT .. WHERE range ORDER BY pk) TO STDOUT binary
//!  (open until every shard          │ CopyData re-batched into ~256 KiB buffers
//!   is copied)                      ▼
//!                                target: BEGIN; lock _godwit.shards row;
//!                                        COPY t (cols) FROM STDIN binary;
//!                                        UPDATE _godwit.shards SET status='done', rows=n;
//!                                        COMMIT
//!                                table complete: its indexes, key, checks (`deferred`)
//!  all tables complete: foreign keys added NOT VALID, validated
//! ```
//!
//! # Before any data moves
//!
//! Both schemas are introspected and the selected tables compared (`compare`): every
//! mismatch (missing table or column, changed type, nullability, primary key, a target column
//! the source cannot fill) is emitted as a warning event; if any is fatal, the run stops with
//! a configuration error listing them all, before the `_godwit` state is created. Columns whose
//! target type safely widens the source's are copied with a cast.
//!
//! A fresh run (not a resume) then applies [`TableHandling`] to the selected target tables:
//! refuse any that already hold rows (the default), truncate them all in one statement, or
//! drop and recreate them from the source's DDL (`prepare`). In CDC mode the source's
//! replication prerequisites are checked first. A resumed run never touches existing rows.
//!
//! # Deferred objects
//!
//! Indexes and constraints the source has and the target lacks are built after the data, each
//! table's as soon as its last shard is in, foreign keys at the end (`deferred`).
//!
//! # After the copy
//!
//! When every table was copied, the target sequences owned by copied tables (`serial`,
//! identity) are set to the source's values read on the coordinator (`sequences`), so the
//! target continues numbering where the source is.
//!
//! # Why it is consistent
//!
//! One snapshot serves every reader (`snapshot`): with CDC, the one exported when the
//! replication slot is created (so the slot streams exactly what the copy does not show);
//! without, the coordinator's `pg_export_snapshot()`. Its session stays open for the whole
//! copy; every reader imports it, so all shards of all tables
//! are read from the same instant, whatever the source does meanwhile. Shard bounds (key
//! `min`/`max`, histograms, key samples or heap size; see `plan`) are read inside that
//! snapshot on the coordinator.
//!
//! # Why it is exactly once
//!
//! A shard's rows and its `done` mark commit in one target transaction (see [`state`]).
//! A crash either commits both or neither, so a resumed run skips `done` shards and redoes
//! the others from scratch: no row is lost or doubled. Reconciliation runs before that
//! commit: the target's COPY row count must equal the tuples the source sent for the range
//! (counted in the stream, see `tuples`).
//!
//! # Resume and its limit
//!
//! The snapshot dies with the coordinator, so a resumed run (`resume`, or the latest run that
//! never finished) reads the remaining shards from a *new* snapshot, reusing the stored shard
//! bounds, and keeps the first run's replication slot, which still starts at the first
//! snapshot. The result says so ([`FetchResult::resumed_from_new_snapshot`]). The copy alone
//! is consistent only for a source that did not change meanwhile; followed by replication from
//! the slot, changes already in the resumed rows are applied again, which converges for tables
//! with a key (replication applies by key). Nothing here detects source changes.
//!
//! # Errors
//!
//! Transient errors ([`crate::error::Retry::Timed`]) are retried per shard three times
//! (100 ms, 400 ms, 1.6 s). Any other error marks the shard `failed`, records an exception
//! (SQLSTATE and message, never row values) in `_godwit.exceptions`, and the other shards go
//! on; the run's result lists the failed tables.
//!
//! CockroachDB on either side takes the text data path (`cockroach`): one
//! `AS OF SYSTEM TIME` for every reader instead of an exported snapshot. With `--storage`,
//! shards go through object storage (`storage`).

pub(crate) mod cockroach;
pub(crate) mod compare;
mod copy;
mod deferred;
pub(crate) mod plan;
mod prepare;
mod run;
mod sequences;
mod snapshot;
pub mod state;
mod storage;
mod tuples;

use crate::conn::{self, ConnParams, Connection};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::{Filter, TableFilter, introspect};

pub use compare::{Mismatch, Severity};
pub use deferred::{DeferredFailure, DeferredReport};
pub use plan::{Bound, KeyColumn, Range, TablePlan};
pub use prepare::TableHandling;
pub use storage::StorageMode;

/// The default shard size, 64 MiB: at tens of MB/s per worker a shard takes a second or
/// two, so its fixed cost (two connections, a snapshot import, a `count(*)`, a commit) stays
/// small; a 1 GiB table still spreads over 16 workers; a crash redoes at most 64 MiB per
/// shard in flight; and one target transaction stays moderate (CockroachDB holds a
/// transaction's writes as intents until it commits, so smaller is safer there).
pub const DEFAULT_SHARD_BYTES: u64 = 64 * 1024 * 1024;

/// What to copy and how.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Schemas to copy; empty means every user schema.
    pub schemas: Vec<String>,
    /// Tables to copy within those schemas (`--tables`, `--exclude-tables`).
    pub tables: TableFilter,
    /// Shards copied at the same time (each uses one source and one target connection).
    pub jobs: usize,
    /// Tables bigger than this on disk (indexes and TOAST included) are split into shards of
    /// about this many bytes, whatever their key (bounds are planned in the snapshot).
    pub shard_bytes: u64,
    /// Resume this run; `None` resumes the latest unfinished run if there is one, else starts
    /// a new run.
    pub resume: Option<String>,
    /// What a fresh run does with target tables that already hold rows.
    pub table_handling: TableHandling,
    /// Hand over to replication: create a logical replication slot (and its publication)
    /// with the snapshot, so that `replicate` streams exactly the changes after it (PostgreSQL
    /// sources). Off, the snapshot is a plain exported one and no slot is made (`--no-cdc`).
    /// Off by default in the library, on by default in the CLI: a slot retains WAL on the
    /// source until something consumes or drops it.
    pub cdc: bool,
    /// Test hook: stop the run (as if it crashed) once this many shards are done, returning an
    /// error and leaving the run unfinished. Not for production use.
    #[doc(hidden)]
    pub fail_after_shards: Option<usize>,
    /// Go through object storage at this URL (`file:///dir`, `s3://`, `gs://`, `azure://`).
    pub storage: Option<String>,
    /// Which halves of a storage run to do (needs `storage`).
    pub storage_mode: StorageMode,
    /// Where the built-in HTTP file server listens, for a CockroachDB target reading
    /// `file://` storage (must be reachable from every CockroachDB node).
    pub storage_http_addr: Option<std::net::SocketAddr>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            schemas: Vec::new(),
            tables: TableFilter::default(),
            jobs: 2,
            shard_bytes: DEFAULT_SHARD_BYTES,
            resume: None,
            table_handling: TableHandling::None,
            cdc: false,
            fail_after_shards: None,
            storage: None,
            storage_mode: StorageMode::Both,
            storage_http_addr: None,
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
    /// The replication slot that streams the changes after the snapshot (CDC mode).
    pub handoff: Option<state::SlotRecord>,
    /// Indexes and constraints created after the data (failures included).
    pub deferred: DeferredReport,
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

/// `--import-only`: load a finished `--storage` export (its manifest names the tables and
/// objects) into `target`; no source connection is needed.
pub async fn import(
    target: &ConnParams,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    Box::pin(storage::import_only(target, options, events)).await
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
    if options.storage.is_some() || options.storage_mode != StorageMode::Both {
        return storage::fetch(source, target, options, events).await;
    }
    let coordinator = conn::connect(source).await?;
    let state_conn = conn::connect(target).await?;
    supported(&coordinator)?;
    supported(&state_conn)?;
    let resume = pending_run(state_conn.client(), options).await?;
    let planned = plan_tables(&coordinator, &state_conn, options, resume.is_none(), events).await?;
    if resume.is_none() {
        prepare_fresh(&coordinator, &state_conn, &planned, options, events).await?;
    }
    state::ensure_schema(state_conn.client()).await?;
    let (run_id, snapshot) =
        open_run(&coordinator, source, &state_conn, resume.as_deref(), &planned, options, events)
            .await?;
    let ctx = copy::CopyContext {
        source: source.clone(),
        target: target.clone(),
        snapshot: snapshot.id.clone(),
        run_id: run_id.clone(),
        route: copy::Route::direct(coordinator.dialect(), state_conn.dialect()),
    };
    let work = run::shard_jobs(&coordinator, &state_conn, &run_id, planned.tables, options).await?;
    if !planned.deferred.is_empty() {
        events.emit(Event::Step {
            phase: "fetch".into(),
            message: format!(
                "{} index and constraint statements deferred until their tables are loaded",
                planned.deferred.len()
            ),
        });
    }
    let mut builder =
        deferred::Builder::new(planned.deferred, target, state_conn.dialect(), options.jobs);
    let (tables, failed) =
        run::run(&state_conn, ctx, work, options, Some(&mut builder), events).await?;
    let deferred = builder.finish(events).await;
    let (status, sequences_synced) = if failed.is_empty() {
        ("done", sequences::sync(&coordinator, &state_conn, &planned.sequences, events).await?)
    } else {
        ("failed", 0)
    };
    state::finish_run(state_conn.client(), &run_id, status).await?;
    let handoff = snapshot.slot.clone();
    if let (Some(slot), false) = (&handoff, failed.is_empty()) {
        events.emit(Event::Warning { message: slot_kept(&run_id, &slot.slot) });
    }
    snapshot.release();
    drop(coordinator);
    let resumed_from_new_snapshot = resume.is_some();
    Ok(FetchResult {
        run_id,
        tables,
        failed,
        resumed_from_new_snapshot,
        sequences_synced,
        handoff,
        deferred,
    })
}

/// Both dialects are supported on both sides; the match is where a third would plug in.
fn supported(conn: &Connection) -> Result<()> {
    match conn.dialect() {
        Dialect::Postgres | Dialect::Cockroach => Ok(()),
    }
}

/// The tables and sequences a run copies.
pub(crate) struct Planned {
    pub(crate) tables: Vec<TablePlan>,
    pub(crate) sequences: Vec<sequences::OwnedSequence>,
    /// Indexes and constraints the target lacks, created after the data.
    pub(crate) deferred: deferred::Plan,
    /// What `--table-handling drop-on-target-and-recreate` runs (fresh runs only).
    pub(crate) recreate: Option<prepare::Recreate>,
}

/// Introspect both sides and check that the target is ready, before any data moves. A
/// `fresh` run with [`TableHandling::DropAndRecreate`] plans against the tables as the
/// source's DDL will recreate them instead of the target's current ones.
pub(crate) async fn plan_tables(
    source: &Connection,
    target: &Connection,
    options: &FetchOptions,
    fresh: bool,
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
    let target_dialect = (target.dialect(), target.version());
    let mut selected = plan::copyable_tables(&source_schema);
    selected.retain(|t| options.tables.selects(&t.schema, &t.name));
    if fresh && options.table_handling == TableHandling::DropAndRecreate {
        let (ready, recreate, created) =
            recreate_plan(&source_schema, &target_schema, target_dialect);
        let tables = plan::select_tables(&selected, &ready);
        let sequences = sequences::owned(&source_schema, &ready, &tables);
        let deferred = deferred::plan(&source_schema, &created, &tables, target_dialect);
        return Ok(Planned { tables, sequences, deferred, recreate: Some(recreate) });
    }
    preflight(&compare::compare(&selected, &target_schema), events)?;
    let tables = plan::select_tables(&selected, &target_schema);
    let sequences = sequences::owned(&source_schema, &target_schema, &tables);
    let deferred = deferred::plan(&source_schema, &target_schema, &tables, target_dialect);
    Ok(Planned { tables, sequences, deferred, recreate: None })
}

/// The target schema the source's DDL makes, what dropping and recreating it runs, and the
/// schema right after the re-creation (tables and the keys created with them), against which
/// the deferred objects are planned. On PostgreSQL, plain tables are recreated without their
/// primary key, which is built after the data like the other indexes (as `pg_restore` and
/// pgcopydb do: one sorted build instead of a b-tree maintained row by row); CockroachDB
/// needs the key at creation.
fn recreate_plan(
    source: &crate::schema::model::Schema,
    target: &crate::schema::model::Schema,
    (dialect, version): (Dialect, crate::dialect::Version),
) -> (crate::schema::model::Schema, prepare::Recreate, crate::schema::model::Schema) {
    use crate::schema::convert::{self, KeyStrategy};
    use crate::schema::model::{ConstraintKind, TableKind};
    let options = convert::Options {
        target: crate::schema::assess::Target { dialect, version },
        keys: KeyStrategy::Keep,
    };
    let ready = convert::convert(source, &options, None).schema;
    let mut created = ready.clone();
    for t in &mut created.tables {
        let plain = t.kind == TableKind::Regular && t.partition_of.is_none();
        let defer_key = dialect == Dialect::Postgres && plain;
        t.constraints.retain(|c| c.kind == ConstraintKind::PrimaryKey && !defer_key);
        t.indexes.clear();
    }
    let drop = source
        .tables
        .iter()
        .filter(|t| target.table(&t.schema, &t.name).is_some())
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    let statements = convert::pre_statements(&created, dialect);
    (ready, prepare::Recreate { drop, statements }, created)
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

/// The run to resume: `options.resume`, else the latest unfinished run if there is state.
pub(crate) async fn pending_run(
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

/// Start a new run or resume `resume`, and take its snapshot (see [`snapshot`]); returns the
/// run id and the snapshot, with the coordinator left inside it. On a fresh run in CDC mode
/// the source is checked first, so a refused run creates nothing.
pub(crate) async fn open_run(
    coordinator: &Connection,
    source: &ConnParams,
    state_conn: &Connection,
    resume: Option<&str>,
    planned: &Planned,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<(String, snapshot::RunSnapshot)> {
    let target = state_conn.client();
    let (run_id, snapshot) = match resume {
        Some(id) => {
            let recorded = state::resume_run(target, id).await?;
            (
                id.to_owned(),
                snapshot::take_for_resume(coordinator, target, id, recorded, events).await?,
            )
        }
        None => {
            let cdc = options.cdc && coordinator.dialect() == Dialect::Postgres;
            let id = state::new_run(target, &source.redacted()).await?;
            let taken =
                snapshot::take(coordinator, source, target, &id, &planned.tables, cdc).await?;
            (id, taken)
        }
    };
    let slot = snapshot.slot.as_ref().map_or_else(String::new, |s| {
        let lsn = s.consistent_lsn.as_deref().unwrap_or("unknown");
        format!(", replication slot {} from LSN {lsn}", s.slot)
    });
    events.emit(Event::Step {
        phase: "fetch".into(),
        message: format!(
            "run {run_id}: snapshot {}{slot}; {} tables to copy",
            snapshot.id,
            planned.tables.len()
        ),
    });
    Ok((run_id, snapshot))
}

/// What a fresh run does before it records anything: refuse CDC mode when the source cannot
/// make a slot, then apply the table handling (see [`prepare`]).
pub(crate) async fn prepare_fresh(
    coordinator: &Connection,
    state_conn: &Connection,
    planned: &Planned,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<()> {
    if options.cdc && coordinator.dialect() == Dialect::Postgres {
        cdc_preflight(coordinator).await?;
    }
    match &planned.recreate {
        Some(recreate) => prepare::recreate(state_conn, recreate, events).await,
        None => prepare::prepare(state_conn, &planned.tables, options.table_handling, events).await,
    }
}

/// What to tell about the slot of a run that did not finish.
fn slot_kept(run_id: &str, slot: &str) -> String {
    format!(
        "replication slot {slot} keeps WAL on the source until run {run_id} is resumed \
         (godwit fetch --resume {run_id}) or the slot is dropped \
         (SELECT pg_drop_replication_slot('{slot}'))"
    )
}

/// Refuse CDC mode before anything is created when the source cannot make a slot.
async fn cdc_preflight(coordinator: &Connection) -> Result<()> {
    let problems = crate::cdc::preflight::slot_prerequisites(coordinator.client()).await?;
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<_> =
        problems.iter().map(|p| format!("  {}: {} (fix: {})", p.check, p.message, p.fix)).collect();
    Err(Error::config(format!(
        "the source {} cannot hand its snapshot over to replication:\n{}",
        coordinator.target(),
        lines.join("\n")
    ))
    .with_hint("fix these, or pass --no-cdc for a copy without a replication slot"))
}
