//! Columns: presence, type, nullability, default, identity and generation.
//!
//! Types use fetch's type-fit rules (`fetch::compare::type_fit`) on the normalised spellings:
//! equal is fine, a safe widening is a warning, anything else an error.

use super::normalise::{base_and_dimensions, canonical_type};
use super::{TablePair, difference};
use crate::fetch::compare::{TypeFit, type_fit};
use crate::schema::model::{Column, IdentityKind};
use crate::verify::report::{SchemaDifference, Severity};

/// Every column difference of `pair`.
pub(super) fn compare(pair: &TablePair<'_>, out: &mut Vec<SchemaDifference>) {
    for e in &pair.expected.columns {
        let source = pair.source.column(&e.name).unwrap_or(e);
        let Some(t) = pair.target.column(&e.name) else {
            let message =
                format!("missing on the target (source: {} {})", e.name, source.data_type);
            out.push(difference(Severity::Error, "column", &pair.name, Some(&e.name), message));
            continue;
        };
        data_type(pair, source, e, t, out);
        nullability(pair, e, t, out);
        default(pair, e, t, out);
    }
    for t in &pair.target.columns {
        if pair.expected.column(&t.name).is_none() {
            out.push(extra(pair, t));
        }
    }
}

/// A target column the source does not have.
fn extra(pair: &TablePair<'_>, t: &Column) -> SchemaDifference {
    let filled =
        !t.not_null || t.default.is_some() || t.identity.is_some() || t.generated.is_some();
    let (severity, why) = if t.cockroach.hidden {
        (Severity::Info, "hidden")
    } else if filled {
        (Severity::Warning, "filled with NULL or its default")
    } else {
        (Severity::Error, "NOT NULL without a default: the source's inserts would fail")
    };
    let message = format!("on the target only: {} {} ({why})", t.name, t.data_type);
    difference(severity, "column", &pair.name, Some(&t.name), message)
}

fn data_type(
    pair: &TablePair<'_>,
    source: &Column,
    e: &Column,
    t: &Column,
    out: &mut Vec<SchemaDifference>,
) {
    let expected = canonical_type(&e.data_type, pair.target_dialect);
    let actual = canonical_type(&t.data_type, pair.target_dialect);
    if same_but_qualified(&expected, &actual) {
        return;
    }
    let on_source = if pair.cross() {
        format!(
            "{} on the source (expected as {} on {})",
            source.data_type, e.data_type, pair.target_dialect
        )
    } else {
        format!("{} on the source", source.data_type)
    };
    let (severity, message) = match type_fit(&typed(&expected), &typed(&actual)) {
        TypeFit::Same => return,
        TypeFit::Widening => {
            (Severity::Warning, format!("{on_source} widened to {} on the target", t.data_type))
        }
        TypeFit::Incompatible => {
            (Severity::Error, format!("{on_source}, {} on the target", t.data_type))
        }
    };
    out.push(difference(severity, "type", &pair.name, Some(&e.name), message));
}

/// Equal, or equal but for a schema on one side only: an extension's type (PostGIS's
/// `geometry`) prints qualified where its schema is not on the search path, and a converted
/// schema names it bare.
fn same_but_qualified(a: &str, b: &str) -> bool {
    let unqualified = |long: &str, short: &str| {
        !short.contains('.')
            && long
                .strip_suffix(short)
                .and_then(|s| s.strip_suffix('.'))
                .is_some_and(|schema| !schema.is_empty() && !schema.contains(['.', '(', ' ']))
    };
    a == b || unqualified(a, b) || unqualified(b, a)
}

/// A column of the normalised type `ty`, for `type_fit`.
fn typed(ty: &str) -> Column {
    let (base, dimensions) = base_and_dimensions(ty);
    Column { base_type: base, array_dimensions: dimensions, ..Column::new("c", 1, ty) }
}

fn nullability(pair: &TablePair<'_>, e: &Column, t: &Column, out: &mut Vec<SchemaDifference>) {
    let (severity, message) = match (e.not_null, t.not_null) {
        (true, false) => (Severity::Warning, "NOT NULL on the source, nullable on the target"),
        (false, true) => (
            Severity::Error,
            "nullable on the source, NOT NULL on the target: NULLs cannot be copied",
        ),
        _ => return,
    };
    out.push(difference(severity, "nullability", &pair.name, Some(&e.name), message.into()));
}

/// Default, identity and generation expression: a warning each.
fn default(pair: &TablePair<'_>, e: &Column, t: &Column, out: &mut Vec<SchemaDifference>) {
    let mut warn = |message: String| {
        out.push(difference(Severity::Warning, "default", &pair.name, Some(&e.name), message));
    };
    let expected = e.default.as_deref().map(|d| pair.expected_expression(d));
    let actual = t.default.as_deref().map(|d| pair.target_expression(d));
    if expected != actual {
        warn(format!(
            "default {} on the source, {} on the target",
            shown(&e.default),
            shown(&t.default)
        ));
    }
    let identity = |c: &Column| c.identity.as_ref().map(|i| i.kind);
    if identity(e) != identity(t) {
        warn(format!(
            "identity {} on the source, {} on the target",
            identity_text(identity(e)),
            identity_text(identity(t))
        ));
    }
    let generated_e =
        e.generated.as_ref().map(|g| (g.kind, pair.expected_expression(&g.expression)));
    let generated_t = t.generated.as_ref().map(|g| (g.kind, pair.target_expression(&g.expression)));
    if generated_e != generated_t {
        let text = |c: &Column| c.generated.as_ref().map(|g| g.expression.clone());
        warn(format!(
            "generated as {} on the source, {} on the target",
            shown(&text(e)),
            shown(&text(t))
        ));
    }
}

fn shown(expression: &Option<String>) -> String {
    expression.as_deref().map_or_else(|| "none".to_owned(), |d| format!("`{d}`"))
}

fn identity_text(kind: Option<IdentityKind>) -> &'static str {
    match kind {
        None => "none",
        Some(IdentityKind::Always) => "GENERATED ALWAYS",
        Some(IdentityKind::ByDefault) => "GENERATED BY DEFAULT",
    }
}

#[cfg(test)]
mod tests {
    use super::same_but_qualified;

    #[test]
    fn a_schema_on_one_side_only_is_the_same_type() {
        assert!(same_but_qualified("public.geometry", "geometry"));
        assert!(same_but_qualified("geometry(point,4326)", "public.geometry(point,4326)"));
        assert!(same_but_qualified("integer", "integer"));
        assert!(!same_but_qualified("public.mood", "other.mood"));
        assert!(!same_but_qualified("bigint", "integer"));
    }
}
