//! Reading a [`Schema`] from a live database's catalogs.
//!
//! ```text
//!   introspect(client, dialect, filter)
//!     ├─ Postgres  → pg::introspect ─┐  one query per object kind, all schemas at once,
//!     └─ Cockroach → crdb::introspect ┘  inside one read-only snapshot
//!                                    │
//!                                    ▼
//!                 assemble::Parts (flat rows: tables, columns, indexes, comments, ACLs ...)
//!                                    │  children onto their tables, comments and privileges
//!                                    ▼  onto their objects, everything sorted
//!                                 Schema
//! ```
//!
//! Each backend issues a fixed handful of set-based queries (never one per table), so reading
//! a database with thousands of tables costs the same number of round trips as reading an empty
//! one. Rows are keyed by schema-qualified names rather than OIDs, which is what lets
//! `assemble` stay the same for both dialects.

mod assemble;
mod crdb;
mod pg;
mod row;

use tokio_postgres::Client;

use super::{Filter, Schema};
use crate::Result;
use crate::dialect::Dialect;

/// Run `read` between `begin` (which opens a read-only snapshot transaction) and `release`
/// (which ends it), so every catalog query sees one snapshot; the transaction is ended even
/// when `read` fails, and `read`'s error wins over a failure to end it.
async fn in_snapshot<T>(
    client: &Client,
    begin: &str,
    release: &str,
    read: impl Future<Output = Result<T>>,
) -> Result<T> {
    client
        .batch_execute(begin)
        .await
        .map_err(|e| crate::Error::db("Starting a read-only catalog snapshot", e))?;
    let read = read.await;
    let released = client
        .batch_execute(release)
        .await
        .map_err(|e| crate::Error::db("Ending the catalog snapshot", e));
    let parts = read?;
    released?;
    Ok(parts)
}

/// Read the schema of the database `client` is connected to.
///
/// Only schemas that pass `filter` are read (system schemas never are); objects that belong to
/// an extension are left out, while the extensions themselves are listed. The result is sorted
/// deterministically (see [`crate::schema::model`]).
///
/// The reads run in one read-only transaction that this function opens and closes, so
/// `client` must not be inside a transaction of its own. Errors carry the catalog query that
/// failed; a schema named in `filter.include_schemas` that does not exist is a
/// [`crate::ErrorKind::NotFound`] error.
pub async fn introspect(client: &Client, dialect: Dialect, filter: &Filter) -> Result<Schema> {
    match dialect {
        Dialect::Postgres => pg::introspect(client, filter).await,
        Dialect::Cockroach => crdb::introspect(client, filter).await,
    }
}
