//! What a fresh run does with rows already in the selected target tables, before it copies.
//!
//! A fresh run copies every row of the snapshot, so rows already in a target table would be
//! doubled (or clash with a key). With [`TableHandling::None`] a fresh run refuses non-empty
//! tables; with [`TableHandling::TruncateIfExists`] it empties them with one `TRUNCATE`
//! (without `CASCADE`: a foreign key from a table outside the selection is reported, not
//! followed). A resumed run never does either: its done shards are already in the tables.
//!
//! With [`TableHandling::DropAndRecreate`] a fresh run drops every source table that exists on
//! the target (one `DROP TABLE`, no `CASCADE`: a view or foreign key from outside the
//! selection stops the run with PostgreSQL's message) and recreates them from the pre-data
//! DDL `convert` makes of the source ([`Recreate`]); secondary indexes and constraints follow
//! after the data, like any deferred object. On PostgreSQL the drop and the re-creation are
//! one transaction, so a failure leaves the old tables as they were; CockroachDB runs schema
//! changes outside explicit transactions, so there each statement commits on its own.

use tokio_postgres::Client;

use super::plan::TablePlan;
use crate::conn::Connection;
use crate::dialect::{Dialect, quote_qualified};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::apply::ALREADY_EXISTS;

/// What to do with target tables that already hold rows, in a fresh run (never on resume).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableHandling {
    /// Copy into the tables as they are; refuse when any selected table has rows.
    #[default]
    None,
    /// Empty the selected tables (one `TRUNCATE`) before copying.
    TruncateIfExists,
    /// Drop the source's tables on the target and recreate them from the source's DDL.
    DropAndRecreate,
}

/// What [`TableHandling::DropAndRecreate`] runs: the tables to drop and the pre-data
/// statements that recreate them (schemas and types included; those that exist are kept).
#[derive(Debug, Clone, Default)]
pub struct Recreate {
    /// `(schema, name)` of the source tables that exist on the target.
    pub drop: Vec<(String, String)>,
    /// Pre-data statements for the target dialect, in order.
    pub statements: Vec<crate::schema::convert::Statement>,
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
        TableHandling::DropAndRecreate => Err(Error::config(
            "--table-handling drop-on-target-and-recreate needs the source schema, which this run does not read",
        )),
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

/// Drop and recreate the tables of `plan` on `target` (see the module docs).
pub async fn recreate(target: &Connection, plan: &Recreate, events: &dyn EventSink) -> Result<()> {
    let started = std::time::Instant::now();
    let transactional = target.dialect() == Dialect::Postgres;
    let client = target.client();
    if transactional {
        exec(client, "BEGIN", "starting the re-creation transaction").await?;
    }
    let result = recreate_steps(client, plan, transactional).await;
    if transactional {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        exec(client, end, "ending the re-creation transaction").await?;
    }
    result?;
    events.emit(Event::Done {
        phase: "fetch".into(),
        message: format!(
            "dropped {} target tables and recreated them from the source DDL",
            plan.drop.len()
        ),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(())
}

async fn recreate_steps(client: &Client, plan: &Recreate, savepoints: bool) -> Result<()> {
    if !plan.drop.is_empty() {
        let list: Vec<_> = plan.drop.iter().map(|(s, t)| quote_qualified(s, t)).collect();
        let sql =
            include_str!("sql/drop_tables.sql").trim_end().replace("{tables}", &list.join(", "));
        exec(
            client,
            &sql,
            "dropping the target tables (--table-handling drop-on-target-and-recreate)",
        )
        .await?;
    }
    for statement in &plan.statements {
        if savepoints {
            exec(client, "SAVEPOINT godwit_recreate", "setting a savepoint").await?;
        }
        match client.batch_execute(&statement.sql).await {
            Ok(()) => {}
            Err(e) if already_exists(&e) => {
                if savepoints {
                    exec(
                        client,
                        "ROLLBACK TO SAVEPOINT godwit_recreate",
                        "rolling back to a savepoint",
                    )
                    .await?;
                }
                continue;
            }
            Err(e) => {
                return Err(Error::db(format!("recreating {} on the target", statement.object), e));
            }
        }
        if savepoints {
            exec(client, "RELEASE SAVEPOINT godwit_recreate", "releasing a savepoint").await?;
        }
    }
    Ok(())
}

fn already_exists(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|d| ALREADY_EXISTS.contains(&d.code().code()))
}

async fn exec(client: &Client, sql: &str, what: &str) -> Result<()> {
    client.batch_execute(sql).await.map_err(|e| Error::db(what.to_owned(), e))
}
