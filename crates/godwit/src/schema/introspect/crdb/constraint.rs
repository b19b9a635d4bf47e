//! Table constraints from `pg_constraint`, with `information_schema.key_column_usage` for the
//! columns of `UNIQUE WITHOUT INDEX` constraints.
//!
//! CockroachDB constraints are never deferrable, never inherited and never exclusion
//! constraints. A `UNIQUE WITHOUT INDEX` constraint is a unique constraint without an index,
//! marked `cockroach.without_index`; the predicate of a partial unique constraint, which
//! CockroachDB prints as `... WHERE (predicate)` at the end of `definition`, goes to
//! `cockroach.predicate`.

use tokio_postgres::{Client, Row};

use super::super::row::{decode, get, qualified, query};
use super::strip_parentheses;
use crate::schema::model::{
    CockroachConstraint, Constraint, ConstraintKind, ForeignKey, MatchType, QualifiedName,
    ReferentialAction,
};
use crate::{Error, Result};

/// Primary key, unique, foreign-key and check constraints in `schemas`, keyed by table.
pub(super) async fn constraints(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(QualifiedName, Constraint)>> {
    let rows = query(client, include_str!("constraints.sql"), "constraints", schemas).await?;
    rows.iter()
        .map(|row| {
            let table = QualifiedName { schema: get(row, "schema")?, name: get(row, "relation")? };
            Ok((table, constraint(row)?))
        })
        .collect()
}

fn constraint(row: &Row) -> Result<Constraint> {
    let code: String = get(row, "kind")?;
    let kind = constraint_kind(&code)?;
    let foreign_key = match kind {
        ConstraintKind::ForeignKey => Some(foreign_key(row)?),
        _ => None,
    };
    let definition: String = get(row, "definition")?;
    let index: Option<String> = get(row, "index_name")?;
    let cockroach = match kind {
        ConstraintKind::Unique => CockroachConstraint {
            without_index: index.is_none(),
            predicate: unique_predicate(&definition),
        },
        _ => CockroachConstraint::default(),
    };
    Ok(Constraint {
        name: get(row, "name")?,
        kind,
        columns: get(row, "columns")?,
        definition,
        index,
        nulls_not_distinct: false,
        foreign_key,
        check: get(row, "check_expr")?,
        exclusion_operators: Vec::new(),
        deferrable: false,
        initially_deferred: false,
        validated: get(row, "validated")?,
        no_inherit: false,
        inherited: false,
        comment: None,
        cockroach,
    })
}

/// The predicate of a partial unique constraint: CockroachDB's `condef` ends with
/// `WHERE (predicate)` after the column list (`pg_catalog.go`, populateTableConstraints).
fn unique_predicate(definition: &str) -> Option<String> {
    let mut depth = 0_i32;
    for (at, c) in definition.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0 => {
                let rest = definition.get(at + 1..)?;
                if rest.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("where ")) {
                    let predicate = strip_parentheses(rest.get(6..)?.trim());
                    return Some(predicate.to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// `contype`; CockroachDB never reports exclusion (`x`) or constraint triggers (`t`).
fn constraint_kind(code: &str) -> Result<ConstraintKind> {
    decode(
        "contype",
        code,
        &[
            ("p", ConstraintKind::PrimaryKey),
            ("u", ConstraintKind::Unique),
            ("f", ConstraintKind::ForeignKey),
            ("c", ConstraintKind::Check),
        ],
    )
}

fn foreign_key(row: &Row) -> Result<ForeignKey> {
    let table = qualified(row, "ref_schema", "ref_table")?.ok_or_else(|| {
        Error::internal("The catalog lists a foreign key without a referenced table")
    })?;
    let match_type: String = get(row, "match_type")?;
    let on_update: String = get(row, "on_update")?;
    let on_delete: String = get(row, "on_delete")?;
    Ok(ForeignKey {
        table,
        columns: get(row, "ref_columns")?,
        match_type: decode(
            "confmatchtype",
            &match_type,
            &[("s", MatchType::Simple), ("f", MatchType::Full), ("p", MatchType::Partial)],
        )?,
        on_update: referential_action("confupdtype", &on_update)?,
        on_delete: referential_action("confdeltype", &on_delete)?,
    })
}

/// `confupdtype` / `confdeltype`, which CockroachDB fills with PostgreSQL's codes
/// (`pg_catalog.go`, `fkActionMap`).
fn referential_action(what: &str, code: &str) -> Result<ReferentialAction> {
    decode(
        what,
        code,
        &[
            ("a", ReferentialAction::NoAction),
            ("r", ReferentialAction::Restrict),
            ("c", ReferentialAction::Cascade),
            ("n", ReferentialAction::SetNull),
            ("d", ReferentialAction::SetDefault),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_constraint_kinds() {
        assert_eq!(constraint_kind("p").unwrap(), ConstraintKind::PrimaryKey);
        assert_eq!(constraint_kind("u").unwrap(), ConstraintKind::Unique);
        assert_eq!(constraint_kind("f").unwrap(), ConstraintKind::ForeignKey);
        assert_eq!(constraint_kind("c").unwrap(), ConstraintKind::Check);
        assert!(constraint_kind("x").is_err());
    }

    #[test]
    fn finds_the_predicate_of_partial_unique_constraints() {
        let partial = "UNIQUE WITHOUT INDEX (a, b) NOT VALID WHERE (b > 0:::INT8)";
        assert_eq!(unique_predicate(partial).as_deref(), Some("b > 0:::INT8"));
        assert_eq!(
            unique_predicate("UNIQUE (a ASC) WHERE (a IS NOT NULL)").as_deref(),
            Some("a IS NOT NULL")
        );
        assert_eq!(unique_predicate("UNIQUE WITHOUT INDEX (\"a where b\")"), None);
        assert_eq!(unique_predicate("UNIQUE (a ASC)"), None);
    }

    #[test]
    fn decodes_referential_actions() {
        assert_eq!(referential_action("a", "a").unwrap(), ReferentialAction::NoAction);
        assert_eq!(referential_action("a", "r").unwrap(), ReferentialAction::Restrict);
        assert_eq!(referential_action("a", "c").unwrap(), ReferentialAction::Cascade);
        assert_eq!(referential_action("a", "n").unwrap(), ReferentialAction::SetNull);
        assert_eq!(referential_action("a", "d").unwrap(), ReferentialAction::SetDefault);
        assert!(referential_action("confdeltype", "z").is_err());
    }
}
