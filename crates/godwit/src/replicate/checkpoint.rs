//! `_godwit.replication`: where each replication slot's stream stands on the target.
//!
//! The row of a slot holds the end LSN of the last source transaction applied. [`advance`]
//! runs inside the target transaction that applies a group of source transactions, so the
//! position and the changes commit together or not at all; the source is told (standby status
//! `flush`) only after that commit. A restart therefore reads a position that describes the
//! target exactly, and the transactions at or before it are skipped when the slot sends them
//! again (it does whenever godwit stopped before the source recorded the acknowledgement).

use crate::cdc::lsn::Lsn;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use crate::error::{Error, Result};

/// How a slot came to be streamed by `replicate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A CDC `fetch` created it with the snapshot it copied.
    Fetch,
    /// `replicate` created it (with its own publication), without a copy.
    Replicate,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Fetch => "fetch",
            Origin::Replicate => "replicate",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "fetch" { Origin::Fetch } else { Origin::Replicate }
    }
}

/// One row of `_godwit.replication`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The replication slot on the source.
    pub slot: String,
    /// The publication the slot streams.
    pub publication: String,
    /// Where the slot came from.
    pub origin: Origin,
    /// The fetch run that handed the slot over, if any.
    pub run_id: Option<String>,
    /// The end LSN of the last applied source transaction (at first: the slot's start);
    /// `None` while a slot `replicate` creates is not made yet.
    pub applied: Option<Lsn>,
}

/// Create `_godwit` and `_godwit.replication` if missing.
pub async fn ensure_schema(target: &Client) -> Result<()> {
    target
        .batch_execute(include_str!("checkpoint/schema.sql"))
        .await
        .map_err(|e| Error::db("creating _godwit.replication on the target", e))
}

/// The recorded position of `slot`, if there is one.
pub async fn find(target: &Client, slot: &str) -> Result<Option<Position>> {
    let row = target
        .query_opt(include_str!("checkpoint/find.sql"), &[&slot])
        .await
        .map_err(|e| Error::db(format!("reading the position of slot {slot} in _godwit"), e))?;
    row.map(|r| position(&r)).transpose()
}

/// The most recently created position, if any.
pub async fn latest(target: &Client) -> Result<Option<Position>> {
    let row = target
        .query_opt(include_str!("checkpoint/latest.sql"), &[])
        .await
        .map_err(|e| Error::db("reading _godwit.replication", e))?;
    row.map(|r| position(&r)).transpose()
}

fn position(row: &tokio_postgres::Row) -> Result<Position> {
    let slot: String = row.get(0);
    let applied = row.get::<_, Option<String>>(5).map(|t| parse_lsn(&t, &slot)).transpose()?;
    Ok(Position {
        publication: row.get(1),
        origin: Origin::parse(row.get(2)),
        run_id: row.get(3),
        applied,
        slot,
    })
}

/// An LSN as stored (`16/B374D848`).
pub fn parse_lsn(text: &str, slot: &str) -> Result<Lsn> {
    Lsn::parse(text.trim()).map_err(|_| {
        Error::internal(format!(
            "_godwit holds {text:?} as the position of slot {slot}, not an LSN"
        ))
    })
}

/// Record `position` unless its slot already has a row. `source` is the redacted source.
pub async fn insert(target: &Client, position: &Position, source: &str) -> Result<()> {
    let start = position.applied.map(|l| l.to_pg_string());
    let params: [&(dyn ToSql + Sync); 6] = [
        &position.slot,
        &position.publication,
        &position.origin.as_str(),
        &position.run_id,
        &source,
        &start,
    ];
    target
        .execute(include_str!("checkpoint/insert.sql"), &params)
        .await
        .map_err(|e| Error::db(format!("recording slot {} in _godwit", position.slot), e))?;
    Ok(())
}

/// Record where a slot made by `replicate` starts (once it exists).
pub async fn set_start(target: &Client, slot: &str, start: Lsn) -> Result<()> {
    target
        .execute(include_str!("checkpoint/set_start.sql"), &[&slot, &start.to_pg_string()])
        .await
        .map_err(|e| Error::db(format!("recording the start of slot {slot}"), e))?;
    Ok(())
}

/// Where the source stood when a group committed: the commit time of the group's last
/// source transaction and the source's WAL end as last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceAt {
    /// Commit time of the last source transaction applied (`None`: none yet this run).
    pub commit: Option<std::time::SystemTime>,
    /// The source's WAL end, as its server last reported it.
    pub wal_end: Lsn,
}

/// Inside the caller's transaction: the group ending at `applied` (commit end LSN of its last
/// source transaction) with `transactions` source transactions and `rows` row changes is
/// applied, with the source at `source`.
pub async fn advance(
    target: &Client,
    slot: &str,
    applied: Lsn,
    (transactions, rows): (i64, i64),
    source: SourceAt,
) -> Result<()> {
    let lsn = applied.to_pg_string();
    let wal_end = source.wal_end.max(applied).to_pg_string();
    let params: [&(dyn ToSql + Sync); 6] =
        [&slot, &lsn, &transactions, &rows, &source.commit, &wal_end];
    let updated = target
        .execute(include_str!("checkpoint/advance.sql"), &params)
        .await
        .map_err(|e| Error::db(format!("recording the applied position of slot {slot}"), e))?;
    if updated != 1 {
        return Err(Error::internal(format!("slot {slot} has no row in _godwit.replication")));
    }
    Ok(())
}

/// The replication handoff of the latest finished CDC fetch: `(run_id, slot, publication,
/// consistent LSN)`.
pub async fn handoff(target: &Client) -> Result<Option<(String, String, String, Lsn)>> {
    let has_runs: bool = target
        .query_one(include_str!("checkpoint/has_runs.sql"), &[])
        .await
        .map_err(|e| Error::db("looking for _godwit.runs on the target", e))?
        .get(0);
    if !has_runs {
        return Ok(None);
    }
    let row = target
        .query_opt(include_str!("checkpoint/handoff.sql"), &[])
        .await
        .map_err(|e| Error::db("reading the replication handoff in _godwit.runs", e))?;
    let Some(row) = row else { return Ok(None) };
    let slot: String = row.get(1);
    let lsn = parse_lsn(row.get(3), &slot)?;
    Ok(Some((row.get(0), slot, row.get::<_, Option<String>>(2).unwrap_or_default(), lsn)))
}
