//! Comments from `pg_description`, keyed by object names (see `comments.sql`).

use tokio_postgres::Client;

use super::super::assemble::ObjectRef;
use super::super::row::{get, object_ref, query};
use crate::Result;

/// Every comment on a schema, relation, column, index, constraint, type or routine in
/// `schemas`.
pub(super) async fn comments(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(ObjectRef, String)>> {
    let rows = query(client, include_str!("comments.sql"), "comments", schemas).await?;
    rows.iter().map(|row| Ok((object_ref(row)?, get(row, "description")?))).collect()
}
