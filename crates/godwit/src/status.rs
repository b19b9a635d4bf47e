//! `status`: what godwit has done and is doing to a target, read from its `_godwit` state
//! only (no source connection needed): the latest fetch runs and the per-table shard states of
//! the newest, the replication streams with their applied position and per-table states
//! (`replicating`, or `paused` by schema drift with the reason, column, fix and held changes),
//! and the latest verification with its per-table counts.
//!
//! Every part is optional: a target that never saw a fetch, a replication or a verification
//! simply has nothing to show for it (the state tables are looked up with `to_regclass`
//! first, which PostgreSQL and CockroachDB both have).

use serde::Serialize;
use tokio_postgres::{Client, Row};

use crate::cdc::lsn::Lsn;
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
    /// The source's WAL end as its server had reported it at that commit.
    pub source_lsn: Option<String>,
    /// Lag at that commit, in bytes: `source_lsn` − `applied_lsn` (0 when caught up).
    pub lag_bytes: Option<u64>,
    /// Lag at that commit, in seconds: how long after its source commit the last applied
    /// transaction committed on the target.
    pub lag_seconds: Option<f64>,
    /// Source transactions applied.
    pub transactions: i64,
    /// Rows changed.
    pub rows: i64,
    /// Tables paused by schema drift (their changes held on the target).
    pub paused_tables: i64,
    /// Per replicated table: its state and counters, by name.
    pub tables: Vec<ReplicatedTable>,
}

/// One table of a replication stream (`_godwit.replication_tables`).
#[derive(Debug, Clone, Serialize)]
pub struct ReplicatedTable {
    /// `schema.name`.
    pub table: String,
    /// `replicating`, or `paused` (schema drift: its changes are held until the target fits).
    pub state: String,
    /// Why it is paused.
    pub reason: Option<String>,
    /// The source column missing on the target (`None` when the table is missing, or not
    /// paused).
    pub column: Option<String>,
    /// The fix to apply on the target; the table then resumes by itself.
    pub hint: Option<String>,
    /// The commit LSN of the source transaction it was paused at.
    pub since_lsn: Option<String>,
    /// When it was paused (target time).
    pub since: Option<String>,
    /// Seconds it has been paused.
    pub paused_seconds: Option<f64>,
    /// Changes held for it while paused (not yet applied).
    pub held: i64,
    /// Row changes applied to it (a truncate counts one) since it was first recorded.
    pub applied_rows: i64,
    /// The end LSN of the last group that applied a change to it.
    pub last_applied_lsn: Option<String>,
    /// When its row last changed.
    pub updated_at: String,
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
    if has(3) {
        replicated_tables(client, &mut status.replication).await?;
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
            lag_bytes: lag_bytes(r.get(9), r.get(4)),
            source_lsn: r.get(9),
            lag_seconds: r.get(10),
            paused_tables: 0,
            tables: Vec::new(),
        })
        .collect())
}

/// `source` − `applied` in bytes, when both are recorded LSNs.
fn lag_bytes(source: Option<String>, applied: Option<String>) -> Option<u64> {
    let source: Lsn = source?.parse().ok()?;
    let applied: Lsn = applied?.parse().ok()?;
    Some(source.0.saturating_sub(applied.0))
}

/// Attach each stream's tables.
async fn replicated_tables(client: &Client, streams: &mut [Replication]) -> Result<()> {
    let rows = query(client, include_str!("status/replication_tables.sql"), &[]).await?;
    for r in &rows {
        let slot: String = r.get(0);
        let Some(stream) = streams.iter_mut().find(|s| s.slot == slot) else { continue };
        let table = ReplicatedTable {
            table: format!("{}.{}", r.get::<_, String>(1), r.get::<_, String>(2)),
            state: r.get(3),
            reason: r.get(4),
            column: r.get(5),
            hint: r.get(6),
            since_lsn: r.get(7),
            since: r.get(8),
            paused_seconds: r.get(9),
            held: r.get(10),
            applied_rows: r.get(11),
            last_applied_lsn: r.get(12),
            updated_at: r.get(13),
        };
        stream.paused_tables += i64::from(table.state == "paused");
        stream.tables.push(table);
    }
    Ok(())
}
