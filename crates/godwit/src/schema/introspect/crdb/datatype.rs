//! Enums and composite types from `pg_type`, `pg_enum` and `pg_attribute`.
//!
//! CockroachDB has no range types and, in every released version, no domains (`CREATE
//! DOMAIN` only parses on the unreleased master branch), so those lists are always empty and
//! not queried. Composite types exist from v23.1. Collations of composite attributes are not
//! reported: CockroachDB's collations belong to the attribute's type.

use tokio_postgres::{Client, Row};

use super::super::row::{get, get_json, query};
use crate::Result;
use crate::schema::model::{CompositeAttribute, CompositeType, EnumType, Types};

/// A composite type attribute as `composites.sql` returns it.
#[derive(Debug, serde::Deserialize)]
struct AttributeRow {
    name: String,
    data_type: String,
}

/// The user-defined types in `schemas`: enums and composites, read together.
pub(super) async fn types(client: &Client, schemas: &[String]) -> Result<Types> {
    let (enums, composites) = tokio::try_join!(
        query(client, include_str!("enums.sql"), "enum types", schemas),
        query(client, include_str!("composites.sql"), "composite types", schemas),
    )?;
    Ok(Types {
        enums: enums.iter().map(enum_type).collect::<Result<_>>()?,
        domains: Vec::new(),
        composites: composites.iter().map(composite).collect::<Result<_>>()?,
        ranges: Vec::new(),
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

fn composite(row: &Row) -> Result<CompositeType> {
    let attributes: Vec<AttributeRow> = get_json(row, "attributes")?;
    Ok(CompositeType {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        attributes: attributes
            .into_iter()
            .map(|a| CompositeAttribute { name: a.name, data_type: a.data_type, collation: None })
            .collect(),
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}
