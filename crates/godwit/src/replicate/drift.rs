//! Resuming paused tables: when the target has been fixed, a paused table's held changes are
//! replayed and it replicates again, without a restart.
//!
//! A table is paused by [`super::shapes`] when a Relation does not fit the target. While any
//! table is paused, the session checks at a group start (between source transactions, no
//! target transaction open) whether the target now fits — at most every [`CHECK_EVERY`], and
//! at once after a new Relation of a paused table arrived. A table resumes when its target
//! table exists and every layout its held changes were made with, and its latest Relation,
//! fit it. Then, in the group that opens for the next source transaction: its held changes are
//! read back in `seq` order in batches (bounded memory) and applied through the normal apply
//! path, deleted, and its state set back to `replicating` — all in that one target
//! transaction, with the position. The held changes are older than any change the table gets
//! from then on, so they are applied first; a crash before the commit leaves everything as
//! it was.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::apply::Applier;
use super::held::{self, Change, Layout};
use super::shapes::{self, Fit, Paused, Shapes, TargetColumn};
use crate::cdc::apply_sql::TableShape;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::event::Event;

/// How often paused tables are checked at most (without a new Relation for them).
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(5);

/// What a paused table resumes with: the shape of its latest Relation, if one arrived.
struct Ready {
    current: Option<TableShape>,
    columns: Vec<TargetColumn>,
}

/// At a group start (no target transaction open): resume every paused table the target now
/// fits. Opens the group when one resumes. Returns the events to announce once it commits.
pub(crate) async fn resume_fixed(
    applier: &mut Applier,
    shapes: &mut Shapes,
    slot: &str,
) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    let tables: Vec<((String, String), Paused)> =
        shapes.paused().iter().map(|(k, p)| (k.clone(), p.clone())).collect();
    for (key, paused) in tables {
        let columns = shapes::target_columns(applier.client(), &key.0, &key.1).await?;
        let unchanged = !paused.fresh && columns == paused.seen;
        shapes.checked(&key, columns.clone());
        let Some(columns) = columns.filter(|_| !unchanged) else { continue };
        let relation = paused.relation.as_ref();
        let dialect = shapes.dialect();
        let Some(ready) = ready(applier.client(), slot, &key, relation, columns, dialect).await?
        else {
            continue;
        };
        applier.begin().await?;
        // Held inserts go through the upsert: rows may have reached the paused table on the
        // target by other means, and a `COPY` conflict here would replay the same way again.
        let copies = applier.copies_inserts();
        applier.copy_inserts(false);
        let replayed = replay(applier, slot, &key, &ready.columns).await;
        applier.copy_inserts(copies);
        let replayed = replayed?;
        held::delete(applier.client(), slot, &key.0, &key.1).await?;
        applier.ledger().resume(&key.0, &key.1);
        shapes.resume(&key, ready.current);
        events.push(Event::TableResumed {
            slot: slot.to_owned(),
            table: format!("{}.{}", key.0, key.1),
            replayed,
        });
    }
    Ok(events)
}

/// Whether `schema.name` can resume: its target table's `columns` fit every held layout and
/// `relation` (its latest Relation in this session, if any).
async fn ready(
    client: &tokio_postgres::Client,
    slot: &str,
    (schema, name): &(String, String),
    relation: Option<&crate::cdc::pgoutput::Relation>,
    columns: Vec<TargetColumn>,
    dialect: Dialect,
) -> Result<Option<Ready>> {
    for layout in held::layouts(client, slot, schema, name).await? {
        if !matches!(fit(&layout.relation(), &columns, dialect), Some(Fit::Shape(_))) {
            return Ok(None);
        }
    }
    let current = match relation.map(|r| fit(r, &columns, dialect)) {
        None => None,
        Some(Some(Fit::Shape(shape))) => Some(shape),
        Some(_) => return Ok(None),
    };
    Ok(Some(Ready { current, columns }))
}

/// [`shapes::fit`], with an error (a key the target lacks) counted as not fitting yet.
fn fit(
    relation: &crate::cdc::pgoutput::Relation,
    columns: &[TargetColumn],
    dialect: Dialect,
) -> Option<Fit> {
    shapes::fit(relation, Some(columns), dialect).ok()
}

/// Apply the changes held for `table`, in order, in the open group; returns how many.
async fn replay(
    applier: &mut Applier,
    slot: &str,
    table: &(String, String),
    columns: &[TargetColumn],
) -> Result<u64> {
    let mut layouts: HashMap<Layout, Arc<Layout>> = HashMap::new();
    let mut shapes: HashMap<Layout, Arc<TableShape>> = HashMap::new();
    let (mut after, mut replayed) = (0i64, 0u64);
    loop {
        // A failed flush would fail the read too: report the flush's error instead.
        applier.settle().await?;
        let batch = held::batch(applier.client(), slot, (&table.0, &table.1), after).await?;
        if batch.is_empty() {
            return Ok(replayed);
        }
        for (seq, row) in batch {
            after = seq;
            let held = held::decode(&table.0, &table.1, row, &mut layouts)?;
            let shape = match shapes.get(held.layout.as_ref()) {
                Some(shape) => Arc::clone(shape),
                None => {
                    let Some(Fit::Shape(shape)) =
                        fit(&held.layout.relation(), columns, applier.dialect())
                    else {
                        return Err(crate::error::Error::internal(format!(
                            "a held change of {} no longer fits the target",
                            held.layout.quoted()
                        )));
                    };
                    let shape = Arc::new(shape);
                    shapes.insert(held.layout.as_ref().clone(), Arc::clone(&shape));
                    shape
                }
            };
            apply(applier, &shape, held.change, held.lsn).await?;
            replayed += 1;
        }
    }
}

/// Apply one held change to `shape`.
async fn apply(
    applier: &mut Applier,
    shape: &Arc<TableShape>,
    change: Change,
    lsn: crate::cdc::lsn::Lsn,
) -> Result<()> {
    match change {
        Change::Insert(new) => applier.insert(Arc::clone(shape), new).await?,
        Change::Update(old, new) => applier.update(Arc::clone(shape), old, new).await?,
        Change::Delete(old) => applier.delete(Arc::clone(shape), old).await?,
        Change::Truncate(options) => {
            applier.truncate(std::slice::from_ref(shape), options, lsn).await?;
        }
    }
    applier.ledger().applied(shape);
    Ok(())
}
