//! What a fresh run does with rows already in the selected target tables, before it copies.
//!
//! A fresh run copies every row of the snapshot, so rows already in a target table would be
//! doubled (or clash with a key). With [`TableHandling::None`] a fresh run refuses non-empty
//! tables; with [`TableHandling::TruncateIfExists`] it empties them with one `TRUNCATE`
//! (without `CASCADE`: a foreign key from a table outside the selection is reported, not
//! followed). A resumed run never does either: its done shards are already in the tables.

use super::plan::TablePlan;
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};

/// What to do with target tables that already hold rows, in a fresh run (never on resume).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableHandling {
    /// Copy into the tables as they are; refuse when any selected table has rows.
    #[default]
    None,
    /// Empty the selected tables (one `TRUNCATE`) before copying.
    TruncateIfExists,
}

/// Apply `handling` to the selected target `tables` of a fresh run.
pub async fn prepare(
    target: &Connection,
    tables: &[TablePlan],
    handling: TableHandling,
    events: &dyn EventSink,
) -> Result<()> {
    match handling {
        TableHandling::None => refuse_non_empty(target, tables).await,
        TableHandling::TruncateIfExists => truncate(target, tables, events).await,
    }
}

async fn refuse_non_empty(target: &Connection, tables: &[TablePlan]) -> Result<()> {
    let mut non_empty = Vec::new();
    for table in tables {
        let sql = include_str!("sql/has_rows.sql").trim_end().replace("{table}", &table.quoted());
        let row = target.client().query_one(&sql, &[]).await.map_err(|e| {
            Error::db(format!("checking whether {}.{} is empty", table.schema, table.name), e)
        })?;
        if row.get::<_, bool>(0) {
            non_empty.push(format!("{}.{}", table.schema, table.name));
        }
    }
    if non_empty.is_empty() {
        return Ok(());
    }
    Err(Error::config(format!(
        "target tables already hold rows, which a fresh copy would double: {}",
        non_empty.join(", ")
    ))
    .with_hint("empty them, or pass --table-handling truncate-if-exists"))
}

async fn truncate(target: &Connection, tables: &[TablePlan], events: &dyn EventSink) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    let list: Vec<_> = tables.iter().map(TablePlan::quoted).collect();
    let sql = include_str!("sql/truncate.sql").trim_end().replace("{tables}", &list.join(", "));
    let started = std::time::Instant::now();
    target
        .client()
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::db("truncating the target tables (--table-handling)", e))?;
    events.emit(Event::Done {
        phase: "fetch".into(),
        message: format!("truncated {} target tables", tables.len()),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(())
}
