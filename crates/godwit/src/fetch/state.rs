//! The `_godwit` schema on the target: runs, shards and exceptions.
//!
//! The state lives next to the data it describes so that the commit of a shard's rows and the
//! record that the shard is done are one target transaction ([`lock_shard`] and
//! [`mark_done`] run inside the transaction the COPY runs in). After a crash the target can
//! therefore never hold a shard's rows without the shard being `done`, nor the reverse.
//! Only names, shard bounds, counts and error messages are stored here. Bounds are key values
//! (the first and last key of a shard), which the target holds anyway; other column values
//! never are.

use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use crate::error::{Error, ErrorKind, Result};

/// A shard as recorded in `_godwit.shards`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShard {
    /// Schema of the table.
    pub schema: String,
    /// Table name.
    pub table: String,
    /// Shard number within the table, from 0.
    pub shard: i32,
    /// Inclusive lower key bound, absent for the first shard.
    pub lower: Option<String>,
    /// Exclusive upper key bound, absent for the last shard.
    pub upper: Option<String>,
    /// `pending`, `done` or `failed`.
    pub status: String,
}

/// Create the `_godwit` schema and its tables if they are missing.
pub async fn ensure_schema(target: &Client) -> Result<()> {
    target
        .batch_execute(include_str!("state/schema.sql"))
        .await
        .map_err(|e| Error::db("creating the _godwit schema on the target", e))
}

/// Whether the `_godwit` state tables exist on the target (read only, creates nothing).
pub async fn has_state(target: &Client) -> Result<bool> {
    let row = target
        .query_one(include_str!("state/has_state.sql").trim_end(), &[])
        .await
        .map_err(|e| Error::db("looking for the _godwit schema on the target", e))?;
    Ok(row.get(0))
}

/// Start a new run and return its id (its snapshot is recorded once taken).
pub async fn new_run(target: &Client, source: &str) -> Result<String> {
    let row = target
        .query_one(include_str!("state/new_run.sql"), &[&source])
        .await
        .map_err(|e| Error::db("recording a new run in _godwit.runs", e))?;
    Ok(row.get(0))
}

/// The replication handoff of a run, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SlotRecord {
    /// The logical replication slot on the source.
    pub slot: String,
    /// The publication the slot streams.
    pub publication: String,
    /// The LSN the slot streams from: the instant of the run's first snapshot. `None` while
    /// the slot is being created (a crash there leaves the name to look for).
    pub consistent_lsn: Option<String>,
}

/// Record the snapshot the run's readers import.
pub async fn record_snapshot(target: &Client, run_id: &str, snapshot: &str) -> Result<()> {
    target
        .execute(include_str!("state/record_snapshot.sql"), &[&run_id, &snapshot])
        .await
        .map_err(|e| Error::db(format!("recording the snapshot of run {run_id}"), e))?;
    Ok(())
}

/// Record the run's replication slot (before it is created, then with its LSN).
pub async fn record_slot(target: &Client, run_id: &str, slot: &SlotRecord) -> Result<()> {
    target
        .execute(
            include_str!("state/record_slot.sql"),
            &[&run_id, &slot.slot, &slot.publication, &slot.consistent_lsn],
        )
        .await
        .map_err(|e| Error::db(format!("recording the replication slot of run {run_id}"), e))?;
    Ok(())
}

/// The most recent run that never finished (crashed or killed), if any.
pub async fn latest_unfinished(target: &Client) -> Result<Option<String>> {
    let row = target
        .query_opt(include_str!("state/latest_unfinished.sql"), &[])
        .await
        .map_err(|e| Error::db("looking for an unfinished run in _godwit.runs", e))?;
    Ok(row.map(|r| r.get(0)))
}

/// Mark `run_id` as running again; returns its recorded slot, if it has one. A missing run
/// is an error.
pub async fn resume_run(target: &Client, run_id: &str) -> Result<Option<SlotRecord>> {
    let row = target
        .query_opt(include_str!("state/resume_run.sql"), &[&run_id])
        .await
        .map_err(|e| Error::db(format!("resuming run {run_id}"), e))?;
    let Some(row) = row else {
        return Err(Error::new(ErrorKind::NotFound, format!("no run {run_id} in _godwit.runs")));
    };
    let slot: Option<String> = row.get(1);
    Ok(slot.map(|slot| SlotRecord {
        slot,
        publication: row.get::<_, Option<String>>(2).unwrap_or_default(),
        consistent_lsn: row.get(3),
    }))
}

/// Every shard recorded for `run_id`.
pub async fn shards_of_run(target: &Client, run_id: &str) -> Result<Vec<StoredShard>> {
    let rows = target
        .query(include_str!("state/shards_of_run.sql"), &[&run_id])
        .await
        .map_err(|e| Error::db(format!("reading the shards of run {run_id}"), e))?;
    Ok(rows
        .iter()
        .map(|r| StoredShard {
            schema: r.get(0),
            table: r.get(1),
            shard: r.get(2),
            lower: r.get(3),
            upper: r.get(4),
            status: r.get(5),
        })
        .collect())
}

/// Record new pending shards (existing ones are left as they are).
pub async fn insert_shards(target: &Client, run_id: &str, shards: &[StoredShard]) -> Result<()> {
    // All of them or none: a resumed run treats a table with recorded shards as planned, so
    // a crash between two inserts must not leave part of a table's key space unrecorded.
    target.batch_execute("BEGIN").await.map_err(|e| Error::db("recording shards", e))?;
    let result = insert_each(target, run_id, shards).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = target.batch_execute(end).await.map_err(|e| Error::db("recording shards", e));
    result.and(ended)
}

async fn insert_each(target: &Client, run_id: &str, shards: &[StoredShard]) -> Result<()> {
    let stmt = target
        .prepare(include_str!("state/insert_shard.sql"))
        .await
        .map_err(|e| Error::db("preparing the shard insert", e))?;
    for s in shards {
        let params: [&(dyn ToSql + Sync); 6] =
            [&run_id, &s.schema, &s.table, &s.shard, &s.lower, &s.upper];
        target
            .execute(&stmt, &params)
            .await
            .map_err(|e| Error::db(format!("recording shards of {}.{}", s.schema, s.table), e))?;
    }
    Ok(())
}

/// Inside the caller's transaction: lock the shard's row and say whether it still needs
/// copying. A concurrent run doing the same shard waits here and then sees `done`.
pub async fn lock_shard(target: &Client, run_id: &str, key: &ShardKey<'_>) -> Result<bool> {
    let row = target
        .query_opt(
            include_str!("state/lock_shard.sql"),
            &[&run_id, &key.schema, &key.table, &key.shard],
        )
        .await
        .map_err(|e| Error::db(format!("locking {key} in _godwit.shards"), e))?;
    match row {
        Some(r) => Ok(r.get::<_, String>(0) != "done"),
        None => Err(Error::internal(format!("{key} of run {run_id} is not in _godwit.shards"))),
    }
}

/// Inside the caller's transaction: the shard is done with `rows` rows.
pub async fn mark_done(target: &Client, run_id: &str, key: &ShardKey<'_>, rows: i64) -> Result<()> {
    target
        .execute(
            include_str!("state/shard_done.sql"),
            &[&run_id, &key.schema, &key.table, &key.shard, &rows],
        )
        .await
        .map_err(|e| Error::db(format!("marking {key} done"), e))?;
    Ok(())
}

/// Outside any transaction: the shard failed permanently; record why.
pub async fn mark_failed(
    target: &Client,
    run_id: &str,
    key: &ShardKey<'_>,
    error: &Error,
) -> Result<()> {
    let message = describe(error);
    target
        .execute(
            include_str!("state/shard_failed.sql"),
            &[&run_id, &key.schema, &key.table, &key.shard, &message],
        )
        .await
        .map_err(|e| Error::db(format!("marking {key} failed"), e))?;
    let params: [&(dyn ToSql + Sync); 6] =
        [&run_id, &"copy", &key.schema, &key.table, &error.sqlstate(), &message];
    target
        .execute(include_str!("state/exception.sql"), &params)
        .await
        .map_err(|e| Error::db(format!("recording the exception of {key}"), e))?;
    Ok(())
}

/// Close the run with `status` (`done` or `failed`).
pub async fn finish_run(target: &Client, run_id: &str, status: &str) -> Result<()> {
    target
        .execute(include_str!("state/finish_run.sql"), &[&run_id, &status])
        .await
        .map_err(|e| Error::db(format!("closing run {run_id}"), e))?;
    Ok(())
}

/// Which shard a statement is about.
#[derive(Debug, Clone, Copy)]
pub struct ShardKey<'a> {
    /// Schema of the table.
    pub schema: &'a str,
    /// Table name.
    pub table: &'a str,
    /// Shard number.
    pub shard: i32,
}

impl std::fmt::Display for ShardKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "table {}.{} shard {}", self.schema, self.table, self.shard)
    }
}

/// The error and its causes on one line. Server causes display message and SQLSTATE only
/// (never DETAIL, which can hold row values).
pub fn describe(error: &Error) -> String {
    let mut out = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
