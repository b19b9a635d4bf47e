//! Pre-flight comparison of the selected source tables with the target's, before any data
//! moves.
//!
//! Every difference is collected (not only the first): a missing table or column, a changed
//! type, a target column the source cannot fill, nullability and primary keys. Each is a
//! [`Mismatch`] that is either [`Severity::Fatal`] (the copy would fail or lose data) or
//! [`Severity::Warning`] (the copy works, but the tables are not the same).
//!
//! Types are compared on their full SQL text (`format_type`): identical text is compatible.
//! A different type is fatal unless it is a safe widening (`smallint` to `integer`/`bigint`,
//! `integer` to `bigint`, `varchar(n)` to a longer or unlimited `varchar` or `text`,
//! `numeric(p,s)` to unconstrained `numeric`, `timestamp` to `timestamptz`). A widening is a
//! warning, and the source side of the binary COPY casts the column to the target type, since
//! binary COPY needs the exact wire format of the target column.

use std::fmt;

use crate::schema::model::{Column, ConstraintKind, Schema, Table};

/// How bad a mismatch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The copy cannot run.
    Fatal,
    /// The copy runs; the difference is reported.
    Warning,
}

/// One difference between a source table and its target table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mismatch {
    /// `schema.name` of the table.
    pub table: String,
    /// The column, when the mismatch is about one.
    pub column: Option<String>,
    /// Fatal or warning.
    pub severity: Severity,
    /// What differs (names and types only, never row values).
    pub message: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Fatal => "fatal",
            Severity::Warning => "warning",
        };
        match &self.column {
            Some(c) => write!(f, "{severity}: {} column {c}: {}", self.table, self.message),
            None => write!(f, "{severity}: {}: {}", self.table, self.message),
        }
    }
}

/// How a source column's type relates to its target column's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFit {
    /// Same type text: copied as is.
    Same,
    /// A safe widening: copied with a cast to the target type.
    Widening,
    /// Anything else.
    Incompatible,
}

/// Every mismatch between the `tables` of `source` and `target`, in table and column order.
pub fn compare(tables: &[&Table], target: &Schema) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for table in tables {
        let name = format!("{}.{}", table.schema, table.name);
        match target.table(&table.schema, &table.name) {
            None => out.push(fatal(&name, None, "missing on the target".into())),
            Some(t) => {
                out.extend(source_columns(&name, table, t));
                out.extend(extra_target_columns(&name, table, t));
                out.extend(primary_keys(&name, table, t));
            }
        }
    }
    out
}

/// Mismatches of the source's copied (non-generated) columns.
fn source_columns(name: &str, source: &Table, target: &Table) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for s in source.columns.iter().filter(|c| c.generated.is_none()) {
        let col = Some(s.name.as_str());
        let Some(t) = target.columns.iter().find(|c| c.name == s.name) else {
            out.push(fatal(name, col, "missing on the target".into()));
            continue;
        };
        if t.generated.is_some() {
            out.push(fatal(name, col, "generated on the target, cannot be copied into".into()));
            continue;
        }
        match type_fit(s, t) {
            TypeFit::Same => {}
            TypeFit::Widening => out.push(warning(name, col, widening_message(s, t))),
            TypeFit::Incompatible => out.push(fatal(
                name,
                col,
                format!("type {} on the source, {} on the target", s.data_type, t.data_type),
            )),
        }
        if t.not_null && !s.not_null {
            out.push(warning(name, col, "NOT NULL on the target, nullable on the source".into()));
        }
    }
    out
}

fn widening_message(s: &Column, t: &Column) -> String {
    let mut message =
        format!("type {} on the source widened to {} on the target", s.data_type, t.data_type);
    if t.data_type == "timestamp with time zone" {
        message.push_str(" (values read in the source session's time zone)");
    }
    message
}

/// Target columns the source does not fill: they get NULL or their default.
fn extra_target_columns(name: &str, source: &Table, target: &Table) -> Vec<Mismatch> {
    let copied =
        |c: &Column| source.columns.iter().any(|s| s.name == c.name && s.generated.is_none());
    let mut out = Vec::new();
    for t in target.columns.iter().filter(|c| c.generated.is_none() && !copied(c)) {
        let col = Some(t.name.as_str());
        if t.not_null && t.default.is_none() && t.identity.is_none() {
            out.push(fatal(name, col, "not on the source and NOT NULL without default".into()));
        } else {
            out.push(warning(name, col, "not on the source (filled with NULL or default)".into()));
        }
    }
    out
}

fn primary_keys(name: &str, source: &Table, target: &Table) -> Option<Mismatch> {
    let (s, t) = (primary_key(source)?, primary_key(target));
    match t {
        None => {
            Some(warning(name, None, format!("no primary key on the target ({})", s.join(", "))))
        }
        Some(t) if t != s => Some(warning(
            name,
            None,
            format!(
                "primary key ({}) on the source, ({}) on the target",
                s.join(", "),
                t.join(", ")
            ),
        )),
        Some(_) => None,
    }
}

fn primary_key(table: &Table) -> Option<&Vec<String>> {
    table.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey).map(|c| &c.columns)
}

/// Whether values of `source`'s type go into `target`'s without loss.
pub fn type_fit(source: &Column, target: &Column) -> TypeFit {
    if source.data_type == target.data_type {
        return TypeFit::Same;
    }
    if source.array_dimensions != 0 || target.array_dimensions != 0 {
        return TypeFit::Incompatible;
    }
    let (s, t) = (source.data_type.as_str(), target.data_type.as_str());
    let widens = match s {
        "smallint" => matches!(t, "integer" | "bigint"),
        "integer" => t == "bigint",
        "timestamp without time zone" => t == "timestamp with time zone",
        _ => varchar_widens(s, t) || (source.base_type == "numeric" && t == "numeric"),
    };
    if widens { TypeFit::Widening } else { TypeFit::Incompatible }
}

/// `varchar(n)` into `varchar(m >= n)`, unlimited `varchar` or `text`.
fn varchar_widens(s: &str, t: &str) -> bool {
    let Some(n) = varchar_length(s) else { return false };
    if matches!(t, "text" | "character varying") {
        return true;
    }
    varchar_length(t).flatten().zip(n).is_some_and(|(m, n)| m >= n)
}

/// `Some(Some(n))` for `character varying(n)`, `Some(None)` for unlimited, `None` otherwise.
fn varchar_length(data_type: &str) -> Option<Option<u32>> {
    let rest = data_type.strip_prefix("character varying")?;
    if rest.is_empty() {
        return Some(None);
    }
    rest.strip_prefix('(')?.strip_suffix(')')?.parse().ok().map(Some)
}

fn fatal(table: &str, column: Option<&str>, message: String) -> Mismatch {
    mismatch(table, column, Severity::Fatal, message)
}

fn warning(table: &str, column: Option<&str>, message: String) -> Mismatch {
    mismatch(table, column, Severity::Warning, message)
}

fn mismatch(table: &str, column: Option<&str>, severity: Severity, message: String) -> Mismatch {
    Mismatch { table: table.to_owned(), column: column.map(str::to_owned), severity, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(data_type: &str, base_type: &str) -> Column {
        Column { base_type: base_type.into(), ..Column::new("c", 1, data_type) }
    }

    fn fit(s: (&str, &str), t: (&str, &str)) -> TypeFit {
        type_fit(&col(s.0, s.1), &col(t.0, t.1))
    }

    #[test]
    fn widenings_are_recognised() {
        let vc = "character varying";
        assert_eq!(fit(("integer", "integer"), ("integer", "integer")), TypeFit::Same);
        assert_eq!(fit(("integer", "integer"), ("bigint", "bigint")), TypeFit::Widening);
        assert_eq!(fit(("smallint", "smallint"), ("integer", "integer")), TypeFit::Widening);
        assert_eq!(fit(("bigint", "bigint"), ("integer", "integer")), TypeFit::Incompatible);
        assert_eq!(
            fit(("character varying(10)", vc), ("character varying(20)", vc)),
            TypeFit::Widening
        );
        assert_eq!(
            fit(("character varying(20)", vc), ("character varying(10)", vc)),
            TypeFit::Incompatible
        );
        assert_eq!(fit(("character varying(20)", vc), ("text", "text")), TypeFit::Widening);
        assert_eq!(fit(("character varying", vc), ("text", "text")), TypeFit::Widening);
        assert_eq!(
            fit(("character varying", vc), ("character varying(5)", vc)),
            TypeFit::Incompatible
        );
        assert_eq!(fit(("text", "text"), ("character varying(5)", vc)), TypeFit::Incompatible);
        assert_eq!(fit(("numeric(12,3)", "numeric"), ("numeric", "numeric")), TypeFit::Widening);
        assert_eq!(
            fit(("numeric", "numeric"), ("numeric(12,3)", "numeric")),
            TypeFit::Incompatible
        );
        let (ts, tstz) = ("timestamp without time zone", "timestamp with time zone");
        assert_eq!(fit((ts, ts), (tstz, tstz)), TypeFit::Widening);
        assert_eq!(fit((tstz, tstz), (ts, ts)), TypeFit::Incompatible);
        assert_eq!(fit(("text", "text"), ("integer", "integer")), TypeFit::Incompatible);
    }

    #[test]
    fn arrays_must_match_exactly() {
        let mut s = col("integer[]", "integer");
        s.array_dimensions = 1;
        let mut t = col("bigint[]", "bigint");
        t.array_dimensions = 1;
        assert_eq!(type_fit(&s, &t), TypeFit::Incompatible);
    }
}
