//! PostgreSQL catalog introspection (PostgreSQL 12 to 17).
//!
//! One query per object kind, each in its own `pg/<kind>.sql` file, each reading every selected
//! schema at once: the selected schema names travel as one `text[]` parameter. The queries run
//! pipelined on one connection, inside one `REPEATABLE READ, READ ONLY` transaction so that they
//! all see the same catalog snapshot, with `search_path` emptied for the transaction so that
//! `format_type`, `pg_get_expr` and the `pg_get_*def` functions qualify every name outside
//! `pg_catalog` (pg_dump does the same; see the [`format_type`] and [system information
//! functions] docs).
//!
//! Catalog behaviour relied on:
//!
//! - objects created by an extension have a `pg_depend` row with `deptype = 'e'`; they are
//!   left out, the extension itself is listed;
//! - single-character codes (`relkind`, `contype`, `prokind`, ...) are returned as text and
//!   decoded here; an unknown code is an [`crate::ErrorKind::Internal`] error naming it, never
//!   a panic;
//! - columns that only exist in newer versions (`pg_index.indnullsnotdistinct` from 15,
//!   `pg_trigger.tgparentid` from 13) are read through `to_jsonb(row) ->> 'column'`, which is
//!   NULL on older servers instead of an error, so one query text serves every version;
//! - values are cast in SQL to `text`, `int4`, `int8`, `bool`, `text[]` or `jsonb` so that no
//!   extra tokio-postgres type support is needed.
//!
//! [`format_type`]: https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG
//! [system information functions]: https://www.postgresql.org/docs/current/functions-info.html

mod comment;
mod constraint;
mod datatype;
mod index;
mod relation;
mod routine;
mod security;

use serde::de::DeserializeOwned;
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Row};

use super::assemble::{ObjectRef, Parts, assemble};
use crate::dialect::Dialect;
use crate::schema::Filter;
use crate::schema::model::{Extension, Namespace, QualifiedName, Schema};
use crate::{Error, ErrorKind, Result};

pub use comment::comments;
pub use constraint::constraints;
pub use datatype::types;
pub use index::indexes;
pub use relation::{columns, sequences, tables, views};
pub use routine::{routines, rules, triggers};
pub use security::{grants, policies};

/// Read the schema of a PostgreSQL database inside one read-only snapshot.
pub async fn introspect(client: &Client, filter: &Filter) -> Result<Schema> {
    client
        .batch_execute(include_str!("pg/snapshot.sql"))
        .await
        .map_err(|e| Error::db("Starting a read-only catalog snapshot", e))?;
    let read = read(client, filter).await;
    let released = client
        .batch_execute(include_str!("pg/release.sql"))
        .await
        .map_err(|e| Error::db("Ending the catalog snapshot", e));
    let parts = read?;
    released?;
    assemble(Dialect::Postgres, parts)
}

/// Run every catalog query and collect the rows.
async fn read(client: &Client, filter: &Filter) -> Result<Parts> {
    let (database, server_version) = database(client).await?;
    let schemas = schemas(client, filter).await?;
    let names: Vec<String> = schemas.iter().map(|s| s.name.clone()).collect();
    let names = names.as_slice();
    let (tables, columns, constraints, indexes, views, sequences, types, routines) = tokio::try_join!(
        tables(client, names),
        columns(client, names),
        constraints(client, names),
        indexes(client, names),
        views(client, names),
        sequences(client, names),
        types(client, names),
        routines(client, names),
    )?;
    let (triggers, rules, policies, extensions, comments, grants) = tokio::try_join!(
        triggers(client, names),
        rules(client, names),
        policies(client, names),
        extensions(client),
        comments(client, names),
        grants(client, names),
    )?;
    Ok(Parts {
        server_version: Some(server_version),
        database,
        schemas,
        tables,
        views,
        columns,
        constraints,
        indexes,
        sequences,
        types,
        routines,
        triggers,
        rules,
        policies,
        extensions,
        comments,
        grants,
    })
}

/// The database name and the server version string.
async fn database(client: &Client) -> Result<(String, String)> {
    let row = client
        .query_one(include_str!("pg/database.sql"), &[])
        .await
        .map_err(|e| Error::db("Reading the database name and server version", e))?;
    Ok((get(&row, "database")?, get(&row, "server_version")?))
}

/// The schemas that pass `filter`, by name. A schema the filter names explicitly but the
/// database lacks is a [`ErrorKind::NotFound`] error.
pub async fn schemas(client: &Client, filter: &Filter) -> Result<Vec<Namespace>> {
    let rows = client
        .query(include_str!("pg/schemas.sql"), &[])
        .await
        .map_err(|e| Error::db("Reading schemas from pg_namespace", e))?;
    let all = rows
        .iter()
        .map(|row| {
            let name: String = get(row, "name")?;
            let owner = get(row, "owner")?;
            Ok(Namespace { name, owner, comment: None, privileges: None })
        })
        .collect::<Result<Vec<_>>>()?;
    let names: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    if let Some(missing) = filter.missing_schemas(&names).first() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("Schema \"{missing}\" does not exist"),
        ));
    }
    Ok(all.into_iter().filter(|s| filter.includes_schema(&s.name)).collect())
}

/// Every installed extension, whatever the schema filter says.
pub async fn extensions(client: &Client) -> Result<Vec<Extension>> {
    let rows = client
        .query(include_str!("pg/extensions.sql"), &[])
        .await
        .map_err(|e| Error::db("Reading extensions from pg_extension", e))?;
    rows.iter()
        .map(|row| {
            Ok(Extension {
                name: get(row, "name")?,
                version: get(row, "version")?,
                schema: get(row, "schema")?,
                comment: None,
            })
        })
        .collect()
}

/// Run one catalog query whose only parameter is the list of selected schemas.
async fn query(client: &Client, sql: &str, what: &str, schemas: &[String]) -> Result<Vec<Row>> {
    client
        .query(sql, &[&schemas])
        .await
        .map_err(|e| Error::db(format!("Reading {what} from the catalog"), e))
}

/// One column of a catalog row, or an internal error naming the column.
fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> Result<T> {
    row.try_get(column).map_err(|e| {
        Error::internal(format!("Unexpected value in catalog column \"{column}\"")).with_source(e)
    })
}

/// A `jsonb` column of a catalog row, decoded into `T`.
fn get_json<T: DeserializeOwned>(row: &Row, column: &str) -> Result<T> {
    let value: serde_json::Value = get(row, column)?;
    serde_json::from_value(value).map_err(|e| {
        Error::internal(format!("Unexpected JSON in catalog column \"{column}\"")).with_source(e)
    })
}

/// Decode a single-character catalog code with a lookup table.
fn decode<T: Copy>(what: &str, code: &str, table: &[(&str, T)]) -> Result<T> {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, value)| *value)
        .ok_or_else(|| unknown_code(what, code))
}

/// The error for a catalog code this version of godwit does not know.
fn unknown_code(what: &str, code: &str) -> Error {
    Error::internal(format!("Unknown {what} code \"{code}\" in the catalog"))
}

/// A name from a nullable (schema, name) column pair: both or neither.
fn qualified(row: &Row, schema: &str, name: &str) -> Result<Option<QualifiedName>> {
    let schema: Option<String> = get(row, schema)?;
    let name: Option<String> = get(row, name)?;
    Ok(schema.zip(name).map(|(schema, name)| QualifiedName { schema, name }))
}

/// The object a comments.sql or grants.sql row is about.
fn object_ref(row: &Row) -> Result<ObjectRef> {
    let kind: String = get(row, "kind")?;
    let schema: Option<String> = get(row, "schema")?;
    let parent: Option<String> = get(row, "parent")?;
    let name: String = get(row, "name")?;
    let detail: Option<String> = get(row, "detail")?;
    let missing = || Error::internal(format!("A catalog {kind} row lacks its schema or parent"));
    let owner =
        schema.clone().zip(parent).map(|(schema, parent)| QualifiedName { schema, name: parent });
    let own = schema.map(|schema| QualifiedName::new(schema, &name));
    Ok(match kind.as_str() {
        "schema" => ObjectRef::Schema(name),
        "extension" => ObjectRef::Extension(name),
        "relation" => ObjectRef::Relation(own.ok_or_else(missing)?),
        "type" => ObjectRef::Type(own.ok_or_else(missing)?),
        "routine" => ObjectRef::Routine(own.ok_or_else(missing)?, detail.unwrap_or_default()),
        "column" => ObjectRef::Column(owner.ok_or_else(missing)?, name),
        "index" => ObjectRef::Index(owner.ok_or_else(missing)?, name),
        "constraint" => ObjectRef::Constraint(owner.ok_or_else(missing)?, name),
        "domain_constraint" => ObjectRef::DomainConstraint(owner.ok_or_else(missing)?, name),
        "trigger" => ObjectRef::Trigger(owner.ok_or_else(missing)?, name),
        "rule" => ObjectRef::Rule(owner.ok_or_else(missing)?, name),
        "policy" => ObjectRef::Policy(owner.ok_or_else(missing)?, name),
        other => {
            return Err(Error::internal(format!("Unknown catalog object kind \"{other}\"")));
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_codes_and_rejects_others() {
        let table = [("a", 1), ("b", 2)];
        assert_eq!(decode("test", "b", &table).unwrap(), 2);
        let err = decode("relkind", "z", &table).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.message().contains("relkind"), "{}", err.message());
    }
}
