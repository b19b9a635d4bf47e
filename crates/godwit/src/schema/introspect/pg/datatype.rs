//! Enums, domains, composite and range types from `pg_type`, `pg_enum` and `pg_range`.

use tokio_postgres::{Client, Row};

use super::{get, get_json, qualified, query};
use crate::schema::model::{
    CompositeAttribute, CompositeType, Domain, DomainCheck, EnumType, QualifiedName, RangeType,
    Types,
};
use crate::{Error, Result};

/// A domain check as `domains.sql` returns it.
#[derive(Debug, serde::Deserialize)]
struct CheckRow {
    name: String,
    expression: String,
    validated: bool,
}

/// A composite type attribute as `composites.sql` returns it.
#[derive(Debug, serde::Deserialize)]
struct AttributeRow {
    name: String,
    data_type: String,
    collation_schema: Option<String>,
    collation: Option<String>,
}

/// The user-defined types in `schemas`: four queries, one per kind, run together.
pub async fn types(client: &Client, schemas: &[String]) -> Result<Types> {
    let (enums, domains, composites, ranges) = tokio::try_join!(
        query(client, include_str!("enums.sql"), "enum types", schemas),
        query(client, include_str!("domains.sql"), "domains", schemas),
        query(client, include_str!("composites.sql"), "composite types", schemas),
        query(client, include_str!("ranges.sql"), "range types", schemas),
    )?;
    Ok(Types {
        enums: enums.iter().map(enum_type).collect::<Result<_>>()?,
        domains: domains.iter().map(domain).collect::<Result<_>>()?,
        composites: composites.iter().map(composite).collect::<Result<_>>()?,
        ranges: ranges.iter().map(range).collect::<Result<_>>()?,
    })
}

fn enum_type(row: &Row) -> Result<EnumType> {
    Ok(EnumType {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        labels: get(row, "labels")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

fn domain(row: &Row) -> Result<Domain> {
    let checks: Vec<CheckRow> = get_json(row, "checks")?;
    Ok(Domain {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        base_type: get(row, "base_type")?,
        not_null: get(row, "not_null")?,
        default: get(row, "default_expr")?,
        collation: qualified(row, "collation_schema", "collation_name")?,
        checks: checks
            .into_iter()
            .map(|c| DomainCheck {
                name: c.name,
                expression: c.expression,
                validated: c.validated,
                comment: None,
            })
            .collect(),
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

fn composite(row: &Row) -> Result<CompositeType> {
    let attributes: Vec<AttributeRow> = get_json(row, "attributes")?;
    Ok(CompositeType {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        attributes: attributes
            .into_iter()
            .map(|a| CompositeAttribute {
                name: a.name,
                data_type: a.data_type,
                collation: a
                    .collation_schema
                    .zip(a.collation)
                    .map(|(schema, name)| QualifiedName { schema, name }),
            })
            .collect(),
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

fn range(row: &Row) -> Result<RangeType> {
    let name: String = get(row, "name")?;
    let subtype_opclass = qualified(row, "opclass_schema", "opclass_name")?.ok_or_else(|| {
        Error::internal(format!("The catalog lists range type \"{name}\" without an opclass"))
    })?;
    Ok(RangeType {
        schema: get(row, "schema")?,
        subtype: get(row, "subtype")?,
        subtype_opclass,
        collation: qualified(row, "collation_schema", "collation_name")?,
        canonical: get(row, "canonical")?,
        subtype_diff: get(row, "subtype_diff")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
        name,
    })
}
