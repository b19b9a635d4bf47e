//! The schema check of `verify`: every difference between the selected source and target
//! tables, object by object, each with a [`Severity`].
//!
//! For a cross-dialect pair the source is first converted with `schema::convert` (the same
//! rewrite `godwit schema convert` performs), and that *expected* schema is compared with the
//! target: a PostgreSQL `integer` is expected to be `INT4` on CockroachDB, a domain column its
//! base type, a hash index a b-tree. What convert could not carry over (exclusion constraints,
//! GiST indexes on scalars, CockroachDB's hidden columns) is reported as `info`, with convert's
//! reason. Types are compared in PostgreSQL's `format_type` spelling and expressions in a
//! normalised form (`normalise`), so that spelling differences between the servers (casts
//! PostgreSQL adds to literals, CockroachDB's `:::` annotations, `STRING` vs `text`) are not
//! reported. Constraints and indexes are compared by definition, not by name: CockroachDB
//! names indexes per table and PostgreSQL per schema, so a converted schema may rename them.
//!
//! Sequence values (`sequences`) are read from both servers; everything else is pure.

mod columns;
mod constraints;
mod indexes;
mod matching;
mod normalise;
mod sequences;
#[cfg(test)]
mod tests;

pub use sequences::sequence_differences;

use super::report::{SchemaDifference, Severity};
use crate::dialect::Dialect;
use crate::schema::assess::Target;
use crate::schema::convert::{self, KeyStrategy, Options, Unsupported};
use crate::schema::model::{Schema, Table};

/// Differences between the selected source and target objects. `tables`: the (schema, name)
/// pairs selected by the user's filters (on either side). Pure: no I/O.
pub fn compare(
    source: &Schema,
    source_dialect: Dialect,
    target: &Schema,
    target_dialect: Dialect,
    tables: &[(String, String)],
) -> Vec<SchemaDifference> {
    let (expected, lost) = expected_target(source, source_dialect, target, target_dialect);
    let mut selected: Vec<&(String, String)> = tables.iter().collect();
    selected.sort();
    selected.dedup();
    let mut out = Vec::new();
    for (schema, name) in selected {
        let qualified = format!("{schema}.{name}");
        match (source.table(schema, name), target.table(schema, name)) {
            (None, None) => {}
            (None, Some(_)) => out.push(difference(
                Severity::Error,
                "table",
                &qualified,
                None,
                "on the target only".into(),
            )),
            (Some(s), t) => {
                let Some(e) = expected.table(schema, name) else {
                    out.push(folded(&qualified, target_dialect, t.is_some()));
                    continue;
                };
                let Some(t) = t else {
                    out.push(difference(
                        Severity::Error,
                        "table",
                        &qualified,
                        None,
                        "missing on the target".into(),
                    ));
                    continue;
                };
                let pair = TablePair {
                    name: qualified,
                    source: s,
                    expected: e,
                    target: t,
                    source_dialect,
                    target_dialect,
                    lost: &lost,
                };
                pair.compare(&mut out);
            }
        }
    }
    sort(&mut out);
    out
}

/// The source as the target should hold it: converted for a cross-dialect pair, as is
/// otherwise; with what the conversion could not carry over.
fn expected_target(
    source: &Schema,
    from: Dialect,
    target: &Schema,
    to: Dialect,
) -> (Schema, Vec<Unsupported>) {
    if from == to {
        return (source.clone(), Vec::new());
    }
    let mut source = source.clone();
    source.dialect = from;
    let options = Options { target: release(target, to), keys: KeyStrategy::Keep };
    let conversion = convert::convert(&source, &options, None);
    (conversion.schema, conversion.unsupported)
}

/// The target's release, for conversion: a PostgreSQL target's `server_version`
/// (`15.18 (Debian ...)`); the newest release otherwise (CockroachDB's `server_version` is the
/// PostgreSQL version it emulates, not its own).
fn release(target: &Schema, dialect: Dialect) -> Target {
    let known = match dialect {
        Dialect::Postgres => target
            .server_version
            .as_deref()
            .and_then(|v| crate::dialect::detect(&format!("PostgreSQL {v}"))),
        Dialect::Cockroach => None,
    };
    known.map_or_else(|| Target::newest(dialect), |(dialect, version)| Target { dialect, version })
}

/// A selected source table that conversion folded away (a partition into its parent).
fn folded(table: &str, target: Dialect, on_target: bool) -> SchemaDifference {
    let message = if on_target {
        format!("folded into its parent by the conversion to {target}, yet on the target too")
    } else {
        format!("a partition: its rows are in its parent table on {target}")
    };
    let severity = if on_target { Severity::Warning } else { Severity::Info };
    difference(severity, "table", table, None, message)
}

/// One selected table on both sides.
struct TablePair<'a> {
    /// `schema.table`.
    name: String,
    /// As read from the source.
    source: &'a Table,
    /// As the target should hold it (the source, converted for a cross-dialect pair).
    expected: &'a Table,
    /// As read from the target.
    target: &'a Table,
    source_dialect: Dialect,
    target_dialect: Dialect,
    /// What conversion could not carry over (every table's).
    lost: &'a [Unsupported],
}

impl TablePair<'_> {
    fn compare(&self, out: &mut Vec<SchemaDifference>) {
        columns::compare(self, out);
        constraints::compare(self, out);
        indexes::compare(self, out);
        self.conversion_losses(out);
    }

    /// Whether source and target are of different dialects.
    fn cross(&self) -> bool {
        self.source_dialect != self.target_dialect
    }

    /// The dialect the expected table's expressions are written in: PostgreSQL whenever one
    /// side is PostgreSQL (convert leaves PostgreSQL expressions as they are for CockroachDB,
    /// and rewrites CockroachDB's into PostgreSQL's).
    fn expected_expression_dialect(&self) -> Dialect {
        match (self.source_dialect, self.target_dialect) {
            (Dialect::Cockroach, Dialect::Cockroach) => Dialect::Cockroach,
            _ => Dialect::Postgres,
        }
    }

    /// An expected-side expression, normalised.
    fn expected_expression(&self, text: &str) -> String {
        normalise::expression(text, self.expected_expression_dialect(), &self.expected.schema)
    }

    /// A target-side expression, normalised.
    fn target_expression(&self, text: &str) -> String {
        normalise::expression(text, self.target_dialect, &self.target.schema)
    }

    /// What conversion dropped or changed on this table, as `info`.
    fn conversion_losses(&self, out: &mut Vec<SchemaDifference>) {
        let prefix = format!("{}.", self.name);
        for lost in self.lost {
            let (object, rest) = match lost.object.split_once(' ') {
                Some(("index", rest)) => ("index", rest),
                Some(("constraint", rest)) => ("constraint", rest),
                Some(("column", rest)) => ("type", rest),
                _ if lost.rule.contains("shard-column") => ("index", lost.object.as_str()),
                _ => ("column", lost.object.as_str()),
            };
            let Some(name) = rest.strip_prefix(&prefix) else { continue };
            let message = format!(
                "not carried over by the conversion to {} ({}: {})",
                self.target_dialect, lost.rule, lost.reason
            );
            out.push(difference(Severity::Info, object, &self.name, Some(name), message));
        }
    }
}

/// A difference of `severity` about `object` of `table`.
fn difference(
    severity: Severity,
    object: &str,
    table: &str,
    name: Option<&str>,
    message: String,
) -> SchemaDifference {
    SchemaDifference {
        severity,
        object: object.to_owned(),
        table: table.to_owned(),
        name: name.map(str::to_owned),
        message,
    }
}

/// The report order: by table, then object kind (in the order of [`SchemaDifference::object`]'s
/// documentation), then name, then message.
fn sort(out: &mut [SchemaDifference]) {
    const KINDS: &[&str] = &[
        "table",
        "column",
        "type",
        "nullability",
        "default",
        "primary_key",
        "index",
        "constraint",
        "foreign_key",
        "sequence",
    ];
    let rank =
        |d: &SchemaDifference| KINDS.iter().position(|k| *k == d.object).unwrap_or(KINDS.len());
    out.sort_by(|a, b| {
        (&a.table, rank(a), &a.name, &a.message).cmp(&(&b.table, rank(b), &b.name, &b.message))
    });
}
