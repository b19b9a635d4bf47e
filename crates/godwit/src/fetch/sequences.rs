//! After every table is copied: set the target's sequences to the source's values.
//!
//! The sequences synced are those the source says are owned by a column of a copied table
//! (`serial`, `OWNED BY` and identity sequences). Each value is read on the coordinator
//! connection, inside the run's snapshot transaction (sequences are not transactional, so this
//! is the value at read time, never behind the snapshot), and written to the target with
//! `setval(seq, last_value, is_called)`, so the target's next `nextval` returns what the
//! source's would. A sequence missing on the target is skipped with a warning.

use std::time::Instant;

use super::plan::TablePlan;
use crate::conn::Connection;
use crate::dialect::quote_literal;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::model::{QualifiedName, Schema};

/// A source sequence to sync and whether the target has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedSequence {
    /// The sequence (same name on both sides).
    pub name: QualifiedName,
    /// The target has a sequence of that name.
    pub on_target: bool,
}

/// The sequences of `source` owned by a column of one of `tables`.
pub fn owned(source: &Schema, target: &Schema, tables: &[TablePlan]) -> Vec<OwnedSequence> {
    let copied =
        |schema: &str, table: &str| tables.iter().any(|t| t.schema == schema && t.name == table);
    source
        .sequences
        .iter()
        .filter(|s| s.owned_by.as_ref().is_some_and(|o| copied(&o.schema, &o.table)))
        .map(|s| OwnedSequence {
            name: QualifiedName::new(&s.schema, &s.name),
            on_target: target.sequence(&s.schema, &s.name).is_some(),
        })
        .collect()
}

/// Copy each sequence's state from the snapshot on `coordinator` to `target`; returns how
/// many were set. No event when there is nothing to sync.
pub async fn sync(
    coordinator: &Connection,
    target: &Connection,
    sequences: &[OwnedSequence],
    events: &dyn EventSink,
) -> Result<usize> {
    if sequences.is_empty() {
        return Ok(0);
    }
    let started = Instant::now();
    let mut synced = 0;
    for seq in sequences {
        if !seq.on_target {
            events.emit(Event::Warning {
                message: format!("sequence {} is missing on the target; not synced", seq.name),
            });
            continue;
        }
        let (last_value, is_called) = read(coordinator, &seq.name).await?;
        write(target, &seq.name, last_value, is_called).await?;
        synced += 1;
    }
    events.emit(Event::Done {
        phase: "fetch".into(),
        message: format!("synced {synced} sequences"),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(synced)
}

async fn read(coordinator: &Connection, name: &QualifiedName) -> Result<(i64, bool)> {
    let sql =
        include_str!("sql/sequence_value.sql").trim_end().replace("{sequence}", &name.quoted());
    let row = coordinator
        .client()
        .query_one(&sql, &[])
        .await
        .map_err(|e| Error::db(format!("reading sequence {name} on the source"), e))?;
    Ok((row.get(0), row.get(1)))
}

async fn write(target: &Connection, name: &QualifiedName, value: i64, called: bool) -> Result<()> {
    let sql = include_str!("sql/setval.sql")
        .trim_end()
        .replace("{sequence}", &quote_literal(&name.quoted()));
    target
        .client()
        .query_one(&sql, &[&value, &called])
        .await
        .map_err(|e| Error::db(format!("setting sequence {name} on the target"), e))?;
    Ok(())
}
