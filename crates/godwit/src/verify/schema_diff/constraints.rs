//! Primary keys, unique, check and exclusion constraints, and foreign keys.
//!
//! A different primary key is an error: rows are matched by it. The others are compared by
//! definition (`matching`): missing or different is a warning, the same definition under
//! another name is info. A unique constraint on one side and a unique index on the same columns
//! on the other enforce the same thing, which is info too (CockroachDB reports a `UNIQUE INDEX`
//! where PostgreSQL had a `UNIQUE` constraint, and the other way round).

use super::matching::{self, Item, Pairing};
use super::{TablePair, difference};
use crate::schema::model::{Constraint, ConstraintKind, Table};
use crate::verify::report::{SchemaDifference, Severity};

/// Every constraint difference of `pair`.
pub(super) fn compare(pair: &TablePair<'_>, out: &mut Vec<SchemaDifference>) {
    primary_key(pair, out);
    for kinds in [
        &[ConstraintKind::Unique, ConstraintKind::Check, ConstraintKind::Exclusion][..],
        &[ConstraintKind::ForeignKey][..],
    ] {
        let expected = items(pair, pair.expected, kinds, Side::Expected);
        let target = items(pair, pair.target, kinds, Side::Target);
        for pairing in matching::pair(&expected, &target) {
            report(pair, kinds, &pairing, out);
        }
    }
}

fn primary_key(pair: &TablePair<'_>, out: &mut Vec<SchemaDifference>) {
    let columns = |t: &Table| t.primary_key().map(|c| c.columns.join(", "));
    let (e, t) = (columns(pair.expected), columns(pair.target));
    let message = match (&e, &t) {
        (Some(e), Some(t)) if e == t => return,
        (None, None) => return,
        (Some(e), Some(t)) => format!("primary key ({e}) on the source, ({t}) on the target"),
        (Some(e), None) => format!("primary key ({e}) on the source, none on the target"),
        (None, Some(t)) => {
            let hidden = pair.target.primary_key().is_some_and(|pk| {
                pk.columns.iter().all(|c| pair.target.column(c).is_some_and(|c| c.cockroach.hidden))
            });
            if hidden {
                let message =
                    format!("no primary key on the source; the target's is the hidden ({t})");
                out.push(difference(Severity::Info, "primary_key", &pair.name, None, message));
                return;
            }
            format!("no primary key on the source, ({t}) on the target")
        }
    };
    out.push(difference(Severity::Error, "primary_key", &pair.name, None, message));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Expected,
    Target,
}

fn items<'a>(
    pair: &TablePair<'_>,
    table: &'a Table,
    kinds: &[ConstraintKind],
    side: Side,
) -> Vec<Item<'a>> {
    table
        .constraints
        .iter()
        .filter(|c| kinds.contains(&c.kind))
        .map(|c| Item { name: &c.name, key: key(pair, c, side), shown: c.definition.clone() })
        .collect()
}

/// The comparable definition of a constraint.
fn key(pair: &TablePair<'_>, c: &Constraint, side: Side) -> String {
    let expression = |text: &str| match side {
        Side::Expected => pair.expected_expression(text),
        Side::Target => pair.target_expression(text),
    };
    let validated = if c.validated { "" } else { " not valid" };
    match c.kind {
        ConstraintKind::Unique => {
            let mut columns = c.columns.clone();
            columns.sort();
            let predicate =
                c.cockroach.predicate.as_deref().map(|p| format!(" where {}", expression(p)));
            let nulls = if c.nulls_not_distinct { " nulls not distinct" } else { "" };
            format!("unique ({}){nulls}{}", columns.join(", "), predicate.unwrap_or_default())
        }
        ConstraintKind::Check => {
            let text = c.check.as_deref().unwrap_or(&c.definition);
            format!("check {}{validated}", expression(text))
        }
        ConstraintKind::ForeignKey => foreign_key(pair, c, validated),
        ConstraintKind::Exclusion | ConstraintKind::PrimaryKey => expression(&c.definition),
    }
}

fn foreign_key(pair: &TablePair<'_>, c: &Constraint, validated: &str) -> String {
    let Some(fk) = &c.foreign_key else { return c.definition.clone() };
    let deferral = match (pair.cross(), c.deferrable, c.initially_deferred) {
        (true, _, _) | (false, false, _) => "",
        (false, true, false) => " deferrable",
        (false, true, true) => " deferrable initially deferred",
    };
    format!(
        "({}) references {}({}) {:?} on update {:?} on delete {:?}{deferral}{validated}",
        c.columns.join(", "),
        fk.table,
        fk.columns.join(", "),
        fk.match_type,
        fk.on_update,
        fk.on_delete,
    )
}

fn report(
    pair: &TablePair<'_>,
    kinds: &[ConstraintKind],
    p: &Pairing<'_, '_>,
    out: &mut Vec<SchemaDifference>,
) {
    let object =
        if kinds.contains(&ConstraintKind::ForeignKey) { "foreign_key" } else { "constraint" };
    let (severity, name, message) = match *p {
        Pairing::Same(_) => return,
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
        Pairing::Missing(e) => match unique_index(pair.target, pair.expected.constraint(e.name)) {
            // CockroachDB keeps a unique constraint as a unique index of the same name.
            Some(index) if index == e.name => return,
            Some(index) => (
                Severity::Info,
                e.name,
                format!(
                    "{} on the source; the target has the unique index {index} instead",
                    e.shown
                ),
            ),
            None => (Severity::Warning, e.name, format!("missing on the target ({})", e.shown)),
        },
        Pairing::Extra(t) => match unique_index(pair.expected, pair.target.constraint(t.name)) {
            Some(index) if index == t.name => return,
            Some(index) => (
                Severity::Info,
                t.name,
                format!(
                    "{} on the target; the source has the unique index {index} instead",
                    t.shown
                ),
            ),
            None => (Severity::Warning, t.name, format!("on the target only ({})", t.shown)),
        },
    };
    out.push(difference(severity, object, &pair.name, Some(name), message));
}

/// The name of a unique index of `table`, backing no constraint, over exactly the columns of
/// the unique constraint `c`.
fn unique_index<'t>(table: &'t Table, c: Option<&Constraint>) -> Option<&'t str> {
    let c = c.filter(|c| c.kind == ConstraintKind::Unique)?;
    let mut wanted = c.columns.clone();
    wanted.sort();
    table
        .indexes
        .iter()
        .filter(|i| i.unique && !i.primary && i.predicate.is_none() && i.constraint.is_none())
        .find(|i| {
            super::indexes::plain_columns(i).is_some_and(|mut cols| {
                cols.sort();
                cols == wanted
            })
        })
        .map(|i| i.name.as_str())
}
