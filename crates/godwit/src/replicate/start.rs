//! Where a `replicate` run starts: the slot and position, chosen without extra flags.
//!
//! In order of preference: the slot named by `--slot`; the slot of the latest finished CDC
//! fetch (its consistent point is exactly the instant the copy shows); the latest slot this
//! target already replicates from; otherwise a new publication for the selected tables and a
//! new slot (no snapshot: the target is assumed to hold the rows already, or to start empty).
//! A slot already recorded continues from its recorded applied position.
//!
//! Before anything is created the source is checked: the replication settings
//! ([`crate::cdc::preflight`]) and every published table's `REPLICA IDENTITY` (a table without a
//! primary key needs `FULL`, and `NOTHING` carries no old values at all), each problem with its
//! fix.

use crate::cdc::lsn::Lsn;
use tokio_postgres::Client;

use super::ReplicateOptions;
use super::checkpoint::{self, Origin, Position};
use crate::cdc::preflight::{self, Problem};
use crate::cdc::{publication, session, slot};
use crate::conn::{ConnParams, Connection};
use crate::dialect::quote_qualified;
use crate::error::{Error, ErrorKind, Result};

/// Choose (and if needed create) the slot and position to stream from, recorded in
/// `_godwit.replication`; its `applied` is always set on return.
pub(crate) async fn resolve(
    source: &Connection,
    source_params: &ConnParams,
    target: &Client,
    opts: &ReplicateOptions,
) -> Result<Position> {
    checkpoint::ensure_schema(target).await?;
    let chosen = choose(target, opts, &source_params.redacted()).await?;
    let exists = slot::state(source.client(), &chosen.slot).await?;
    check_settings(source.client(), exists.is_some()).await?;
    let position = match (chosen.applied, exists) {
        (Some(_), Some(_)) => chosen,
        (Some(_), None) => return Err(slot_gone(&chosen)),
        (None, Some(state)) => {
            let text = state.confirmed_flush_lsn.unwrap_or_default();
            let start = checkpoint::parse_lsn(&text, &chosen.slot)?;
            checkpoint::set_start(target, &chosen.slot, start).await?;
            Position { applied: Some(start), ..chosen }
        }
        (None, None) => create(source, source_params, target, opts, chosen).await?,
    };
    check_replica_identity(source.client(), &position.publication).await?;
    record_tables(source.client(), target, opts, &position).await?;
    Ok(position)
}

/// Record the published tables `opts` selects in `_godwit.replication_tables` (as
/// `replicating`, unless already recorded), so that `status` lists them from the start.
async fn record_tables(
    source: &Client,
    target: &Client,
    opts: &ReplicateOptions,
    position: &Position,
) -> Result<()> {
    let selection = opts.selection();
    let rows = source
        .query(include_str!("start/publication_tables.sql"), &[&position.publication])
        .await
        .map_err(|e| {
            Error::db(format!("listing the tables of publication {}", position.publication), e)
        })?;
    let tables: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(s, t): &(String, String)| selection.selects(s, t))
        .collect();
    super::held::register(target, &position.slot, &tables).await
}

/// The recorded or handed-over position to use, or a new one (not yet created on the source).
async fn choose(target: &Client, opts: &ReplicateOptions, source: &str) -> Result<Position> {
    if let Some(name) = &opts.slot {
        if !session::valid_name(name) {
            return Err(Error::config(format!(
                "--slot {name:?}: a slot name is 1-63 lower-case letters, digits and underscores"
            )));
        }
        if let Some(found) = checkpoint::find(target, name).await? {
            return Ok(found);
        }
    }
    if let Some((run_id, slot, publication, lsn)) = checkpoint::handoff(target).await? {
        if opts.slot.as_ref().is_none_or(|s| *s == slot) {
            if let Some(found) = checkpoint::find(target, &slot).await? {
                return Ok(found);
            }
            let position = Position {
                slot,
                publication,
                origin: Origin::Fetch,
                run_id: Some(run_id),
                applied: Some(lsn),
            };
            checkpoint::insert(target, &position, source).await?;
            return Ok(position);
        }
    }
    if opts.slot.is_none() {
        if let Some(found) = checkpoint::latest(target).await? {
            return Ok(found);
        }
    }
    let name = opts.slot.clone().unwrap_or_default();
    Ok(Position {
        publication: name.clone(),
        slot: name,
        origin: Origin::Replicate,
        run_id: None,
        applied: None,
    })
}

fn slot_gone(position: &Position) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "replication slot {} recorded in _godwit no longer exists on the source: the changes \
             after its position are lost to replication",
            position.slot
        ),
    )
    .with_hint("copy the tables again (fetch) and replicate from the new slot")
}

/// Make the publication of the selected tables and a new slot, recording the slot first so a
/// crash in between leaves its name to find.
async fn create(
    source: &Connection,
    source_params: &ConnParams,
    target: &Client,
    opts: &ReplicateOptions,
    chosen: Position,
) -> Result<Position> {
    let client = source.client();
    let mut position = chosen;
    if position.slot.is_empty() {
        let row = client
            .query_one(include_str!("start/new_name.sql"), &[])
            .await
            .map_err(|e| Error::db("naming a new replication slot", e))?;
        let name: String = row.get(0);
        position.publication = name.clone();
        position.slot = name;
    }
    let tables = selected_tables(client, opts).await?;
    let (schemas, names): (Vec<String>, Vec<String>) = tables.iter().cloned().unzip();
    let rows = client
        .query(include_str!("start/replica_identity_tables.sql"), &[&schemas, &names])
        .await
        .map_err(|e| Error::db("reading the replica identity of the selected tables", e))?;
    refuse(&identity_problems(&rows))?;
    checkpoint::insert(target, &position, &source_params.redacted()).await?;
    publication::ensure(client, &position.publication, &tables).await?;
    let row = client
        .query_one(include_str!("start/create_slot.sql"), &[&position.slot])
        .await
        .map_err(|e| Error::db(format!("creating replication slot {}", position.slot), e))?;
    let start = checkpoint::parse_lsn(row.get(0), &position.slot)?;
    checkpoint::set_start(target, &position.slot, start).await?;
    position.applied = Some(start);
    Ok(position)
}

/// The source tables `opts` selects (leaf tables: partitions, not their parents).
async fn selected_tables(
    client: &Client,
    opts: &ReplicateOptions,
) -> Result<Vec<(String, String)>> {
    let selection = opts.selection();
    let rows = client
        .query(include_str!("start/tables.sql"), &[])
        .await
        .map_err(|e| Error::db("listing the source tables to publish", e))?;
    let tables: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(s, t): &(String, String)| selection.selects(s, t))
        .collect();
    if tables.is_empty() {
        return Err(Error::config("no source table is selected for replication")
            .with_hint("check --schemas, --tables and --exclude-tables"));
    }
    Ok(tables)
}

/// `wal_level`, slots, WAL senders and the replication privilege; a free slot is needed only
/// when the slot does not exist yet.
async fn check_settings(client: &Client, slot_exists: bool) -> Result<()> {
    let problems: Vec<Problem> = preflight::slot_prerequisites(client)
        .await?
        .into_iter()
        .filter(|p| !(slot_exists && p.check == "replication_slots"))
        .collect();
    refuse(&problems)
}

fn refuse(problems: &[Problem]) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let text: Vec<String> =
        problems.iter().map(|p| format!("{} ({}): fix: {}", p.message, p.check, p.fix)).collect();
    Err(Error::config(format!("the source is not ready for replication: {}", text.join("; "))))
}

/// Every table of `publication` must say which row an update or delete is about.
async fn check_replica_identity(client: &Client, publication: &str) -> Result<()> {
    let exists: bool = client
        .query_one(include_str!("start/publication_exists.sql"), &[&publication])
        .await
        .map_err(|e| Error::db(format!("looking up publication {publication}"), e))?
        .get(0);
    if !exists {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("publication {publication} does not exist on the source"),
        ));
    }
    let rows = client
        .query(include_str!("start/replica_identity_publication.sql"), &[&publication])
        .await
        .map_err(|e| Error::db(format!("reading the tables of publication {publication}"), e))?;
    refuse(&identity_problems(&rows))
}

fn identity_problems(rows: &[tokio_postgres::Row]) -> Vec<Problem> {
    rows.iter().filter_map(|r| identity_problem(r.get(0), r.get(1), r.get(2), r.get(3))).collect()
}

/// The problem with a table's `REPLICA IDENTITY` (`d`efault, `n`othing, `f`ull, `i`ndex), if any.
fn identity_problem(schema: &str, table: &str, identity: &str, has_pk: bool) -> Option<Problem> {
    let name = quote_qualified(schema, table);
    let message = match (identity, has_pk) {
        ("n", _) => format!("table {name} is REPLICA IDENTITY NOTHING"),
        ("d", false) => format!("table {name} has no primary key and is not REPLICA IDENTITY FULL"),
        _ => return None,
    };
    Some(Problem {
        check: "replica_identity",
        message: format!("{message}: its updates and deletes cannot be replicated"),
        fix: format!("ALTER TABLE {name} REPLICA IDENTITY FULL (or add a primary key)"),
    })
}

/// The LSN a position starts from (set by [`resolve`]).
pub(crate) fn start_of(position: &Position) -> Result<Lsn> {
    position.applied.ok_or_else(|| {
        Error::internal(format!("slot {} has no start position after resolving", position.slot))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyless_tables_need_replica_identity_full() {
        let p = identity_problem("App", "log", "d", false).unwrap();
        assert!(p.fix.contains(r#"ALTER TABLE "App"."log" REPLICA IDENTITY FULL"#), "{}", p.fix);
        assert!(identity_problem("a", "b", "n", true).is_some());
        assert!(identity_problem("a", "b", "d", true).is_none());
        assert!(identity_problem("a", "b", "f", false).is_none());
        assert!(identity_problem("a", "b", "i", false).is_none());
    }
}
