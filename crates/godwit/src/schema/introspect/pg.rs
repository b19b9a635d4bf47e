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

use tokio_postgres::Client;

use super::assemble::{Parts, assemble};
use super::row::{decode, get, get_json, object_ref, qualified, query, unknown_code};
use crate::dialect::Dialect;
use crate::schema::Filter;
use crate::schema::model::{Extension, Namespace, Schema};
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
    let begin = include_str!("pg/snapshot.sql");
    let release = include_str!("pg/release.sql");
    let parts = super::in_snapshot(client, begin, release, Box::pin(read(client, filter))).await?;
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
