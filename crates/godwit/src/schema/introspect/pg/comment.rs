//! Comments from `pg_description`, keyed by object names (see `comments.sql`).

use tokio_postgres::Client;

use super::{get, object_ref, query};
use crate::Result;
use crate::schema::introspect::assemble::ObjectRef;

/// Every comment on an object in `schemas`, and every extension comment.
pub async fn comments(client: &Client, schemas: &[String]) -> Result<Vec<(ObjectRef, String)>> {
    let rows = query(client, include_str!("comments.sql"), "comments", schemas).await?;
    rows.iter().map(|row| Ok((object_ref(row)?, get(row, "description")?))).collect()
}
