//! `status`: what godwit has done and is doing to a target, read from its `_godwit` state
//! only (no source connection needed): the latest fetch runs and the per-table shard states of
//! the newest, the replication streams with their applied position, and the latest
//! verification with its per-table counts.
//!
//! Every part is optional: a target that never saw a fetch, a replication or a verification
//! simply has nothing to show for it (the state tables are looked up with `to_regclass`
//! first, which PostgreSQL and CockroachDB both have).

use serde::Serialize;
use tokio_postgres::{Client, Row};

use crate::conn::{self, ConnParams};
use crate::error::{Error, Result};

/// Everything `status` shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Status {
    /// The redacted target.
    pub target: String,
    /// The latest fetch runs, newest first (at most five).
    pub fetch_runs: Vec<FetchRun>,
    /// Per table, the shards of the newest fetch run.
    pub fetch_tables: Vec<FetchTable>,
    /// Replication streams into this target.
    pub replication: Vec<Replication>,
    /// The latest verification.
    pub verification: Option<Verification>,
}

/// One fetch run.
#[derive(Debug, Clone, Serialize)]
pub struct FetchRun {
    /// The run id.
    pub run_id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// The replication slot handed to `replicate`, if any.
    pub slot: Option<String>,
    /// The LSN the slot streams from.
    pub consistent_lsn: Option<String>,
}

/// One table of the newest fetch run.
#[derive(Debug, Clone, Serialize)]
pub struct FetchTable {
    /// `schema.name`.
    pub table: String,
    /// Shards planned.
    pub shards: i64,
    /// Shards copied.
    pub done: i64,
    /// Shards that failed.
    pub failed: i64,
    /// Rows copied.
    pub rows: i64,
}

/// One replication stream.
#[derive(Debug, Clone, Serialize)]
pub struct Replication {
    /// The source's replication slot.
    pub slot: String,
    /// Its publication.
    pub publication: String,
    /// The fetch run it continues, if any.
    pub run_id: Option<String>,
    /// Where it started.
    pub start_lsn: Option<String>,
    /// The end of the last source transaction committed on the target.
    pub applied_lsn: Option<String>,
    /// When that was committed.
    pub applied_at: Option<String>,
    /// Seconds since then.
    pub seconds_since_applied: Option<f64>,
    /// Source transactions applied.
    pub transactions: i64,
    /// Rows changed.
    pub rows: i64,
}

/// The latest verification.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The run id.
    pub run_id: String,
    /// `rows` or `hash`.
    pub mode: String,
    /// `running`, `equal`, `different`, `incomplete` or `failed`.
    pub status: String,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// Per-table counts.
    pub tables: Vec<VerifiedTable>,
}

/// One table of a verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedTable {
    /// `schema.name`.
    pub table: String,
    /// `key` or `multiset`.
    pub method: String,
    /// Counts: source rows, matched, missing, extraneous, mismatched, live_retry.
    pub source_rows: i64,
    /// Source rows with an equal target row.
    pub matched: i64,
    /// Source rows the target lacks.
    pub missing: i64,
    /// Target rows the source lacks.
    pub extraneous: i64,
    /// Rows that differ.
    pub mismatched: i64,
    /// Rows that converged when re-read.
    pub live_retry: i64,
    /// Comma-separated columns that differed.
    pub mismatched_columns: String,
    /// Why the table was not fully checked.
    pub error: Option<String>,
}

/// Read the status of `target`.
pub async fn status(target: &ConnParams) -> Result<Status> {
    let conn = conn::connect(target).await?;
    let client = conn.client();
    let present = query(client, include_str!("status/tables.sql"), &[]).await?;
    let has = |i: usize| present.first().is_some_and(|r| r.get::<_, bool>(i));
    let mut status = Status { target: conn.target().to_owned(), ..Status::default() };
    if has(0) {
        status.fetch_runs = fetch_runs(client).await?;
        if let Some(newest) = status.fetch_runs.first() {
            status.fetch_tables = fetch_tables(client, &newest.run_id).await?;
        }
    }
    if has(1) {
        status.verification = verification(client).await?;
    }
    if has(2) {
        status.replication = replication(client).await?;
    }
    Ok(status)
}

async fn query(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Row>> {
    client.query(sql, params).await.map_err(|e| Error::db("reading the _godwit state", e))
}

async fn fetch_runs(client: &Client) -> Result<Vec<FetchRun>> {
    let rows = query(client, include_str!("status/runs.sql"), &[]).await?;
    Ok(rows
        .iter()
        .map(|r| FetchRun {
            run_id: r.get(0),
            status: r.get(1),
            started_at: r.get(2),
            finished_at: r.get(3),
            slot: r.get(4),
            consistent_lsn: r.get(5),
        })
        .collect())
}

async fn fetch_tables(client: &Client, run_id: &str) -> Result<Vec<FetchTable>> {
    let rows = query(client, include_str!("status/fetch_tables.sql"), &[&run_id]).await?;
    Ok(rows
        .iter()
        .map(|r| FetchTable {
            table: format!("{}.{}", r.get::<_, String>(0), r.get::<_, String>(1)),
            shards: r.get(2),
            done: r.get(3),
            failed: r.get(4),
            rows: r.get(5),
        })
        .collect())
}

async fn verification(client: &Client) -> Result<Option<Verification>> {
    let rows = query(client, include_str!("status/verification.sql"), &[]).await?;
    let Some(r) = rows.first() else { return Ok(None) };
    let run_id: String = r.get(0);
    let tables = query(client, include_str!("status/verification_tables.sql"), &[&run_id]).await?;
    Ok(Some(Verification {
        run_id: run_id.clone(),
        mode: r.get(1),
        status: r.get(2),
        started_at: r.get(3),
        finished_at: r.get(4),
        tables: tables
            .iter()
            .map(|t| VerifiedTable {
                table: format!("{}.{}", t.get::<_, String>(0), t.get::<_, String>(1)),
                method: t.get(2),
                source_rows: t.get(3),
                matched: t.get(4),
                missing: t.get(5),
                extraneous: t.get(6),
                mismatched: t.get(7),
                live_retry: t.get(8),
                mismatched_columns: t.get(9),
                error: t.get(10),
            })
            .collect(),
    }))
}

async fn replication(client: &Client) -> Result<Vec<Replication>> {
    let rows = query(client, include_str!("status/replication.sql"), &[]).await?;
    Ok(rows
        .iter()
        .map(|r| Replication {
            slot: r.get(0),
            publication: r.get(1),
            run_id: r.get(2),
            start_lsn: r.get(3),
            applied_lsn: r.get(4),
            applied_at: r.get(5),
            transactions: r.get(6),
            rows: r.get(7),
            seconds_since_applied: r.get(8),
        })
        .collect())
}
