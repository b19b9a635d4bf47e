//! The one snapshot every reader of a run imports, and the replication handoff made with it.
//!
//! - **CDC mode** (the default of the CLI): the publication for the copied tables is made,
//!   then the logical slot is created over the replication protocol with an exported
//!   snapshot ([`crate::cdc::slot::create_exporting`]). The copy therefore shows exactly the
//!   transactions committed before the slot's consistent point, and the slot streams exactly
//!   the ones after it: nothing falls between, nothing is in both. The slot's name is recorded
//!   in `_godwit.runs` *before* it is created and its LSN right after, so a crash in between
//!   still leaves the name to look for (a resumed run reads the LSN from
//!   `pg_replication_slots`, where a slot nobody consumed yet reports its consistent point).
//! - **No-CDC mode**: the coordinator's transaction exports its snapshot
//!   (`pg_export_snapshot()`); no slot, no publication.
//!
//! Either way the exporting session stays open and idle until every shard is copied: the
//! snapshot can be imported only while it does. A resumed run cannot get the first run's
//! snapshot back (it died with its session); it reads the remaining shards from a new
//! exported snapshot, and keeps the first run's slot, whose stream starts at the first
//! snapshot. Rows copied by the resumed run may then already hold changes the slot will
//! stream again; applying them again converges because replication applies by key
//! (upsert, delete), which the result reports ([`super::FetchResult::resumed_from_new_snapshot`]).

use crate::cdc::{publication, slot};
use crate::conn::{ConnParams, Connection};
use crate::dialect::{Dialect, quote_literal};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};

use super::plan::TablePlan;
use super::state::{self, SlotRecord};

/// The snapshot of a run and whatever keeps it importable.
#[derive(Debug)]
pub struct RunSnapshot {
    /// The snapshot name readers pass to `SET TRANSACTION SNAPSHOT`.
    pub id: String,
    /// The run's replication handoff, if it has one.
    pub slot: Option<SlotRecord>,
    exporter: Option<slot::ExportedSlot>,
}

impl RunSnapshot {
    /// End the session that exports the snapshot (call once every reader is done).
    pub fn release(self) {
        if let Some(exporter) = self.exporter {
            exporter.release();
        }
    }
}

/// Slot and publication name for a run: `godwit_` and the run id in slot-name characters.
pub fn slot_name(run_id: &str) -> String {
    let tail: String = run_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let mut name = format!("godwit_{tail}");
    name.truncate(63);
    name
}

/// Take a fresh run's snapshot on `coordinator` (a connection to `source`): with a new slot
/// when `cdc`, else a plain exported one. Leaves `coordinator` inside the snapshot.
pub async fn take(
    coordinator: &Connection,
    source: &ConnParams,
    target: &tokio_postgres::Client,
    run_id: &str,
    tables: &[TablePlan],
    cdc: bool,
) -> Result<RunSnapshot> {
    if !cdc {
        let id = export(coordinator).await?;
        state::record_snapshot(target, run_id, &id).await?;
        return Ok(RunSnapshot { id, slot: None, exporter: None });
    }
    let name = slot_name(run_id);
    let mut record =
        SlotRecord { slot: name.clone(), publication: name.clone(), consistent_lsn: None };
    state::record_slot(target, run_id, &record).await?;
    let published: Vec<_> = tables.iter().map(|t| (t.schema.clone(), t.name.clone())).collect();
    publication::ensure(coordinator.client(), &name, &published).await?;
    let exporter = slot::create_exporting(source, coordinator.version(), &name, &name).await?;
    import(coordinator, &exporter.snapshot).await?;
    record.consistent_lsn = Some(exporter.consistent_point.clone());
    state::record_slot(target, run_id, &record).await?;
    state::record_snapshot(target, run_id, &exporter.snapshot).await?;
    let id = exporter.snapshot.clone();
    Ok(RunSnapshot { id, slot: Some(record), exporter: Some(exporter) })
}

/// Take a resumed run's snapshot: a plain exported one, keeping the run's slot (its LSN is
/// completed from the server when the first run died before recording it).
pub async fn take_for_resume(
    coordinator: &Connection,
    target: &tokio_postgres::Client,
    run_id: &str,
    recorded: Option<SlotRecord>,
    events: &dyn EventSink,
) -> Result<RunSnapshot> {
    let id = export(coordinator).await?;
    state::record_snapshot(target, run_id, &id).await?;
    let Some(mut record) = recorded else {
        return Ok(RunSnapshot { id, slot: None, exporter: None });
    };
    match slot::state(coordinator.client(), &record.slot).await? {
        Some(found) if record.consistent_lsn.is_none() => {
            record.consistent_lsn = found.confirmed_flush_lsn;
            state::record_slot(target, run_id, &record).await?;
        }
        Some(_) => {}
        None => events.emit(Event::Warning {
            message: format!(
                "replication slot {} of run {run_id} no longer exists on the source: \
                 changes since the first snapshot cannot be streamed; start over with a new run",
                record.slot
            ),
        }),
    }
    Ok(RunSnapshot { id, slot: Some(record), exporter: None })
}

/// Open the coordinator's snapshot transaction and export it (CockroachDB: the
/// `AS OF SYSTEM TIME` every reader uses, see [`super::cockroach::snapshot_time`]).
async fn export(coordinator: &Connection) -> Result<String> {
    if coordinator.dialect() == Dialect::Cockroach {
        return super::cockroach::snapshot_time(coordinator, "source").await;
    }
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

/// Put `connection` in a read-only transaction inside snapshot `id`.
pub async fn import(connection: &Connection, id: &str) -> Result<()> {
    let sql = include_str!("sql/import_snapshot.sql").replace("{snapshot}", &quote_literal(id));
    connection
        .client()
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::db(format!("importing snapshot {id} on the source"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_are_valid_for_any_run_id() {
        let name = slot_name("fetch-20261121T101500-ab12cd34");
        assert_eq!(name, "godwit_fetch_20261121t101500_ab12cd34");
        assert!(crate::cdc::session::valid_name(&name));
        let long = slot_name(&"Ä-".repeat(60));
        assert!(crate::cdc::session::valid_name(&long), "{long}");
    }
}
