//! Tables, columns, views and sequences from `pg_class`, `pg_attribute`, `pg_sequences` and
//! `information_schema`, with localities and row estimates from `crdb_internal`.
//!
//! CockroachDB tables are always regular (`relkind 'r'`), never partitions or inheritance
//! children, and always report the default replica identity. Hidden columns (`rowid`, hash
//! shard columns, `crdb_internal_expiration`, `crdb_region`) are listed like any other column
//! and marked `cockroach.hidden`. Column families, `ON UPDATE` expressions, partitioning and
//! zone configurations are in no catalog these queries read (only in `SHOW CREATE` text), so
//! those `cockroach` fields stay empty.

use std::collections::HashMap;

use tokio_postgres::{Client, Row};

use super::super::row::{decode, get, qualified, query};
use crate::schema::model::{
    CockroachColumn, CockroachTable, Column, ColumnRef, Generated, GeneratedKind, Identity,
    IdentityKind, Persistence, QualifiedName, ReplicaIdentity, Sequence, Table, TableKind, View,
};
use crate::{Error, Result};

/// Tables in `schemas`, without their columns, constraints and indexes.
pub(super) async fn tables(client: &Client, schemas: &[String]) -> Result<Vec<Table>> {
    let (rows, details) = tokio::try_join!(
        query(client, include_str!("tables.sql"), "tables", schemas),
        query(
            client,
            include_str!("table_details.sql"),
            "table localities and statistics",
            schemas
        ),
    )?;
    let mut details = details
        .iter()
        .map(|row| {
            let name = QualifiedName { schema: get(row, "schema")?, name: get(row, "name")? };
            let detail: Detail = (get(row, "locality")?, get(row, "estimated_rows")?);
            Ok((name, detail))
        })
        .collect::<Result<HashMap<_, _>>>()?;
    rows.iter()
        .map(|row| {
            let mut table = table(row)?;
            let (locality, estimated_rows) =
                details.remove(&table.qualified_name()).unwrap_or_default();
            table.estimated_rows = estimated_rows;
            table.cockroach.locality = locality;
            Ok(table)
        })
        .collect()
}

/// A table's locality and row estimate, from `table_details.sql`.
type Detail = (Option<String>, Option<i64>);

fn table(row: &Row) -> Result<Table> {
    let persistence: String = get(row, "persistence")?;
    Ok(Table {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        kind: TableKind::Regular,
        persistence: decode(
            "relpersistence",
            &persistence,
            &[("p", Persistence::Permanent), ("t", Persistence::Temporary)],
        )?,
        partition_of: None,
        inherits: Vec::new(),
        partition_key: None,
        foreign_server: None,
        owner: get(row, "owner")?,
        estimated_rows: None,
        total_bytes: None,
        replica_identity: ReplicaIdentity::Default,
        row_security: get(row, "row_security")?,
        force_row_security: get(row, "force_row_security")?,
        options: get(row, "options")?,
        comment: None,
        privileges: None,
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        cockroach: CockroachTable::default(),
    })
}

/// Columns of tables, views and materialized views in `schemas`, keyed by relation.
pub(super) async fn columns(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(QualifiedName, Column)>> {
    let rows = query(client, include_str!("columns.sql"), "columns", schemas).await?;
    rows.iter()
        .map(|row| {
            Ok((
                QualifiedName { schema: get(row, "schema")?, name: get(row, "relation")? },
                column(row)?,
            ))
        })
        .collect()
}

fn column(row: &Row) -> Result<Column> {
    let default: Option<String> = get(row, "default_expr")?;
    let generated = generated(row, default.clone())?;
    let identity = identity(row)?;
    // A generated column's expression and an identity column's nextval are not defaults.
    let default = if generated.is_some() || identity.is_some() { None } else { default };
    let collation: Option<String> = get(row, "collation")?;
    Ok(Column {
        name: get(row, "name")?,
        ordinal: get(row, "ordinal")?,
        data_type: get(row, "data_type")?,
        base_type: get(row, "base_type")?,
        typmod: get(row, "typmod")?,
        array_dimensions: get(row, "array_dimensions")?,
        collation: collation.map(|name| QualifiedName::new("pg_catalog", name)),
        not_null: get(row, "not_null")?,
        default,
        identity,
        generated,
        inherited: false,
        comment: None,
        privileges: None,
        cockroach: CockroachColumn { hidden: get(row, "hidden")?, ..CockroachColumn::default() },
    })
}

/// The generation rule of a computed column: `pg_attrdef` holds the expression on newer
/// servers, `information_schema.columns` on all of them.
fn generated(row: &Row, attrdef: Option<String>) -> Result<Option<Generated>> {
    let code: String = get(row, "generated")?;
    if code.is_empty() {
        return Ok(None);
    }
    let kind = decode(
        "attgenerated",
        &code,
        &[("s", GeneratedKind::Stored), ("v", GeneratedKind::Virtual)],
    )?;
    let expression = attrdef.or(get(row, "generation_expr")?).ok_or_else(|| {
        Error::internal("The catalog lists a computed column without its expression")
    })?;
    Ok(Some(Generated { kind, expression }))
}

fn identity(row: &Row) -> Result<Option<Identity>> {
    let code: String = get(row, "identity")?;
    if code.is_empty() {
        return Ok(None);
    }
    let kind = identity_kind(&code)?;
    let sequence = qualified(row, "identity_sequence_schema", "identity_sequence_name")?;
    Ok(Some(Identity { kind, sequence }))
}

/// `attidentity`: `a` for ALWAYS; `d` for BY DEFAULT (`b` on older CockroachDB releases).
fn identity_kind(code: &str) -> Result<IdentityKind> {
    decode(
        "attidentity",
        code,
        &[
            ("a", IdentityKind::Always),
            ("d", IdentityKind::ByDefault),
            ("b", IdentityKind::ByDefault),
        ],
    )
}

/// Views and materialized views in `schemas`, without their columns and indexes.
pub(super) async fn views(client: &Client, schemas: &[String]) -> Result<Vec<View>> {
    let rows = query(client, include_str!("views.sql"), "views", schemas).await?;
    rows.iter().map(view).collect()
}

fn view(row: &Row) -> Result<View> {
    Ok(View {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        materialized: get(row, "materialized")?,
        definition: get(row, "definition")?,
        populated: true,
        check_option: None,
        security_barrier: false,
        security_invoker: false,
        options: get(row, "options")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
        columns: Vec::new(),
        indexes: Vec::new(),
    })
}

/// Sequences in `schemas`, with their owning column.
pub(super) async fn sequences(client: &Client, schemas: &[String]) -> Result<Vec<Sequence>> {
    let rows = query(client, include_str!("sequences.sql"), "sequences", schemas).await?;
    rows.iter().map(sequence).collect()
}

fn sequence(row: &Row) -> Result<Sequence> {
    let owned_by = match qualified(row, "owned_by_schema", "owned_by_table")? {
        Some(table) => Some(ColumnRef {
            schema: table.schema,
            table: table.name,
            column: get(row, "owned_by_column")?,
        }),
        None => None,
    };
    let data_type: String = get(row, "data_type")?;
    Ok(Sequence {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        data_type: sequence_type(&data_type)?.to_owned(),
        start: get(row, "start")?,
        increment: get(row, "increment")?,
        min: get(row, "min")?,
        max: get(row, "max")?,
        cache: get(row, "cache")?,
        cycle: get(row, "cycle")?,
        last_value: get(row, "last_value")?,
        owned_by,
        identity: get(row, "identity")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

/// The PostgreSQL name of a sequence's integer type as `information_schema.sequences` spells
/// it on CockroachDB (`INT2`, `INT4`, `INT8`).
fn sequence_type(code: &str) -> Result<&'static str> {
    decode(
        "sequence data_type",
        &code.to_ascii_uppercase(),
        &[("INT2", "smallint"), ("INT4", "integer"), ("INT8", "bigint")],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_identity_codes_of_every_release() {
        assert_eq!(identity_kind("a").unwrap(), IdentityKind::Always);
        assert_eq!(identity_kind("d").unwrap(), IdentityKind::ByDefault);
        assert_eq!(identity_kind("b").unwrap(), IdentityKind::ByDefault);
        assert!(identity_kind("x").is_err());
    }

    #[test]
    fn maps_sequence_types_to_postgres_names() {
        assert_eq!(sequence_type("INT8").unwrap(), "bigint");
        assert_eq!(sequence_type("int4").unwrap(), "integer");
        assert_eq!(sequence_type("INT2").unwrap(), "smallint");
        assert!(sequence_type("DECIMAL").is_err());
    }
}
