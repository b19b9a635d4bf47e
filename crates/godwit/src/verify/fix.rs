//! `--fix`: the statements that make the target's rows equal the source's, for the rows a
//! comparison found different, and applying them.
//!
//! - an extraneous row is deleted by its key (a table without a key: one row whose every
//!   column renders the same text, `ctid` on PostgreSQL, `LIMIT 1` on CockroachDB);
//! - a missing row is inserted with the source's values;
//! - a mismatched row gets an `UPDATE` of the differing columns only.
//!
//! Source values are read at fix time, joined on the keys (`VALUES` list, so each row comes back
//! with the position of the key that found it), as text with the pinned session settings of the
//! comparison, and written as `'text'::type` literals of the target's column types: the printed
//! statements are exactly the applied ones. A key no longer on the source (a live source
//! deleted it since) gets no statement; the re-verification after applying reports it.
//! Generated columns are never written (they follow their base columns); identity columns
//! `GENERATED ALWAYS` are inserted with `OVERRIDING SYSTEM VALUE` (PostgreSQL).
//!
//! Deletes run first, then updates, then inserts, so that a unique value moved between rows
//! does not collide. Statements are applied in transactions of [`BATCH`] statements; on
//! CockroachDB a transaction that fails with a retryable error (40001) is retried. On
//! PostgreSQL the session runs with `session_replication_role = replica` when the role may set
//! it (superusers): the target's triggers then do not fire on repaired rows (a trigger that
//! stamps `updated_at` would otherwise make a new difference) and foreign keys are not checked
//! row by row, as for logical replication; otherwise the statements run with triggers, and the
//! re-verification shows what they changed.

use std::collections::HashMap;

use tokio_postgres::Client;

use super::{Diff, DiffKind};
use crate::cdc::apply_sql::fill;
use crate::dialect::{Dialect, quote_ident, quote_literal, quote_qualified};
use crate::error::{Error, Result, Retry};

/// Statements per target transaction when applying.
pub(crate) const BATCH: usize = 500;

/// Keys looked up on the source per query.
const LOOKUP: usize = 500;

/// A table as `fix` needs it.
#[derive(Debug, Clone)]
pub(crate) struct FixTable {
    /// Schema name.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// The compared columns, in the order `Diff::columns` (and a keyless `Diff::key`) index.
    pub columns: Vec<FixColumn>,
    /// Indexes into `columns` of the primary key, in key order; empty for a table compared as
    /// a multiset.
    pub key: Vec<usize>,
}

/// A compared column.
#[derive(Debug, Clone)]
pub(crate) struct FixColumn {
    /// Column name.
    pub name: String,
    /// The target column's type as SQL (`format_type`), which literals are cast to.
    pub data_type: String,
    /// Generated on the target: never written.
    pub generated: bool,
    /// `GENERATED ALWAYS AS IDENTITY` on the target.
    pub identity_always: bool,
}

/// Statements of one table, by kind, in the order they must run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FixPlan {
    /// DELETE statements.
    pub deletes: Vec<String>,
    /// UPDATE statements.
    pub updates: Vec<String>,
    /// INSERT statements.
    pub inserts: Vec<String>,
}

/// The statements for `diffs` of `table`, reading current source values from `source`.
pub(crate) async fn plan(
    source: &Client,
    target_dialect: Dialect,
    table: &FixTable,
    diffs: &[Diff],
) -> Result<FixPlan> {
    let mut plan = FixPlan::default();
    if table.key.is_empty() {
        for diff in diffs {
            match diff.kind {
                DiffKind::Missing => plan.inserts.push(insert(table, &diff.key)),
                DiffKind::Extraneous => plan.deletes.push(delete_one(target_dialect, table, diff)),
                DiffKind::Mismatched => {}
            }
        }
        return Ok(plan);
    }
    let wanted: Vec<&Diff> = diffs.iter().filter(|d| d.kind != DiffKind::Extraneous).collect();
    let rows = source_rows(source, table, &wanted).await?;
    for (i, diff) in wanted.iter().enumerate() {
        let Some(row) = rows.get(&i) else { continue };
        match diff.kind {
            DiffKind::Missing => plan.inserts.push(insert(table, row)),
            _ => plan.updates.extend(update(table, diff, row)),
        }
    }
    for diff in diffs.iter().filter(|d| d.kind == DiffKind::Extraneous) {
        plan.deletes.push(delete_by_key(table, &diff.key));
    }
    Ok(plan)
}

/// Apply `statements` on the target in transactions of [`BATCH`], in order. Returns whether
/// triggers were disabled (`session_replication_role = replica`).
pub(crate) async fn apply(
    target: &mut Client,
    dialect: Dialect,
    statements: &[String],
) -> Result<bool> {
    let replica = dialect == Dialect::Postgres
        && target.batch_execute(include_str!("fix/replica_role.sql")).await.is_ok();
    let applied = apply_batches(target, statements).await;
    if replica {
        let reset = target.batch_execute(include_str!("fix/reset_role.sql")).await;
        reset.map_err(|e| Error::db("resetting session_replication_role", e))?;
    }
    applied.map(|()| replica)
}

async fn apply_batches(target: &mut Client, statements: &[String]) -> Result<()> {
    for batch in statements.chunks(BATCH) {
        let sql = batch.join(";\n");
        let mut attempt = 0;
        loop {
            match apply_batch(target, &sql).await {
                Ok(()) => break,
                Err(e) if e.kind().retry() == Retry::Timed && attempt < 5 => attempt += 1,
                Err(e) => return Err(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
        }
    }
    Ok(())
}

async fn apply_batch(target: &mut Client, sql: &str) -> Result<()> {
    let context = "applying --fix statements on the target";
    let tx = target.transaction().await.map_err(|e| Error::db(context, e))?;
    tx.batch_execute(sql).await.map_err(|e| Error::db(context, e))?;
    tx.commit().await.map_err(|e| Error::db(context, e))
}

/// The source rows of `diffs` (by position in `diffs`), every compared column as text.
async fn source_rows(
    source: &Client,
    table: &FixTable,
    diffs: &[&Diff],
) -> Result<HashMap<usize, Vec<Option<String>>>> {
    let mut rows = HashMap::new();
    for (chunk_no, chunk) in diffs.chunks(LOOKUP).enumerate() {
        let sql = lookup_sql(table, chunk, chunk_no * LOOKUP);
        let found = source.query(&sql, &[]).await.map_err(|e| {
            Error::db(format!("reading source rows of {} to fix", table.quoted()), e)
        })?;
        for row in found {
            let ord: i32 = row.get(0);
            let values = (1..row.len()).map(|i| row.get::<_, Option<String>>(i)).collect();
            rows.insert(usize::try_from(ord).unwrap_or(usize::MAX), values);
        }
    }
    Ok(rows)
}

fn lookup_sql(table: &FixTable, chunk: &[&Diff], first: usize) -> String {
    let key_cols: Vec<&FixColumn> = table.key.iter().map(|&i| &table.columns[i]).collect();
    let keys: Vec<String> = chunk
        .iter()
        .enumerate()
        .map(|(i, diff)| {
            let values = key_cols.iter().zip(&diff.key).map(|(c, v)| literal(c, v.as_deref()));
            let ord = std::iter::once(format!("{}::int4", first + i));
            format!("({})", ord.chain(values).collect::<Vec<_>>().join(", "))
        })
        .collect();
    let names: Vec<String> = (0..key_cols.len()).map(|i| format!("k{i}")).collect();
    let join: Vec<String> = key_cols
        .iter()
        .zip(&names)
        .map(|(c, k)| format!("t.{} = k.{k}", quote_ident(&c.name)))
        .collect();
    let columns: Vec<String> =
        table.columns.iter().map(|c| format!("t.{}::text", quote_ident(&c.name))).collect();
    fill(
        include_str!("fix/source_rows.sql"),
        &[
            ("columns", &columns.join(", ")),
            ("table", &table.quoted()),
            ("keys", &keys.join(", ")),
            ("key_names", &names.join(", ")),
            ("join", &join.join(" AND ")),
        ],
    )
}

fn insert(table: &FixTable, row: &[Option<String>]) -> String {
    let written: Vec<(&FixColumn, &Option<String>)> =
        table.columns.iter().zip(row).filter(|(c, _)| !c.generated).collect();
    let names: Vec<String> = written.iter().map(|(c, _)| quote_ident(&c.name)).collect();
    let values: Vec<String> = written.iter().map(|(c, v)| literal(c, v.as_deref())).collect();
    let overriding = if written.iter().any(|(c, _)| c.identity_always) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    fill(
        include_str!("fix/insert.sql"),
        &[
            ("table", &table.quoted()),
            ("columns", &names.join(", ")),
            ("overriding", overriding),
            ("values", &values.join(", ")),
        ],
    )
}

fn update(table: &FixTable, diff: &Diff, row: &[Option<String>]) -> Option<String> {
    let assignments: Vec<String> = diff
        .columns
        .iter()
        .filter_map(|&i| Some((table.columns.get(i)?, row.get(i)?)))
        .filter(|(c, _)| !c.generated)
        .map(|(c, v)| format!("{} = {}", quote_ident(&c.name), literal(c, v.as_deref())))
        .collect();
    if assignments.is_empty() {
        return None;
    }
    Some(fill(
        include_str!("fix/update.sql"),
        &[
            ("table", &table.quoted()),
            ("assignments", &assignments.join(", ")),
            ("condition", &key_condition(table, &diff.key)),
        ],
    ))
}

fn delete_by_key(table: &FixTable, key: &[Option<String>]) -> String {
    fill(
        include_str!("fix/delete.sql"),
        &[("table", &table.quoted()), ("condition", &key_condition(table, key))],
    )
}

/// Delete one row of a keyless table equal to `diff.key` (the whole row), compared as text:
/// the text came from reading this very target with the same session settings.
fn delete_one(dialect: Dialect, table: &FixTable, diff: &Diff) -> String {
    let condition: Vec<String> = table
        .columns
        .iter()
        .zip(&diff.key)
        .map(|(c, v)| {
            let value = v.as_deref().map_or_else(|| "NULL".to_owned(), quote_literal);
            format!("{}::text IS NOT DISTINCT FROM {value}", quote_ident(&c.name))
        })
        .collect();
    let template = match dialect {
        Dialect::Postgres => include_str!("fix/delete_one_pg.sql"),
        Dialect::Cockroach => include_str!("fix/delete_one_crdb.sql"),
    };
    fill(template, &[("table", &table.quoted()), ("condition", &condition.join(" AND "))])
}

fn key_condition(table: &FixTable, key: &[Option<String>]) -> String {
    let parts: Vec<String> = table
        .key
        .iter()
        .zip(key)
        .map(|(&i, v)| {
            let c = &table.columns[i];
            format!("{} = {}", quote_ident(&c.name), literal(c, v.as_deref()))
        })
        .collect();
    parts.join(" AND ")
}

/// `'text'::type`, or `NULL`.
fn literal(column: &FixColumn, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{}::{}", quote_literal(v), column.data_type),
        None => "NULL".to_owned(),
    }
}

impl FixTable {
    fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }
}

#[cfg(test)]
mod tests;
