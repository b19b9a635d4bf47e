//! Bulk statements for PostgreSQL targets: one statement per table and kind, whatever the
//! number of rows, with one `text[]` parameter per column.
//!
//! `INSERT .. SELECT r.c1::t1, .. FROM unnest($1::text[], $2::text[], ..) AS r(c1, ..)` reads
//! the rows from parallel arrays (PostgreSQL's multi-argument `unnest` zips them, padding with
//! NULL), and each element is cast from text through the column type's input function, as the
//! single-row statements do. The SQL text depends only on the table, so it is prepared once
//! and its plan reused: a multi-row `VALUES` list would be a new statement (and a new plan)
//! for every row count, with one parameter per value, and at most 65535 of them.
//!
//! [`copy_in`] is the `COPY` that inserts rows known to be new (the apply loop's fresh inserts;
//! the data is encoded by the caller).
//!
//! Used only where the rows of one statement are known to hold each key once (an
//! `ON CONFLICT DO UPDATE` touching one row twice fails with 21000) — the apply loop's
//! per-key compaction guarantees it. Not used for CockroachDB, whose statements stay those of
//! the parent module (unit-tested there).

use super::{Expect, TableShape, column_list, fill};
use crate::dialect::quote_ident;

/// The parts every bulk template shares: `{table}`, `{columns}` (every column), `{casts}`,
/// `{arrays}`, `{names}`.
struct Parts {
    table: String,
    columns: String,
    casts: String,
    arrays: String,
    names: String,
}

/// The parts for `columns` (indexes into the shape's columns), read from `$1..$n`.
fn parts(shape: &TableShape, columns: &[usize]) -> Parts {
    let mut casts = Vec::with_capacity(columns.len());
    let mut arrays = Vec::with_capacity(columns.len());
    let mut names = Vec::with_capacity(columns.len());
    for (n, &i) in columns.iter().enumerate() {
        let position = n + 1;
        casts.push(format!("r.c{position}::{}", shape.columns[i].sql_type.cast()));
        arrays.push(format!("${position}::text[]"));
        names.push(format!("c{position}"));
    }
    Parts {
        table: shape.quoted(),
        columns: column_list(shape, columns.iter().copied()),
        casts: casts.join(", "),
        arrays: arrays.join(", "),
        names: names.join(", "),
    }
}

/// The statement that writes whole rows into `shape`'s table, its parameters being one
/// `text[]` per column in column order: `ON CONFLICT (key) DO UPDATE` of every other column
/// (`DO NOTHING` when every column is a key column), or a plain `INSERT` for a table without
/// key. The row count to expect for `rows` rows comes with it.
pub fn upsert(shape: &TableShape, rows: u64) -> (String, Expect) {
    let all: Vec<usize> = (0..shape.columns.len()).collect();
    let p = parts(shape, &all);
    let base = [
        ("table", p.table.as_str()),
        ("columns", &p.columns),
        ("casts", &p.casts),
        ("arrays", &p.arrays),
        ("names", &p.names),
        ("overriding", shape.overriding()),
    ];
    if shape.key.is_empty() {
        return (fill(include_str!("bulk_insert.sql"), &base), Expect::Exactly(rows));
    }
    let key = column_list(shape, shape.key.iter().copied());
    if shape.key.len() == shape.columns.len() {
        let mut values = base.to_vec();
        values.push(("key", &key));
        return (fill(include_str!("bulk_upsert_keys_only.sql"), &values), Expect::AtMost(rows));
    }
    let assignments = (0..shape.columns.len())
        .filter(|&i| !shape.is_key(i))
        .map(|i| {
            let name = quote_ident(&shape.columns[i].name);
            format!("{name} = EXCLUDED.{name}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut values = base.to_vec();
    values.extend([("key", key.as_str()), ("assignments", &assignments)]);
    (fill(include_str!("bulk_upsert.sql"), &values), Expect::Exactly(rows))
}

/// The statement that deletes rows of `shape`'s table by key, its parameters being one
/// `text[]` per key column in key order; `None` for a table without key. At most one row per
/// key is expected (a row may already be gone).
pub fn delete(shape: &TableShape, keys: u64) -> Option<(String, Expect)> {
    if shape.key.is_empty() {
        return None;
    }
    let p = parts(shape, &shape.key);
    let condition = shape
        .key
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let column = &shape.columns[i];
            format!("t.{} = r.c{}::{}", quote_ident(&column.name), n + 1, column.sql_type.cast())
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    let values = [
        ("table", p.table.as_str()),
        ("arrays", &p.arrays),
        ("names", &p.names),
        ("condition", &condition),
    ];
    Some((fill(include_str!("bulk_delete.sql"), &values), Expect::AtMost(keys)))
}

/// The `COPY .. FROM STDIN` (text format) that inserts rows into `shape`'s table, every column
/// in column order. It has no conflict handling: a row whose key is already there fails the
/// whole statement with 23505.
pub fn copy_in(shape: &TableShape) -> String {
    let columns = column_list(shape, 0..shape.columns.len());
    fill(include_str!("bulk_copy.sql"), &[("table", &shape.quoted()), ("columns", &columns)])
}
