//! Indexes, compared by definition: method, uniqueness, keys (column or expression, order,
//! operator class, collation), `INCLUDE` columns and predicate; never by name.
//!
//! Indexes that enforce a constraint are the constraint's business (`constraints`). Between
//! dialects, NULL placement is not compared (CockroachDB sorts NULLs first ascending and its
//! indexes cannot say otherwise), and an index whose method convert rewrote (a hash or BRIN
//! index becomes a b-tree on CockroachDB) is info.

use super::matching::{self, Item, Pairing};
use super::{TablePair, difference};
use crate::schema::model::{Index, IndexKey, IndexTarget, Table};
use crate::verify::report::{SchemaDifference, Severity};

/// Every index difference of `pair`.
pub(super) fn compare(pair: &TablePair<'_>, out: &mut Vec<SchemaDifference>) {
    let expected = items(pair, pair.expected, true);
    let target = items(pair, pair.target, false);
    for p in matching::pair(&expected, &target) {
        let (severity, name, message) = match p {
            Pairing::Same(e) => match rewritten(pair, e.name) {
                Some(message) => (Severity::Info, e.name, message),
                None => continue,
            },
            Pairing::Renamed(e, t) => (
                Severity::Info,
                e.name,
                format!("named {} on the source, {} on the target ({})", e.name, t.name, t.shown),
            ),
            Pairing::Changed(e, t) => (
                Severity::Warning,
                e.name,
                format!("{} on the source, {} on the target", e.shown, t.shown),
            ),
            // A unique index standing for a unique constraint of the other side: reported
            // once, by `constraints`.
            Pairing::Missing(e) if unique_constraint(pair.target, pair.expected.index(e.name)) => {
                continue;
            }
            Pairing::Extra(t) if unique_constraint(pair.expected, pair.target.index(t.name)) => {
                continue;
            }
            Pairing::Missing(e) => {
                (Severity::Warning, e.name, format!("missing on the target ({})", e.shown))
            }
            Pairing::Extra(t) => {
                (Severity::Warning, t.name, format!("on the target only ({})", t.shown))
            }
        };
        out.push(difference(severity, "index", &pair.name, Some(name), message));
    }
}

/// The indexes compared here: not primary, backing no constraint (linked, or named like one of
/// the table's constraints, as CockroachDB's unique constraints and their indexes are).
fn items<'a>(pair: &TablePair<'_>, table: &'a Table, expected: bool) -> Vec<Item<'a>> {
    table
        .indexes
        .iter()
        .filter(|i| !i.primary && i.constraint.is_none() && table.constraint(&i.name).is_none())
        .map(|i| Item { name: &i.name, key: key(pair, i, expected), shown: i.definition.clone() })
        .collect()
}

/// The comparable definition of an index.
fn key(pair: &TablePair<'_>, i: &Index, expected: bool) -> String {
    let expression = |text: &str| {
        if expected { pair.expected_expression(text) } else { pair.target_expression(text) }
    };
    let keys: Vec<String> = i.keys.iter().map(|k| index_key(pair, k, &expression)).collect();
    let mut include = i.include.clone();
    include.sort();
    let mut out =
        format!("{}{} ({})", if i.unique { "unique " } else { "" }, i.method, keys.join(", "));
    if !include.is_empty() {
        out.push_str(&format!(" include ({})", include.join(", ")));
    }
    if let Some(p) = &i.predicate {
        out.push_str(&format!(" where {}", expression(p)));
    }
    if i.nulls_not_distinct {
        out.push_str(" nulls not distinct");
    }
    out
}

fn index_key(pair: &TablePair<'_>, k: &IndexKey, expression: &dyn Fn(&str) -> String) -> String {
    let mut out = match &k.target {
        IndexTarget::Column(c) => c.clone(),
        IndexTarget::Expression(e) => format!("({})", expression(e)),
    };
    if let Some(o) = &k.opclass {
        out.push(' ');
        out.push_str(&o.name);
    }
    if let Some(c) = &k.collation {
        out.push_str(&format!(" collate {}", c.name));
    }
    if k.descending {
        out.push_str(" desc");
    }
    if !pair.cross() && k.nulls_first != k.descending {
        out.push_str(if k.nulls_first { " nulls first" } else { " nulls last" });
    }
    out
}

/// For a cross-dialect pair: the message when convert changed the index's method.
fn rewritten(pair: &TablePair<'_>, name: &str) -> Option<String> {
    let source = pair.source.index(name)?;
    let expected = pair.expected.index(name)?;
    (pair.cross() && source.method != expected.method).then(|| {
        format!(
            "{} on the source; {} on {}, which has no {} indexes",
            source.definition, expected.method, pair.target_dialect, source.method
        )
    })
}

/// The index's columns when every key is a plain column.
pub(super) fn plain_columns(i: &Index) -> Option<Vec<String>> {
    i.keys
        .iter()
        .map(|k| match &k.target {
            IndexTarget::Column(c) => Some(c.clone()),
            IndexTarget::Expression(_) => None,
        })
        .collect()
}

/// Whether `table` has a unique constraint over exactly the columns of the plain unique
/// index `i`.
fn unique_constraint(table: &Table, i: Option<&Index>) -> bool {
    let Some(i) = i.filter(|i| i.unique && i.predicate.is_none()) else { return false };
    let Some(mut wanted) = plain_columns(i) else { return false };
    wanted.sort();
    table.constraints.iter().filter(|c| c.kind == crate::schema::model::ConstraintKind::Unique).any(
        |c| {
            let mut cols = c.columns.clone();
            cols.sort();
            cols == wanted
        },
    )
}
