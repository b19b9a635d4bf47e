//! Indexes from `pg_index`, one JSON object per key part (see `indexes.sql`).

use tokio_postgres::{Client, Row};

use super::{get, get_json, query};
use crate::schema::model::{Index, IndexKey, IndexTarget, QualifiedName};
use crate::{Error, Result};

/// A key part as `indexes.sql` returns it.
#[derive(Debug, serde::Deserialize)]
struct KeyRow {
    column: Option<String>,
    expression: Option<String>,
    opclass_schema: Option<String>,
    opclass: Option<String>,
    collation_schema: Option<String>,
    collation: Option<String>,
    descending: bool,
    nulls_first: bool,
}

/// Indexes of tables and materialized views in `schemas`, keyed by relation.
pub async fn indexes(client: &Client, schemas: &[String]) -> Result<Vec<(QualifiedName, Index)>> {
    let rows = query(client, include_str!("indexes.sql"), "indexes", schemas).await?;
    rows.iter()
        .map(|row| {
            let table = QualifiedName { schema: get(row, "schema")?, name: get(row, "relation")? };
            Ok((table, index(row)?))
        })
        .collect()
}

fn index(row: &Row) -> Result<Index> {
    let name: String = get(row, "name")?;
    let keys: Vec<KeyRow> = get_json(row, "keys")?;
    let keys = keys.into_iter().map(|key| index_key(&name, key)).collect::<Result<Vec<_>>>()?;
    Ok(Index {
        method: get(row, "method")?,
        unique: get(row, "is_unique")?,
        primary: get(row, "is_primary")?,
        keys,
        include: get(row, "include")?,
        predicate: get(row, "predicate")?,
        nulls_not_distinct: get(row, "nulls_not_distinct")?,
        constraint: get(row, "constraint_name")?,
        valid: get(row, "valid")?,
        inherited: get(row, "inherited")?,
        options: get(row, "options")?,
        definition: get(row, "definition")?,
        comment: None,
        cockroach: Default::default(),
        name,
    })
}

fn index_key(index: &str, key: KeyRow) -> Result<IndexKey> {
    let target = match (key.column, key.expression) {
        (Some(column), _) => IndexTarget::Column(column),
        (None, Some(expression)) => IndexTarget::Expression(expression),
        (None, None) => {
            return Err(Error::internal(format!(
                "The catalog lists a key of index \"{index}\" that is neither a column nor an \
                 expression"
            )));
        }
    };
    let name = |schema: Option<String>, name: Option<String>| {
        schema.zip(name).map(|(schema, name)| QualifiedName { schema, name })
    };
    Ok(IndexKey {
        target,
        opclass: name(key.opclass_schema, key.opclass),
        collation: name(key.collation_schema, key.collation),
        descending: key.descending,
        nulls_first: key.nulls_first,
    })
}
