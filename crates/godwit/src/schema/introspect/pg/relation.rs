//! Tables, columns, views and sequences from `pg_class`, `pg_attribute` and `pg_sequence`.

use tokio_postgres::{Client, Row};

use super::{decode, get, get_json, qualified, query, unknown_code};
use crate::Result;
use crate::schema::model::{
    CheckOption, Column, ColumnRef, Generated, GeneratedKind, Identity, IdentityKind, PartitionOf,
    Persistence, QualifiedName, ReplicaIdentity, Sequence, Table, TableKind, View,
};

/// Tables of every kind in `schemas`, without their columns, constraints and indexes.
pub async fn tables(client: &Client, schemas: &[String]) -> Result<Vec<Table>> {
    let rows = query(client, include_str!("tables.sql"), "tables", schemas).await?;
    rows.iter().map(table).collect()
}

fn table(row: &Row) -> Result<Table> {
    let kind: String = get(row, "kind")?;
    let persistence: String = get(row, "persistence")?;
    let partition_of = match qualified(row, "parent_schema", "parent_name")? {
        Some(parent) => Some(PartitionOf { parent, bound: get(row, "partition_bound")? }),
        None => None,
    };
    Ok(Table {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        kind: decode(
            "relkind",
            &kind,
            &[("r", TableKind::Regular), ("p", TableKind::Partitioned), ("f", TableKind::Foreign)],
        )?,
        persistence: decode(
            "relpersistence",
            &persistence,
            &[
                ("p", Persistence::Permanent),
                ("u", Persistence::Unlogged),
                ("t", Persistence::Temporary),
            ],
        )?,
        partition_of,
        inherits: get_json(row, "inherits")?,
        partition_key: get(row, "partition_key")?,
        foreign_server: get(row, "foreign_server")?,
        owner: get(row, "owner")?,
        estimated_rows: get(row, "estimated_rows")?,
        total_bytes: get(row, "total_bytes")?,
        replica_identity: replica_identity(row)?,
        row_security: get(row, "row_security")?,
        force_row_security: get(row, "force_row_security")?,
        options: get(row, "options")?,
        comment: None,
        privileges: None,
        cockroach: Default::default(),
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
    })
}

fn replica_identity(row: &Row) -> Result<ReplicaIdentity> {
    let code: String = get(row, "replica_identity")?;
    let index: Option<String> = get(row, "replica_identity_index")?;
    match (code.as_str(), index) {
        ("d", _) => Ok(ReplicaIdentity::Default),
        ("f", _) => Ok(ReplicaIdentity::Full),
        // An index identity whose index was dropped behaves like NOTHING.
        ("n", _) | ("i", None) => Ok(ReplicaIdentity::Nothing),
        ("i", Some(index)) => Ok(ReplicaIdentity::Index(index)),
        (code, _) => Err(unknown_code("relreplident", code)),
    }
}

/// Columns of tables, views and materialized views in `schemas`, keyed by relation.
pub async fn columns(client: &Client, schemas: &[String]) -> Result<Vec<(QualifiedName, Column)>> {
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
    let expression: Option<String> = get(row, "default_expr")?;
    let generated_code: String = get(row, "generated")?;
    let (default, generated) = match generated_code.as_str() {
        "" => (expression, None),
        code => {
            let kind = decode(
                "attgenerated",
                code,
                &[("s", GeneratedKind::Stored), ("v", GeneratedKind::Virtual)],
            )?;
            (None, expression.map(|expression| Generated { kind, expression }))
        }
    };
    Ok(Column {
        name: get(row, "name")?,
        ordinal: get(row, "ordinal")?,
        data_type: get(row, "data_type")?,
        base_type: get(row, "base_type")?,
        typmod: get(row, "typmod")?,
        array_dimensions: get(row, "array_dimensions")?,
        collation: qualified(row, "collation_schema", "collation_name")?,
        not_null: get(row, "not_null")?,
        default,
        identity: identity(row)?,
        generated,
        inherited: get(row, "inherited")?,
        comment: None,
        privileges: None,
        cockroach: Default::default(),
    })
}

fn identity(row: &Row) -> Result<Option<Identity>> {
    let code: String = get(row, "identity")?;
    if code.is_empty() {
        return Ok(None);
    }
    let kind = decode(
        "attidentity",
        &code,
        &[("a", IdentityKind::Always), ("d", IdentityKind::ByDefault)],
    )?;
    let sequence = qualified(row, "identity_sequence_schema", "identity_sequence_name")?;
    Ok(Some(Identity { kind, sequence }))
}

/// Views and materialized views in `schemas`, without their columns and indexes.
pub async fn views(client: &Client, schemas: &[String]) -> Result<Vec<View>> {
    let rows = query(client, include_str!("views.sql"), "views", schemas).await?;
    rows.iter().map(view).collect()
}

fn view(row: &Row) -> Result<View> {
    let check_option: Option<String> = get(row, "check_option")?;
    let check_option = match check_option {
        Some(value) => Some(decode(
            "check_option",
            &value.to_ascii_lowercase(),
            &[("local", CheckOption::Local), ("cascaded", CheckOption::Cascaded)],
        )?),
        None => None,
    };
    Ok(View {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        materialized: get(row, "materialized")?,
        definition: get(row, "definition")?,
        populated: get(row, "populated")?,
        check_option,
        security_barrier: get(row, "security_barrier")?,
        security_invoker: get(row, "security_invoker")?,
        options: get(row, "options")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
        columns: Vec::new(),
        indexes: Vec::new(),
    })
}

/// Sequences in `schemas`, with their owning column.
pub async fn sequences(client: &Client, schemas: &[String]) -> Result<Vec<Sequence>> {
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
    Ok(Sequence {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        data_type: get(row, "data_type")?,
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
