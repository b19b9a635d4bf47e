//! CockroachDB catalog introspection. TEMPORARY: delegates to the PostgreSQL queries until the
//! CockroachDB backend lands; to be replaced by the lead.

use tokio_postgres::Client;

use crate::Result;
use crate::schema::{Filter, Schema};

/// Read the schema of a CockroachDB database.
pub(super) async fn introspect(client: &Client, filter: &Filter) -> Result<Schema> {
    super::pg::introspect(client, filter).await
}
