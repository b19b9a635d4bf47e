//! `apply_sql`: the statements `replicate` runs on the target for each decoded change.
//!
//! The apply loop turns pgoutput changes ([`super::pgoutput::Message`]) into SQL. Keeping that
//! translation here, pure and without connections, lets the exact text for both dialects be
//! unit-tested (there is no CockroachDB server to try it on) and keeps the loop about ordering,
//! transactions and retries only.
//!
//! Values are never written into SQL text: every value is a `$n` parameter bound as text (the
//! pgoutput text format, which is the type's output format) and cast in SQL to the column's
//! type (`$3::"pg_catalog"."numeric"`), so the server parses it with the type's input function.
//! Identifiers and type names go through [`quote_ident`] / [`quote_qualified`].
//!
//! What each change becomes:
//!
//! - insert: an upsert, so replaying a change the target already has is harmless;
//! - update, key unchanged: `UPDATE .. SET <changed columns> WHERE <key>`. Columns the stream
//!   marks as unchanged TOAST are left out, never overwritten. (An upsert is not used here:
//!   on the insert path it would write defaults or NULL into the omitted columns);
//! - update, key changed: `DELETE` of the old key, then an upsert of the whole new row;
//! - delete: `DELETE .. WHERE <key>`, or for a table without key under `REPLICA IDENTITY FULL`
//!   a delete of one row equal (`IS NOT DISTINCT FROM`) to the old row;
//! - truncate: one `TRUNCATE` of all the tables of the message.
//!
//! [`bulk`] has the PostgreSQL statements that write or delete any number of rows of one table
//! at once (the apply loop uses them once changes are compacted to one per key).
//!
//! PostgreSQL behaviour relied on:
//!
//! - `INSERT .. ON CONFLICT (k1, k2) DO UPDATE` needs a unique index or constraint on exactly
//!   the key columns (the target's primary key; `fetch` creates it), and fails with 21000 when
//!   one statement would touch the same row twice, which is why a batch never holds one key
//!   twice ([`upsert_rows`]);
//! - at most 65535 bind parameters per statement ([`MAX_PARAMS`]);
//! - pgoutput sends the old key only when a key column changed, and the whole old row under
//!   `REPLICA IDENTITY FULL`; TOASTed values an update did not touch arrive as "unchanged"
//!   without their value;
//! - `ctid` picks one physical row, for deleting one of several identical rows.
//!
//! CockroachDB behaviour relied on (<https://www.cockroachlabs.com/docs/stable/upsert>):
//! `UPSERT INTO t (cols) VALUES ..` always uses the primary key as the arbiter, writes the
//! listed columns and leaves unlisted ones alone on existing rows (so it is only used with
//! every column listed); it also rejects touching one row twice in one statement.
//! `DELETE`/`UPDATE .. LIMIT 1` replace `ctid`, which CockroachDB does not have. `TRUNCATE`
//! takes `CASCADE` but has no `RESTART IDENTITY`
//! (<https://www.cockroachlabs.com/docs/stable/truncate>), and is a schema change that is not
//! transactional: the apply loop should run it on its own, not inside a grouped transaction. Retrying 40001 is the apply loop's
//! job, not this module's.

pub mod bulk;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use crate::cdc::pgoutput::{OldTuple, Relation, ReplicaIdentity, TruncateOptions, Tuple, Value};
use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::error::{Error, Result};

/// The most bind parameters one statement may carry (PostgreSQL's wire protocol limit, a
/// 16-bit count; CockroachDB accepts the same).
pub const MAX_PARAMS: usize = 65_535;

/// A column type, as the target names it, for the cast of a text parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlType {
    /// The type's schema (`pg_catalog` for built-in types).
    pub schema: String,
    /// The type's name (`int8`, `numeric`, `my_enum`; for an array, the element type).
    pub name: String,
    /// Whether the column is an array of that type.
    pub array: bool,
}

impl SqlType {
    /// A scalar type `schema.name`.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        SqlType { schema: schema.into(), name: name.into(), array: false }
    }

    /// The array type whose elements are `self`.
    pub fn array_of(self) -> Self {
        SqlType { array: true, ..self }
    }

    /// The quoted type name used after `::`.
    fn cast(&self) -> String {
        let base = quote_qualified(&self.schema, &self.name);
        if self.array { format!("{base}[]") } else { base }
    }
}

/// One column of a [`TableShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeColumn {
    /// The column's name.
    pub name: String,
    /// Its type on the target.
    pub sql_type: SqlType,
}

/// A target table as the apply statements see it: name, columns in the order the stream's
/// tuples list them, and the key that identifies a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableShape {
    /// The table's schema.
    pub schema: String,
    /// The table's name.
    pub name: String,
    /// The published columns, in tuple order.
    pub columns: Vec<ShapeColumn>,
    /// Indexes into `columns` of the key, in key order; empty for a table without key that is
    /// `REPLICA IDENTITY FULL` (rows are then matched on every column).
    pub key: Vec<usize>,
    /// A key column is a PostgreSQL `GENERATED ALWAYS AS IDENTITY` column on the target: its
    /// `INSERT`s say `OVERRIDING SYSTEM VALUE` (the source's values are written, as `COPY` and
    /// PostgreSQL's own apply worker write them). Key columns are never `SET`.
    pub overriding: bool,
}

impl TableShape {
    /// What follows the column list of its `INSERT`s (see [`TableShape::overriding`]).
    pub(crate) fn overriding(&self) -> &'static str {
        if self.overriding { " OVERRIDING SYSTEM VALUE" } else { "" }
    }

    /// `tuple`'s values; an internal error when their number is not this shape's (a stale
    /// relation).
    pub(crate) fn values<'a>(&self, tuple: &'a Tuple) -> Result<&'a [Value]> {
        if tuple.0.len() != self.columns.len() {
            return Err(Error::internal(format!(
                "table {}: a row of {} values for {} columns (stale relation?)",
                self.quoted(),
                tuple.0.len(),
                self.columns.len()
            )));
        }
        Ok(&tuple.0)
    }

    /// The shape of `relation` with key `key_columns` (the target's primary key, which must be
    /// the source's replica identity unless that is `FULL`) and one type per relation column.
    ///
    /// # Errors
    ///
    /// A config error naming the table (and column) when there is no key and the table is not
    /// `REPLICA IDENTITY FULL`, when a key column is not a column of the relation or not part of
    /// its replica identity, or when the table has no published column; an internal error when
    /// `types` does not have one entry per column.
    pub fn from_relation(
        relation: &Relation,
        key_columns: &[&str],
        types: Vec<SqlType>,
    ) -> Result<Self> {
        let table = quote_qualified(&relation.namespace, &relation.name);
        if types.len() != relation.columns.len() {
            return Err(Error::internal(format!(
                "table {table}: {} column types for {} columns",
                types.len(),
                relation.columns.len()
            )));
        }
        if relation.columns.is_empty() {
            return Err(Error::config(format!("table {table} publishes no columns")));
        }
        let full = relation.replica_identity == ReplicaIdentity::Full;
        if key_columns.is_empty() && !full {
            return Err(Error::config(format!(
                "table {table} has no primary key and is not REPLICA IDENTITY FULL: its updates \
                 and deletes cannot be applied"
            ))
            .with_hint(format!(
                "add a primary key, or ALTER TABLE {table} REPLICA IDENTITY FULL"
            )));
        }
        let key = key_indexes(relation, key_columns, &table)?;
        let columns = relation
            .columns
            .iter()
            .zip(types)
            .map(|(c, sql_type)| ShapeColumn { name: c.name.clone(), sql_type })
            .collect();
        Ok(TableShape {
            schema: relation.namespace.clone(),
            name: relation.name.clone(),
            columns,
            key,
            overriding: false,
        })
    }

    /// The quoted, schema-qualified name.
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }

    fn is_key(&self, index: usize) -> bool {
        self.key.contains(&index)
    }

    fn column_error(&self, index: usize, what: &str) -> Error {
        let column = self.columns.get(index).map(|c| c.name.as_str()).unwrap_or("?");
        Error::internal(format!(
            "column {} of table {}: {what}",
            quote_ident(column),
            self.quoted()
        ))
    }
}

/// Positions of `key_columns` in `relation`, checked against its replica identity.
fn key_indexes(relation: &Relation, key_columns: &[&str], table: &str) -> Result<Vec<usize>> {
    let mut key = Vec::with_capacity(key_columns.len());
    for name in key_columns {
        let Some(index) = relation.columns.iter().position(|c| c.name == *name) else {
            return Err(Error::config(format!(
                "key column {} is not a published column of table {table}",
                quote_ident(name)
            )));
        };
        if key.contains(&index) {
            return Err(Error::config(format!(
                "key column {} of table {table} is named twice",
                quote_ident(name)
            )));
        }
        let identity_has_it = match relation.replica_identity {
            ReplicaIdentity::Default | ReplicaIdentity::Index => relation.columns[index].is_key(),
            ReplicaIdentity::Full | ReplicaIdentity::Nothing => true,
        };
        if !identity_has_it {
            return Err(Error::config(format!(
                "key column {} of table {table} is not part of the table's replica identity on \
                 the source, so deletes and key changes do not carry it",
                quote_ident(name)
            ))
            .with_hint(format!("ALTER TABLE {table} REPLICA IDENTITY FULL on the source")));
        }
        key.push(index);
    }
    Ok(key)
}

/// How many rows a statement should report as affected; the apply loop decides what a
/// different count means (a missing row on the target, usually).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this many rows.
    Exactly(u64),
    /// At most this many (a delete of a row that may already be gone; an upsert that does
    /// nothing on conflict).
    AtMost(u64),
    /// The count means nothing (`TRUNCATE`).
    Any,
}

/// One statement to run on the target: SQL with `$n` placeholders and their text values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The value of `$1`, `$2`, ..: text, or `None` for NULL.
    pub params: Vec<Option<String>>,
    /// The affected-row count the statement should report.
    pub expect: Expect,
}

/// Bind parameters being collected for one statement.
#[derive(Default)]
struct Params {
    values: Vec<Option<String>>,
}

impl Params {
    /// Add a value and return its placeholder, cast to `ty`.
    fn push(&mut self, value: Option<String>, ty: &SqlType) -> String {
        self.values.push(value);
        format!("${}::{}", self.values.len(), ty.cast())
    }
}

/// A value of the stream as a text parameter. `UnchangedToast` is an error here: callers that
/// can leave such a column alone filter it out first.
fn text(shape: &TableShape, index: usize, value: &Value) -> Result<Option<String>> {
    match value {
        Value::Null => Ok(None),
        Value::Text(bytes) => String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| shape.column_error(index, "the value sent is not valid UTF-8")),
        Value::Binary(_) => Err(shape.column_error(
            index,
            "the value was sent in binary format, but replication asks for text",
        )),
        Value::UnchangedToast => Err(Error::config(format!(
            "column {} of table {}: the row must be written whole but the column's value is \
             not in the replication stream (an unchanged TOAST value)",
            quote_ident(&shape.columns[index].name),
            shape.quoted()
        ))
        .with_hint(format!("ALTER TABLE {} REPLICA IDENTITY FULL on the source", shape.quoted()))),
    }
}

/// The tuple's values, checked to match the shape's columns.
fn values<'a>(shape: &TableShape, tuple: &'a Tuple) -> Result<&'a [Value]> {
    shape.values(tuple)
}

/// Fill `{name}` placeholders of a SQL template in one pass (substituted text is never scanned
/// again, so a table named `{rows}` stays a name).
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let template = template.trim_end();
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let found = after.find('}').and_then(|end| {
            values.iter().find(|(name, _)| *name == &after[..end]).map(|(_, v)| (*v, end))
        });
        match found {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn column_list(shape: &TableShape, indexes: impl Iterator<Item = usize>) -> String {
    indexes.map(|i| quote_ident(&shape.columns[i].name)).collect::<Vec<_>>().join(", ")
}

/// The statement for one inserted row (see [`upsert_rows`]).
///
/// # Errors
///
/// As [`upsert_rows`].
pub fn insert(dialect: Dialect, shape: &TableShape, new: &Tuple) -> Result<Statement> {
    let mut statements = upsert_rows(dialect, shape, &[new])?;
    statements.pop().ok_or_else(|| Error::internal("an insert of one row gave no statement"))
}

/// Multi-row upserts of `rows` (in order) into `shape`'s table: PostgreSQL
/// `INSERT .. ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c` (`DO NOTHING` when every column is
/// a key column), CockroachDB `UPSERT INTO`, and a plain `INSERT` for a table without key. A new
/// statement starts when the next row would pass [`MAX_PARAMS`] or repeats a key already in the
/// statement.
///
/// # Errors
///
/// When a value is text that is not UTF-8, binary, or unchanged TOAST (not in the
/// stream), naming the table and column; an internal error when a row does not match the shape.
pub fn upsert_rows(
    dialect: Dialect,
    shape: &TableShape,
    rows: &[&Tuple],
) -> Result<Vec<Statement>> {
    upsert_rows_capped(dialect, shape, rows, MAX_PARAMS)
}

fn upsert_rows_capped(
    dialect: Dialect,
    shape: &TableShape,
    rows: &[&Tuple],
    max_params: usize,
) -> Result<Vec<Statement>> {
    let per_statement = (max_params / shape.columns.len()).max(1);
    let mut statements = Vec::new();
    let mut chunk: Vec<Vec<Option<String>>> = Vec::new();
    let mut keys: HashSet<Vec<Option<String>>> = HashSet::new();
    for row in rows {
        let row = values(shape, row)?
            .iter()
            .enumerate()
            .map(|(i, v)| text(shape, i, v))
            .collect::<Result<Vec<_>>>()?;
        let key: Vec<_> = shape.key.iter().map(|&i| row[i].clone()).collect();
        let repeated = !shape.key.is_empty() && keys.contains(&key);
        if chunk.len() == per_statement || repeated {
            statements.push(render_upsert(dialect, shape, std::mem::take(&mut chunk)));
            keys.clear();
        }
        keys.insert(key);
        chunk.push(row);
    }
    if !chunk.is_empty() {
        statements.push(render_upsert(dialect, shape, chunk));
    }
    Ok(statements)
}

fn render_upsert(
    dialect: Dialect,
    shape: &TableShape,
    rows: Vec<Vec<Option<String>>>,
) -> Statement {
    let count = rows.len() as u64;
    let mut params = Params::default();
    let tuples: Vec<String> = rows
        .into_iter()
        .map(|row| {
            let cells: Vec<String> = row
                .into_iter()
                .zip(&shape.columns)
                .map(|(value, column)| params.push(value, &column.sql_type))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect();
    let table = shape.quoted();
    let columns = column_list(shape, 0..shape.columns.len());
    let rows = tuples.join(", ");
    let key = column_list(shape, shape.key.iter().copied());
    let base = [
        ("table", table.as_str()),
        ("columns", &columns),
        ("rows", &rows),
        ("overriding", shape.overriding()),
    ];
    let (sql, expect) = if shape.key.is_empty() {
        (fill(include_str!("apply_sql/insert.sql"), &base), Expect::Exactly(count))
    } else if dialect == Dialect::Cockroach {
        (fill(include_str!("apply_sql/upsert_crdb.sql"), &base), Expect::Exactly(count))
    } else if shape.key.len() == shape.columns.len() {
        let template = include_str!("apply_sql/upsert_pg_keys_only.sql");
        (
            fill(template, &[base[0], base[1], base[2], base[3], ("key", &key)]),
            Expect::AtMost(count),
        )
    } else {
        let assignments = (0..shape.columns.len())
            .filter(|&i| !shape.is_key(i))
            .map(|i| {
                let name = quote_ident(&shape.columns[i].name);
                format!("{name} = EXCLUDED.{name}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let values =
            [base[0], base[1], base[2], base[3], ("key", &key), ("assignments", &assignments)];
        (fill(include_str!("apply_sql/upsert_pg.sql"), &values), Expect::Exactly(count))
    };
    Statement { sql, params: params.values, expect }
}

/// `c1 = $1::t AND ..` on the key, or `c IS NOT DISTINCT FROM $n::t AND ..` on every column
/// of a keyless row (skipping unchanged TOAST columns, whose value is unknown).
fn condition(
    shape: &TableShape,
    row: &[Value],
    params: &mut Params,
    key_values: Option<Vec<Option<String>>>,
) -> Result<String> {
    let mut parts = Vec::new();
    match key_values {
        Some(values) => {
            for (&i, value) in shape.key.iter().zip(values) {
                let column = &shape.columns[i];
                let placeholder = params.push(value, &column.sql_type);
                parts.push(format!("{} = {placeholder}", quote_ident(&column.name)));
            }
        }
        None => {
            for (i, value) in row.iter().enumerate() {
                if *value == Value::UnchangedToast {
                    continue;
                }
                let column = &shape.columns[i];
                let placeholder = params.push(text(shape, i, value)?, &column.sql_type);
                parts.push(format!(
                    "{} IS NOT DISTINCT FROM {placeholder}",
                    quote_ident(&column.name)
                ));
            }
        }
    }
    Ok(parts.join(" AND "))
}

/// The target's values of `columns` (as text) in the row with the key of `old`: what a
/// key-changing update left out as unchanged TOAST values, read back as PostgreSQL's own apply
/// worker reads its local row. At most one row (the key is the target's primary key).
pub fn old_values(shape: &TableShape, old: &[Value], columns: &[usize]) -> Result<Statement> {
    let mut params = Params::default();
    let key = key_of(shape, old)?;
    let condition = condition(shape, old, &mut params, Some(key))?;
    let list: Vec<String> =
        columns.iter().map(|&i| format!("{}::text", quote_ident(&shape.columns[i].name))).collect();
    let sql = fill(
        include_str!("apply_sql/old_values.sql"),
        &[("columns", &list.join(", ")), ("table", &shape.quoted()), ("condition", &condition)],
    );
    Ok(Statement { sql, params: params.values, expect: Expect::AtMost(1) })
}

/// The key values of a row, as text.
fn key_of(shape: &TableShape, row: &[Value]) -> Result<Vec<Option<String>>> {
    shape.key.iter().map(|&i| text(shape, i, &row[i])).collect()
}

/// The old row of an update or delete of a keyless table, which must be a whole row.
fn full_row<'a>(shape: &TableShape, old: Option<&'a OldTuple>, what: &str) -> Result<&'a [Value]> {
    match old {
        Some(OldTuple::Full(tuple)) => values(shape, tuple),
        _ => Err(Error::internal(format!(
            "{what} of table {} (no key) arrived without the whole old row",
            shape.quoted()
        ))),
    }
}

/// The statements for an updated row: nothing, one `UPDATE`, or a `DELETE` of the old key and
/// an upsert of the new row when the key changed (see the module docs).
///
/// # Errors
///
/// When the key changed and a column of the new row is unchanged TOAST with no old value to
/// take it from, naming the table and column; as [`upsert_rows`] for values; an internal error
/// when a keyless table's update has no whole old row.
pub fn update(
    dialect: Dialect,
    shape: &TableShape,
    old: Option<&OldTuple>,
    new: &Tuple,
) -> Result<Vec<Statement>> {
    let new_row = values(shape, new)?;
    if shape.key.is_empty() {
        let old_row = full_row(shape, old, "an update")?;
        return Ok(set_statement(dialect, shape, new_row, None, Some(old_row))?
            .into_iter()
            .collect());
    }
    let old_row = old.map(|o| values(shape, o.tuple())).transpose()?;
    let new_key = new_key(shape, new_row, old_row)?;
    let old_key = old_row.map(|row| key_of(shape, row)).transpose()?;
    match old_key {
        Some(old_key) if old_key != new_key => {
            let delete = delete_by_key(shape, old_key);
            let whole = whole_row(shape, new_row, old)?;
            let mut statements = vec![delete];
            statements.extend(upsert_rows(dialect, shape, &[&whole])?);
            Ok(statements)
        }
        _ => Ok(set_statement(dialect, shape, new_row, Some(new_key), None)?.into_iter().collect()),
    }
}

/// The new key; a key column sent as unchanged TOAST takes the old row's value.
fn new_key(
    shape: &TableShape,
    new_row: &[Value],
    old_row: Option<&[Value]>,
) -> Result<Vec<Option<String>>> {
    shape
        .key
        .iter()
        .map(|&i| match (&new_row[i], old_row) {
            (Value::UnchangedToast, Some(old)) => text(shape, i, &old[i]),
            (value, _) => text(shape, i, value),
        })
        .collect()
}

/// The new row with unchanged TOAST values filled from a whole old row (`REPLICA IDENTITY
/// FULL`); with only an old key, such a column is an error.
fn whole_row(shape: &TableShape, new_row: &[Value], old: Option<&OldTuple>) -> Result<Tuple> {
    let old_full = match old {
        Some(OldTuple::Full(tuple)) => Some(&tuple.0),
        _ => None,
    };
    let mut whole = Vec::with_capacity(new_row.len());
    for (i, value) in new_row.iter().enumerate() {
        let filled = match (value, old_full) {
            (Value::UnchangedToast, Some(old)) => old[i].clone(),
            _ => value.clone(),
        };
        if filled == Value::UnchangedToast {
            return Err(text(shape, i, &filled)
                .err()
                .unwrap_or_else(|| shape.column_error(i, "unchanged TOAST value"))
                .context("the key of the row changed"));
        }
        whole.push(filled);
    }
    Ok(Tuple(whole))
}

/// `UPDATE .. SET <sent non-key columns> WHERE <key or whole old row>`; `None` when there is
/// nothing to set.
fn set_statement(
    dialect: Dialect,
    shape: &TableShape,
    new_row: &[Value],
    key: Option<Vec<Option<String>>>,
    old_row: Option<&[Value]>,
) -> Result<Option<Statement>> {
    let mut params = Params::default();
    let mut assignments = Vec::new();
    for (i, value) in new_row.iter().enumerate() {
        if shape.is_key(i) || *value == Value::UnchangedToast {
            continue;
        }
        let column = &shape.columns[i];
        let placeholder = params.push(text(shape, i, value)?, &column.sql_type);
        assignments.push(format!("{} = {placeholder}", quote_ident(&column.name)));
    }
    if assignments.is_empty() {
        return Ok(None);
    }
    let keyed = key.is_some();
    let condition = condition(shape, old_row.unwrap_or(new_row), &mut params, key)?;
    let template = match (keyed, dialect) {
        (true, _) => include_str!("apply_sql/update.sql"),
        (false, Dialect::Postgres) => include_str!("apply_sql/update_one_pg.sql"),
        (false, Dialect::Cockroach) => include_str!("apply_sql/update_one_crdb.sql"),
    };
    let table = shape.quoted();
    let assignments = assignments.join(", ");
    let sql = fill(
        template,
        &[("table", &table), ("assignments", &assignments), ("condition", &condition)],
    );
    Ok(Some(Statement { sql, params: params.values, expect: Expect::Exactly(1) }))
}

fn delete_by_key(shape: &TableShape, key: Vec<Option<String>>) -> Statement {
    let mut params = Params::default();
    let mut parts = Vec::new();
    for (&i, value) in shape.key.iter().zip(key) {
        let column = &shape.columns[i];
        let placeholder = params.push(value, &column.sql_type);
        parts.push(format!("{} = {placeholder}", quote_ident(&column.name)));
    }
    let table = shape.quoted();
    let condition = parts.join(" AND ");
    let sql =
        fill(include_str!("apply_sql/delete.sql"), &[("table", &table), ("condition", &condition)]);
    Statement { sql, params: params.values, expect: Expect::AtMost(1) }
}

/// The statement for a deleted row: by key, or for a keyless `REPLICA IDENTITY FULL` table one
/// row equal to the old row (`ctid` subquery on PostgreSQL, `LIMIT 1` on CockroachDB).
///
/// # Errors
///
/// As [`upsert_rows`] for values; an internal error when a keyless table's delete does not
/// carry the whole old row.
pub fn delete(dialect: Dialect, shape: &TableShape, old: &OldTuple) -> Result<Statement> {
    if !shape.key.is_empty() {
        let row = values(shape, old.tuple())?;
        return Ok(delete_by_key(shape, key_of(shape, row)?));
    }
    let row = full_row(shape, Some(old), "a delete")?;
    let mut params = Params::default();
    let condition = condition(shape, row, &mut params, None)?;
    let template = match dialect {
        Dialect::Postgres => include_str!("apply_sql/delete_one_pg.sql"),
        Dialect::Cockroach => include_str!("apply_sql/delete_one_crdb.sql"),
    };
    let table = shape.quoted();
    let sql = fill(template, &[("table", &table), ("condition", &condition)]);
    Ok(Statement { sql, params: params.values, expect: Expect::AtMost(1) })
}

/// `TRUNCATE t1, t2 [RESTART IDENTITY] [CASCADE]`.
///
/// # Errors
///
/// An internal error for no tables; a config error for `RESTART IDENTITY` on CockroachDB,
/// whose `TRUNCATE` has no such option.
pub fn truncate(
    dialect: Dialect,
    shapes: &[&TableShape],
    options: TruncateOptions,
) -> Result<Statement> {
    if shapes.is_empty() {
        return Err(Error::internal("a TRUNCATE of no tables"));
    }
    let tables = shapes.iter().map(|s| s.quoted()).collect::<Vec<_>>().join(", ");
    if options.restart_identity && dialect == Dialect::Cockroach {
        return Err(Error::config(format!(
            "TRUNCATE {tables} RESTART IDENTITY cannot be applied: CockroachDB's TRUNCATE has \
             no RESTART IDENTITY"
        )));
    }
    let mut extra = String::new();
    if options.restart_identity {
        extra.push_str(" RESTART IDENTITY");
    }
    if options.cascade {
        extra.push_str(" CASCADE");
    }
    let sql =
        fill(include_str!("apply_sql/truncate.sql"), &[("tables", &tables), ("options", &extra)]);
    Ok(Statement { sql, params: Vec::new(), expect: Expect::Any })
}

/// One decoded change of a transaction, with the shape of its table(s).
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// A row was inserted.
    Insert {
        /// The table.
        shape: &'a TableShape,
        /// The new row.
        new: &'a Tuple,
    },
    /// A row was updated.
    Update {
        /// The table.
        shape: &'a TableShape,
        /// The old key or row, when the stream sent one.
        old: Option<&'a OldTuple>,
        /// The new row.
        new: &'a Tuple,
    },
    /// A row was deleted.
    Delete {
        /// The table.
        shape: &'a TableShape,
        /// The old key or row.
        old: &'a OldTuple,
    },
    /// Tables were truncated together.
    Truncate {
        /// The tables.
        shapes: &'a [&'a TableShape],
        /// `CASCADE` / `RESTART IDENTITY`.
        options: TruncateOptions,
    },
}

/// The statements for `changes`, in order. Consecutive inserts into the same table (same
/// shape) become multi-row upserts; anything else in between ends the run, so the order of
/// changes to any one row is kept.
///
/// # Errors
///
/// As the builder of each change.
pub fn plan(dialect: Dialect, changes: &[Change<'_>]) -> Result<Vec<Statement>> {
    let mut statements = Vec::new();
    let mut index = 0;
    while index < changes.len() {
        match changes[index] {
            Change::Insert { shape, .. } => {
                let mut rows = Vec::new();
                while let Some(Change::Insert { shape: next, new }) = changes.get(index) {
                    if !(std::ptr::eq(*next, shape) || *next == shape) {
                        break;
                    }
                    rows.push(*new);
                    index += 1;
                }
                statements.extend(upsert_rows(dialect, shape, &rows)?);
                continue;
            }
            Change::Update { shape, old, new } => {
                statements.extend(update(dialect, shape, old, new)?);
            }
            Change::Delete { shape, old } => statements.push(delete(dialect, shape, old)?),
            Change::Truncate { shapes, options } => {
                statements.push(truncate(dialect, shapes, options)?);
            }
        }
        index += 1;
    }
    Ok(statements)
}
