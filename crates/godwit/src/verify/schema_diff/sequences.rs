//! Sequence values: a target sequence behind its source would hand out keys the source
//! already used, so the next insert on the target could collide.
//!
//! The sequences checked are those the selected source tables use: owned by one of their
//! columns (`serial`, `OWNED BY`, identity) or named by a `nextval` default. Each side's state
//! is `(last_value, is_called)`; the value the next `nextval` returns is `last_value` when
//! `is_called` is false and `last_value + increment` otherwise, and those are compared. With a
//! `CACHE` above 1 the stored value is the end of the range handed to sessions, so a source can
//! look ahead of what it used; never behind.

use std::collections::BTreeSet;

use super::difference;
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::schema::model::{QualifiedName, Schema};
use crate::verify::report::{SchemaDifference, Severity};

/// Sequence values: for sequences owned by (or used as defaults of) the selected tables, read
/// `last_value`/`is_called` on both sides and report a target that is behind the source
/// (Error: the next insert on the target could reuse a key) or ahead (Info). A sequence the
/// target lacks is a warning.
pub async fn sequence_differences(
    source: &Connection,
    target: &Connection,
    source_schema: &Schema,
    target_schema: &Schema,
    tables: &[(String, String)],
) -> Result<Vec<SchemaDifference>> {
    let mut out = Vec::new();
    for name in used(source_schema, tables) {
        let table = name.to_string();
        if target_schema.sequence(&name.schema, &name.name).is_none() {
            let message = "missing on the target".to_owned();
            out.push(difference(Severity::Warning, "sequence", &table, None, message));
            continue;
        }
        let increment = source_schema.sequence(&name.schema, &name.name).map_or(1, |s| s.increment);
        let s = read(source, &name, "source").await?;
        let t = read(target, &name, "target").await?;
        out.extend(compare_values(&name, increment, s, t));
    }
    super::sort(&mut out);
    Ok(out)
}

/// The sequences `tables` of `schema` use, sorted.
pub(super) fn used(schema: &Schema, tables: &[(String, String)]) -> BTreeSet<QualifiedName> {
    let selected = |s: &str, t: &str| tables.iter().any(|(ts, tn)| ts == s && tn == t);
    let mut out: BTreeSet<QualifiedName> = schema
        .sequences
        .iter()
        .filter(|q| q.owned_by.as_ref().is_some_and(|o| selected(&o.schema, &o.table)))
        .map(|q| QualifiedName::new(&q.schema, &q.name))
        .collect();
    for t in schema.tables.iter().filter(|t| selected(&t.schema, &t.name)) {
        for c in &t.columns {
            out.extend(c.identity.as_ref().and_then(|i| i.sequence.clone()));
            out.extend(c.default.as_deref().and_then(|d| nextval_argument(d, &t.schema)));
        }
    }
    out
}

/// The sequence `nextval('...')` names in a default, qualified with `schema` when it is not.
fn nextval_argument(default: &str, schema: &str) -> Option<QualifiedName> {
    let rest = &default[default.to_ascii_lowercase().find("nextval('")? + "nextval('".len()..];
    let name = &rest[..rest.find('\'')?];
    let parts: Vec<String> = split_name(name);
    match parts.as_slice() {
        [n] => Some(QualifiedName::new(schema, n)),
        [.., s, n] => Some(QualifiedName::new(s, n)),
        [] => None,
    }
}

/// `a."B c".d` → `["a", "B c", "d"]`: unquoted parts fold to lower case, as PostgreSQL does.
fn split_name(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c if quoted => current.push(c),
            c => current.push(c.to_ascii_lowercase()),
        }
    }
    parts.push(current);
    parts.retain(|p| !p.is_empty());
    parts
}

/// The statement that reads a sequence's state, on either dialect.
pub(super) fn value_sql(name: &QualifiedName) -> String {
    include_str!("sequence_value.sql")
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .replace("{sequence}", &name.quoted())
}

async fn read(conn: &Connection, name: &QualifiedName, side: &str) -> Result<(i64, bool)> {
    let row = conn
        .client()
        .query_one(&value_sql(name), &[])
        .await
        .map_err(|e| Error::db(format!("reading sequence {name} on the {side}"), e))?;
    let context = || format!("reading sequence {name} on the {side}");
    let last: i64 = row.try_get(0).map_err(|e| Error::db(context(), e))?;
    let called: bool = row.try_get(1).map_err(|e| Error::db(context(), e))?;
    Ok((last, called))
}

/// The difference between the two sides' states of sequence `name`, if their next values differ.
pub(super) fn compare_values(
    name: &QualifiedName,
    increment: i64,
    source: (i64, bool),
    target: (i64, bool),
) -> Option<SchemaDifference> {
    let next = |(last, called): (i64, bool)| {
        i128::from(last) + if called { i128::from(increment) } else { 0 }
    };
    let (s, t) = (next(source), next(target));
    if s == t {
        return None;
    }
    let behind = if increment >= 0 { t < s } else { t > s };
    let (severity, how) = if behind {
        (Severity::Error, "behind the source: the next insert on the target could reuse a key")
    } else {
        (Severity::Info, "ahead of the source")
    };
    let message = format!(
        "{how}: the next value is {s} on the source, {t} on the target (last_value {} and {}, is_called {} and {})",
        source.0, target.0, source.1, target.1
    );
    Some(difference(severity, "sequence", &name.to_string(), None, message))
}
