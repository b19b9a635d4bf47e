//! Logical replication slots: created with an exported snapshot for `fetch`, inspected and
//! dropped with plain SQL.
//!
//! The exported snapshot lives as long as the creating session stays idle, so
//! [`ExportedSlot`] owns that session and keeps it open until the caller is done importing
//! the snapshot (every shard reader imports it), then [`ExportedSlot::release`]s it. The slot
//! itself is persistent: it survives the session, godwit crashes and server restarts, and
//! holds WAL from its consistent point until a consumer confirms it.

use tokio_postgres::Client;

use super::session;
use super::transport::{Row, Transport};
use crate::conn::ConnParams;
use crate::dialect::Version;
use crate::error::{Error, Result};

/// A slot just created, with the session that exported its snapshot.
pub struct ExportedSlot {
    /// The slot name.
    pub name: String,
    /// The LSN from which the slot decodes: every transaction committed after it is streamed,
    /// every one before it is visible in [`ExportedSlot::snapshot`].
    pub consistent_point: String,
    /// The snapshot name for `SET TRANSACTION SNAPSHOT`.
    pub snapshot: String,
    session: Transport,
}

impl std::fmt::Debug for ExportedSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportedSlot")
            .field("name", &self.name)
            .field("consistent_point", &self.consistent_point)
            .field("snapshot", &self.snapshot)
            .finish_non_exhaustive()
    }
}

impl ExportedSlot {
    /// End the exporting session: the snapshot can no longer be imported; the slot stays.
    pub fn release(self) {
        drop(self.session);
    }
}

/// Create the logical slot `name` (pgoutput) on the source with an exported snapshot.
///
/// Contract: `name` must satisfy [`session::valid_name`]; the slot must not exist; the
/// publication `publication` should already exist (see the module docs of [`super`]).
pub async fn create_exporting(
    params: &ConnParams,
    version: Version,
    name: &str,
    publication: &str,
) -> Result<ExportedSlot> {
    if !session::valid_name(name) {
        return Err(Error::config(format!("invalid replication slot name {name:?}")));
    }
    if !session::valid_name(publication) {
        return Err(Error::config(format!("invalid publication name {publication:?}")));
    }
    let template = if version.major >= 15 {
        include_str!("sql/create_slot_export.sql")
    } else {
        include_str!("sql/create_slot_export_pg14.sql")
    };
    let sql = template.trim_end().replace("{slot}", name);
    let mut client = session::open_gated(params, None).await?;
    let rows = client.simple_query(&sql).await.map_err(|e| {
        e.context(format!("creating replication slot {name} on {}", params.redacted()))
            .with_hint("the source needs wal_level=logical, a free slot and the REPLICATION attribute (or pass --no-cdc)")
    })?;
    let (consistent_point, snapshot) = created(&rows, name)?;
    Ok(ExportedSlot { name: name.to_owned(), consistent_point, snapshot, session: client })
}

/// `(consistent_point, snapshot_name)` of the row `CREATE_REPLICATION_SLOT` returns
/// (`slot_name, consistent_point, snapshot_name, output_plugin`).
fn created(rows: &[Row], name: &str) -> Result<(String, String)> {
    let text = |i: usize| -> Option<String> {
        let value = rows.first()?.get(i)?.as_ref()?;
        std::str::from_utf8(value).ok().map(str::to_owned)
    };
    match (text(1), text(2)) {
        (Some(lsn), Some(snapshot)) => Ok((lsn, snapshot)),
        _ => Err(Error::internal(format!(
            "CREATE_REPLICATION_SLOT {name} returned no consistent point or snapshot"
        ))),
    }
}

/// What `pg_replication_slots` says about a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotState {
    /// Output plugin (`pgoutput` for godwit's slots).
    pub plugin: Option<String>,
    /// Database the slot decodes.
    pub database: Option<String>,
    /// A session is streaming from it now.
    pub active: bool,
    /// The position the consumer confirmed (for a new slot: its consistent point).
    pub confirmed_flush_lsn: Option<String>,
}

/// The state of slot `name`, or `None` when it does not exist.
pub async fn state(client: &Client, name: &str) -> Result<Option<SlotState>> {
    let row = client
        .query_opt(include_str!("sql/slot_state.sql"), &[&name])
        .await
        .map_err(|e| Error::db(format!("reading replication slot {name}"), e))?;
    Ok(row.map(|r| SlotState {
        plugin: r.get(0),
        database: r.get(1),
        active: r.get(2),
        confirmed_flush_lsn: r.get(3),
    }))
}

/// Drop slot `name` if it exists (it must not be active). Returns whether it existed.
pub async fn drop_slot(client: &Client, name: &str) -> Result<bool> {
    let rows = client
        .query(include_str!("sql/drop_slot.sql"), &[&name])
        .await
        .map_err(|e| Error::db(format!("dropping replication slot {name}"), e))?;
    Ok(!rows.is_empty())
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn the_created_row_gives_point_and_snapshot() {
        let row = vec![
            Some(Bytes::from_static(b"godwit_x")),
            Some(Bytes::from_static(b"0/1A2B3C8")),
            Some(Bytes::from_static(b"00000003-00000002-1")),
            Some(Bytes::from_static(b"pgoutput")),
        ];
        let (lsn, snap) = created(&[row], "godwit_x").unwrap();
        assert_eq!((lsn.as_str(), snap.as_str()), ("0/1A2B3C8", "00000003-00000002-1"));
        assert!(created(&[], "s").is_err());
        assert!(created(&[vec![Some(Bytes::from_static(b"s")), None]], "s").is_err());
    }
}
