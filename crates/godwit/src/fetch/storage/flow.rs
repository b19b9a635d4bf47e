//! The order of a `--storage` run: the same preparation as a direct fetch (pre-flight,
//! table handling, snapshot, `_godwit` run), then the export phase through the worker pool,
//! the manifest, and (unless `--export-only`) the import phase: the worker pool again for a
//! PostgreSQL target, one `IMPORT INTO` per table for CockroachDB. `--import-only` starts
//! from a manifest and needs no source.

use std::sync::Arc;

use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::export::{self, Export};
use super::import::Import;
use super::manifest::{self, Manifest, ManifestColumn, ManifestShard, ManifestTable};
use super::{Format, Phase, Storage, StorageMode, import_crdb};
use crate::conn::{self, ConnParams, Connection};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::fetch::cockroach;
use crate::fetch::copy::{CopyContext, Route};
use crate::fetch::deferred::Builder;
use crate::fetch::plan::TablePlan;
use crate::fetch::state::{self, StoredShard};
use crate::fetch::{FetchOptions, FetchResult, TableLedger, prepare, run, sequences};

/// A fetch with `options.storage` set: export, then import unless `--export-only`
/// (`--import-only` goes to [`import_only`]).
pub async fn fetch(
    source: &ConnParams,
    target: &ConnParams,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    let storage = open(options)?;
    if options.storage_mode == StorageMode::ImportOnly {
        return import_only(target, options, events).await;
    }
    let coordinator = conn::connect(source).await?;
    let state_conn = conn::connect(target).await?;
    let resume = crate::fetch::pending_run(state_conn.client(), options).await?;
    let planned =
        crate::fetch::plan_tables(&coordinator, &state_conn, options, resume.is_none(), events)
            .await?;
    if resume.is_none() {
        crate::fetch::prepare_fresh(&coordinator, &state_conn, &planned, options, events).await?;
    }
    state::ensure_schema(state_conn.client()).await?;
    export::ensure_schema(state_conn.client()).await?;
    let (run_id, run_snapshot) = crate::fetch::open_run(
        &coordinator,
        source,
        &state_conn,
        resume.as_deref(),
        &planned,
        options,
        events,
    )
    .await?;
    let snapshot = run_snapshot.id.clone();
    let format = Format::for_pair(coordinator.dialect(), state_conn.dialect());
    step(
        events,
        format!(
            "exporting {} tables to {} ({format:?}, gzip)",
            planned.tables.len(),
            storage.shown()
        ),
    );
    let phase = Phase::Export(Export { storage: storage.clone(), format });
    let ctx = context(source, target, &snapshot, &run_id, phase);
    let work = run::shard_jobs(&coordinator, &state_conn, &run_id, planned.tables.clone(), options)
        .await?;
    let (exported, failed) = run::run(&state_conn, ctx, work, options, None, events).await?;
    let resumed_from_new_snapshot = resume.is_some();
    let result = |tables, failed, sequences_synced| FetchResult {
        run_id: run_id.clone(),
        tables,
        failed,
        resumed_from_new_snapshot,
        sequences_synced,
        handoff: run_snapshot.slot.clone(),
        deferred: crate::fetch::DeferredReport::default(),
    };
    if !failed.is_empty() {
        state::finish_run(state_conn.client(), &run_id, "failed").await?;
        return Ok(result(exported, failed, 0));
    }
    let manifest =
        build_manifest(&coordinator, &state_conn, &planned.tables, &run_id, &snapshot, source)
            .await?;
    manifest.write(&storage).await?;
    step(events, format!("wrote {}", storage.manifest_path(&run_id)));
    if options.storage_mode == StorageMode::ExportOnly {
        set_status(state_conn.client(), &run_id, "exported").await?;
        return Ok(result(exported, failed, 0));
    }
    let mut builder = Builder::new(planned.deferred, target, state_conn.dialect(), options.jobs);
    let (tables, failed) =
        import_phase(&state_conn, &storage, manifest, target, options, Some(&mut builder), events)
            .await?;
    let deferred = builder.finish(events).await;
    let synced = if failed.is_empty() {
        sequences::sync(&coordinator, &state_conn, &planned.sequences, events).await?
    } else {
        0
    };
    let status = if failed.is_empty() { "done" } else { "failed" };
    state::finish_run(state_conn.client(), &run_id, status).await?;
    Ok(FetchResult { deferred, ..result(tables, failed, synced) })
}

/// `--import-only`: load the export named by `options.resume` (else the newest manifest
/// under the storage prefix) into `target`. Sequences are not synced (there is no source).
pub async fn import_only(
    target: &ConnParams,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    let storage = open(options)?;
    let run_id = match &options.resume {
        Some(id) => id.clone(),
        None => manifest::latest_run(&storage).await?.ok_or_else(|| {
            Error::config(format!("no finished export (manifest.json) under {}", storage.shown()))
        })?,
    };
    let manifest = Manifest::read(&storage, &run_id).await?;
    let state_conn = conn::connect(target).await?;
    if manifest.target_dialect != state_conn.dialect() {
        return Err(Error::config(format!(
            "export {run_id} was made for a {} target ({:?} objects), not {}",
            manifest.target_dialect,
            manifest.format,
            state_conn.dialect()
        )));
    }
    step(events, format!("importing export {run_id} from {}", storage.shown()));
    let plans: Vec<TablePlan> = manifest.tables.iter().map(ManifestTable::plan).collect();
    state::ensure_schema(state_conn.client()).await?;
    if !run_exists(state_conn.client(), &run_id).await? {
        prepare::prepare(&state_conn, &plans, options.table_handling, events).await?;
    }
    open_imported_run(state_conn.client(), &manifest).await?;
    state::insert_shards(state_conn.client(), &run_id, &stored_shards(&manifest)).await?;
    let (tables, failed) =
        import_phase(&state_conn, &storage, manifest, target, options, None, events).await?;
    let status = if failed.is_empty() { "done" } else { "failed" };
    state::finish_run(state_conn.client(), &run_id, status).await?;
    events.emit(Event::Warning {
        message: "sequences are not synced by --import-only (no source connection)".into(),
    });
    Ok(FetchResult {
        run_id,
        tables,
        failed,
        resumed_from_new_snapshot: false,
        sequences_synced: 0,
        handoff: None,
        deferred: crate::fetch::DeferredReport::default(),
    })
}

fn open(options: &FetchOptions) -> Result<Storage> {
    let url = options
        .storage
        .as_deref()
        .ok_or_else(|| Error::config("--import-only and --export-only need --storage URL"))?;
    Storage::open(url)
}

fn step(events: &dyn EventSink, message: String) {
    events.emit(Event::Step { phase: "fetch".into(), message });
}

fn context(
    source: &ConnParams,
    target: &ConnParams,
    snapshot: &str,
    run_id: &str,
    phase: Phase,
) -> CopyContext {
    CopyContext {
        source: source.clone(),
        target: target.clone(),
        snapshot: snapshot.to_owned(),
        run_id: run_id.to_owned(),
        route: Route::Storage(Arc::new(phase)),
    }
}

/// Import every shard of `manifest` that is not `done` yet.
async fn import_phase(
    state_conn: &Connection,
    storage: &Storage,
    manifest: Manifest,
    target: &ConnParams,
    options: &FetchOptions,
    deferred: Option<&mut Builder>,
    events: &dyn EventSink,
) -> Result<(Vec<TableLedger>, Vec<String>)> {
    if state_conn.dialect() == Dialect::Cockroach {
        let (tables, failed) =
            import_crdb::import(state_conn, storage, &manifest, options.storage_http_addr, events)
                .await?;
        if let Some(builder) = deferred {
            let loaded =
                tables.iter().filter(|t| !failed.contains(&format!("{}.{}", t.schema, t.table)));
            for t in loaded {
                builder.table_done(&t.schema, &t.table);
            }
        }
        return Ok((tables, failed));
    }
    let run_id = manifest.run_id.clone();
    let plans: Vec<TablePlan> = manifest.tables.iter().map(ManifestTable::plan).collect();
    // Every table has stored shards by now, so `shard_jobs` never plans (and never reads
    // the connection given as coordinator): it only lists the shards not done.
    let work = run::shard_jobs(state_conn, state_conn, &run_id, plans, options).await?;
    let snapshot = manifest.snapshot.clone();
    let phase = Phase::Import(Import { storage: storage.clone(), manifest: Arc::new(manifest) });
    // The import never connects to the source: the target stands in for it.
    let ctx = context(target, target, &snapshot, &run_id, phase);
    step(events, format!("importing from {}", storage.shown()));
    run::run(state_conn, ctx, work, options, deferred, events).await
}

/// The manifest of a finished export: every shard of the run from `_godwit.exports`, the
/// column types from the source.
async fn build_manifest(
    coordinator: &Connection,
    state_conn: &Connection,
    tables: &[TablePlan],
    run_id: &str,
    snapshot: &str,
    source: &ConnParams,
) -> Result<Manifest> {
    let shards = exported_shards(state_conn.client(), run_id).await?;
    let mut out = Vec::with_capacity(tables.len());
    for plan in tables {
        let types = cockroach::column_types(coordinator.client(), plan).await?;
        out.push(ManifestTable {
            schema: plan.schema.clone(),
            table: plan.name.clone(),
            columns: plan.columns.iter().zip(&types).map(|(c, t)| column(c, t)).collect(),
            key: manifest::key_of(plan),
            shards: shards
                .iter()
                .filter(|(s, t, _)| *s == plan.schema && *t == plan.name)
                .map(|(_, _, shard)| shard.clone())
                .collect(),
        });
    }
    let cockroach_source = coordinator.dialect() == Dialect::Cockroach;
    Ok(Manifest {
        version: manifest::VERSION,
        run_id: run_id.to_owned(),
        source_dialect: coordinator.dialect(),
        target_dialect: state_conn.dialect(),
        source: source.redacted(),
        snapshot: snapshot.to_owned(),
        cursor: cockroach_source.then(|| snapshot.to_owned()),
        format: Format::for_pair(coordinator.dialect(), state_conn.dialect()),
        compression: "gzip".into(),
        tables: out,
    })
}

fn column(name: &str, t: &Type) -> ManifestColumn {
    ManifestColumn { name: name.to_owned(), data_type: t.name().to_owned() }
}

/// (schema, table, shard) of every exported shard of `run_id`.
async fn exported_shards(
    state: &Client,
    run_id: &str,
) -> Result<Vec<(String, String, ManifestShard)>> {
    let rows = state
        .query(include_str!("exports_of_run.sql"), &[&run_id])
        .await
        .map_err(|e| Error::db(format!("reading the exports of run {run_id}"), e))?;
    Ok(rows
        .iter()
        .map(|r| {
            let shard = ManifestShard {
                shard: r.get(2),
                lower: r.get(3),
                upper: r.get(4),
                object: r.get(5),
                rows: r.get(6),
                bytes: r.get(7),
                raw_bytes: r.get(8),
            };
            (r.get(0), r.get(1), shard)
        })
        .collect())
}

/// The manifest's shards as `_godwit.shards` rows, pending.
fn stored_shards(manifest: &Manifest) -> Vec<StoredShard> {
    manifest
        .tables
        .iter()
        .flat_map(|t| {
            t.shards.iter().map(|s| StoredShard {
                schema: t.schema.clone(),
                table: t.table.clone(),
                shard: s.shard,
                lower: s.lower.clone(),
                upper: s.upper.clone(),
                status: "pending".into(),
            })
        })
        .collect()
}

async fn run_exists(state: &Client, run_id: &str) -> Result<bool> {
    let row = state
        .query_one(include_str!("run_exists.sql"), &[&run_id])
        .await
        .map_err(|e| Error::db(format!("looking for run {run_id} in _godwit.runs"), e))?;
    Ok(row.get(0))
}

async fn open_imported_run(state: &Client, manifest: &Manifest) -> Result<()> {
    state
        .execute(
            include_str!("open_imported_run.sql"),
            &[&manifest.run_id, &manifest.snapshot, &manifest.source],
        )
        .await
        .map_err(|e| Error::db(format!("recording run {} in _godwit.runs", manifest.run_id), e))?;
    Ok(())
}

async fn set_status(state: &Client, run_id: &str, status: &str) -> Result<()> {
    state
        .execute(include_str!("run_status.sql"), &[&run_id, &status])
        .await
        .map_err(|e| Error::db(format!("closing run {run_id}"), e))?;
    Ok(())
}
