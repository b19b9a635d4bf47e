//! The type matrix: tables covering every built-in PostgreSQL type family with its edge values
//! (plus enums, domains, composites, user ranges, key shapes and awkward identifiers), and a
//! bit-exact comparison of the same table in two databases.
//!
//! Used by the copy tests (`fetch`), and meant for `verify` and `replicate`: load
//! [`MATRIX_DDL`] on both sides and [`MATRIX_DATA`] on the source, move the rows, then
//! [`differences`] for each of [`MATRIX_TABLES`].
//!
//! # Why the comparison is exact
//!
//! A query's binary result values are the output of each type's send function, the same bytes
//! `COPY ... (FORMAT binary)` writes per field, so equal bytes mean equal values (including
//! `-0`, NaN, numeric display scale, `timetz` offsets and array lower bounds). Two kinds of
//! value embed type OIDs in that form: arrays (the element type) and composites (each field's
//! type). OIDs of user-defined types differ between databases (PostgreSQL 14 and later accept
//! that on binary input, which is why such values can be copied as bytes), so such columns are
//! compared through their text form instead. That is still exact: the text output of an array or
//! composite is assembled from its elements' output functions, enum labels are the values
//! themselves, and with `extra_float_digits = 3` and a fixed `TimeZone`, `DateStyle` and
//! `IntervalStyle` (set on both sessions) every element type used here prints injectively.
//! Tables without such columns are also compared as whole `COPY (FORMAT binary)` streams.

use std::error::Error as StdError;
use std::pin::pin;

use futures_util::StreamExt;
use godwit::dialect::{quote_ident, quote_qualified};
use tokio_postgres::Client;
use tokio_postgres::types::{FromSql, Type};

use crate::describe;

/// Types, tables and identifiers of the matrix (no rows); the same on source and target.
pub const MATRIX_DDL: &str = include_str!("matrix/ddl.sql");

/// The matrix's rows, loaded into the source after [`MATRIX_DDL`].
pub const MATRIX_DATA: &str = include_str!("matrix/data.sql");

/// A table of the matrix and the columns its rows are ordered by.
#[derive(Debug, Clone, Copy)]
pub struct MatrixTable {
    /// Schema (unquoted).
    pub schema: &'static str,
    /// Table name (unquoted).
    pub name: &'static str,
    /// Primary-key columns (unquoted); empty for a table without a key.
    pub key: &'static [&'static str],
    /// Rows [`MATRIX_DATA`] loads into it.
    pub rows: i64,
}

impl MatrixTable {
    /// `"schema"."name"`.
    pub fn quoted(&self) -> String {
        quote_qualified(self.schema, self.name)
    }

    /// ` ORDER BY` clause on the key, or on the whole row's text when there is no key (rows
    /// with equal text are equal, so their relative order does not matter).
    fn order_by(&self) -> String {
        if self.key.is_empty() {
            return " ORDER BY t::text COLLATE \"C\"".to_owned();
        }
        let cols: Vec<_> = self.key.iter().map(|c| quote_ident(c)).collect();
        format!(" ORDER BY {}", cols.join(", "))
    }
}

const fn table(
    schema: &'static str,
    name: &'static str,
    key: &'static [&'static str],
    rows: i64,
) -> MatrixTable {
    MatrixTable { schema, name, key, rows }
}

/// Every table of [`MATRIX_DDL`].
pub const MATRIX_TABLES: &[MatrixTable] = &[
    table("matrix", "numbers", &["id"], 12),
    table("matrix", "texts", &["id"], 6),
    table("matrix", "documents", &["id"], 7),
    table("matrix", "times", &["id"], 7),
    table("matrix", "network_geometry", &["id"], 7),
    table("matrix", "ranges", &["id"], 5),
    table("matrix", "arrays", &["id"], 6),
    table("matrix", "user_types", &["id"], 6),
    table("matrix", "composite_key", &["region", "day", "seq"], 2002),
    table("matrix", "text_key", &["k"], 1011),
    table("matrix", "uuid_key", &["k"], 1002),
    table("matrix", "keyless", &[], 508),
    table("matrix", "empty", &["id"], 0),
    table("matrix", "one_row", &["id"], 1),
    table("Select", "Order", &["From"], 3),
    table("Select", "Big Table", &["Key Col"], 12_000),
];

/// Session settings under which text output depends on the value only.
const SESSION: &str = "SET extra_float_digits = 3; SET TimeZone = 'UTC'; \
    SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'";

/// Columns in order, and whether each is compared in text form.
const COLUMNS_SQL: &str = include_str!("matrix/columns.sql");

/// One column to compare: its name and whether it is compared in text form.
#[derive(Debug)]
struct Compared {
    name: String,
    as_text: bool,
}

/// Every difference between `table` in `source` and in `target`, one line each naming the
/// table, row position, column and both values; empty when the contents are bit-exact equal.
pub async fn differences(source: &Client, target: &Client, table: &MatrixTable) -> Vec<String> {
    for client in [source, target] {
        client.batch_execute(SESSION).await.unwrap();
    }
    let columns = columns(source, table).await;
    let select = select_sql(table, &columns);
    let (want, got) = (values(source, &select).await, values(target, &select).await);
    let mut out = compare_rows(table, &columns, &want, &got);
    if out.is_empty() && !columns.iter().any(|c| c.as_text) {
        out.extend(copy_differences(source, target, table).await);
    }
    out
}

/// Value-by-value differences of two row sets read in the same order.
fn compare_rows(
    table: &MatrixTable,
    columns: &[Compared],
    want: &[Vec<Raw>],
    got: &[Vec<Raw>],
) -> Vec<String> {
    let mut out = Vec::new();
    if want.len() != got.len() {
        let (w, g) = (want.len(), got.len());
        out.push(format!("{}: {w} rows on the source, {g} on the target", table.quoted()));
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        for ((column, w), g) in columns.iter().zip(w).zip(g).filter(|((_, w), g)| w != g) {
            let form = if column.as_text { "text" } else { "binary" };
            out.push(format!(
                "{} row {i} column {} ({form}): source {}, target {}",
                table.quoted(),
                quote_ident(&column.name),
                show(w),
                show(g)
            ));
        }
    }
    out
}

async fn columns(client: &Client, table: &MatrixTable) -> Vec<Compared> {
    let rows = client
        .query(COLUMNS_SQL, &[&table.quoted()])
        .await
        .unwrap_or_else(|e| panic!("reading the columns of {}: {}", table.quoted(), describe(&e)));
    rows.iter().map(|r| Compared { name: r.get(0), as_text: r.get(1) }).collect()
}

fn select_sql(table: &MatrixTable, columns: &[Compared]) -> String {
    let items: Vec<_> = columns
        .iter()
        .map(|c| {
            let q = quote_ident(&c.name);
            if c.as_text { format!("t.{q}::text") } else { format!("t.{q}") }
        })
        .collect();
    format!("SELECT {} FROM {} AS t{}", items.join(", "), table.quoted(), table.order_by())
}

/// Every row's column values, as the server sent them (binary result format).
async fn values(client: &Client, select: &str) -> Vec<Vec<Raw>> {
    let rows =
        client.query(select, &[]).await.unwrap_or_else(|e| panic!("{select}: {}", describe(&e)));
    rows.iter().map(|r| (0..r.len()).map(|i| r.get::<_, Raw>(i)).collect()).collect()
}

/// The whole table as one `COPY (FORMAT binary)` stream on each side, compared byte for byte.
async fn copy_differences(source: &Client, target: &Client, table: &MatrixTable) -> Option<String> {
    let sql = format!(
        "COPY (SELECT * FROM {} AS t{}) TO STDOUT (FORMAT binary)",
        table.quoted(),
        table.order_by()
    );
    let (want, got) = (copy_bytes(source, &sql).await, copy_bytes(target, &sql).await);
    if want == got {
        return None;
    }
    let at = want.iter().zip(&got).position(|(w, g)| w != g).unwrap_or(want.len().min(got.len()));
    Some(format!(
        "{}: binary COPY differs at byte {at} (source {} bytes, target {} bytes)",
        table.quoted(),
        want.len(),
        got.len()
    ))
}

async fn copy_bytes(client: &Client, sql: &str) -> Vec<u8> {
    let stream = client.copy_out(sql).await.unwrap_or_else(|e| panic!("{sql}: {}", describe(&e)));
    let mut stream = pin!(stream);
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap_or_else(|e| panic!("{sql}: {}", describe(&e))));
    }
    out
}

/// A value as the server sent it; `None` is SQL NULL.
#[derive(Debug, PartialEq, Eq)]
struct Raw(Option<Vec<u8>>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Raw(Some(raw.to_vec())))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Raw(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A value for a difference report: NULL, printable UTF-8, or hex; long values shortened.
fn show(value: &Raw) -> String {
    const MAX: usize = 120;
    let Some(bytes) = &value.0 else { return "NULL".to_owned() };
    let text = match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
        _ => format!("\\x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    };
    if text.chars().count() <= MAX {
        return text;
    }
    let short: String = text.chars().take(MAX).collect();
    format!("{short}... ({} bytes)", bytes.len())
}
