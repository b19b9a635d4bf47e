//! Table constraints from `pg_constraint`.

use tokio_postgres::{Client, Row};

use super::{decode, get, qualified, query};
use crate::schema::model::{
    Constraint, ConstraintKind, ForeignKey, MatchType, QualifiedName, ReferentialAction,
};
use crate::{Error, Result};

/// Primary key, unique, foreign-key, check and exclusion constraints in `schemas`, keyed by
/// table.
pub async fn constraints(
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
    let kind = decode(
        "contype",
        &code,
        &[
            ("p", ConstraintKind::PrimaryKey),
            ("u", ConstraintKind::Unique),
            ("f", ConstraintKind::ForeignKey),
            ("c", ConstraintKind::Check),
            ("x", ConstraintKind::Exclusion),
        ],
    )?;
    let foreign_key = match kind {
        ConstraintKind::ForeignKey => Some(foreign_key(row)?),
        _ => None,
    };
    Ok(Constraint {
        name: get(row, "name")?,
        kind,
        columns: get(row, "columns")?,
        definition: get(row, "definition")?,
        index: get(row, "index_name")?,
        nulls_not_distinct: get(row, "nulls_not_distinct")?,
        foreign_key,
        check: get(row, "check_expr")?,
        exclusion_operators: get(row, "exclusion_operators")?,
        deferrable: get(row, "deferrable")?,
        initially_deferred: get(row, "initially_deferred")?,
        validated: get(row, "validated")?,
        no_inherit: get(row, "no_inherit")?,
        inherited: get(row, "inherited")?,
        comment: None,
        cockroach: Default::default(),
    })
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
