//! Privileges from the objects' ACLs (`aclexplode`) and row-level security policies from
//! `pg_policy`.
//!
//! An ACL of NULL means the object has its default privileges; such objects return no row and
//! get `privileges: None`. Role OID 0 stands for `PUBLIC` in both ACLs and `polroles`.

use tokio_postgres::{Client, Row};

use super::{decode, get, object_ref, query};
use crate::Result;
use crate::schema::introspect::assemble::ObjectRef;
use crate::schema::model::{Grant, Grantee, Policy, PolicyCommand};

/// The explicit ACL entries of objects in `schemas`, grouped per (grantee, grantor, grant
/// option). `None` marks an object whose explicit ACL is empty.
pub async fn grants(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(ObjectRef, Option<Grant>)>> {
    let rows = query(client, include_str!("grants.sql"), "privileges", schemas).await?;
    rows.iter().map(|row| Ok((object_ref(row)?, grant(row)?))).collect()
}

fn grant(row: &Row) -> Result<Option<Grant>> {
    let Some(grantor) = get::<Option<String>>(row, "grantor")? else {
        return Ok(None);
    };
    Ok(Some(Grant {
        grantee: grantee(get(row, "grantee")?),
        grantor,
        privileges: get(row, "privileges")?,
        with_grant_option: get(row, "with_grant_option")?,
    }))
}

/// A role name, or `PUBLIC` for NULL.
fn grantee(role: Option<String>) -> Grantee {
    role.map_or(Grantee::Public, Grantee::Role)
}

/// Row-level security policies on tables in `schemas`.
pub async fn policies(client: &Client, schemas: &[String]) -> Result<Vec<Policy>> {
    let rows = query(client, include_str!("policies.sql"), "policies", schemas).await?;
    rows.iter().map(policy).collect()
}

fn policy(row: &Row) -> Result<Policy> {
    let command: String = get(row, "command")?;
    let roles: Vec<Option<String>> = get(row, "roles")?;
    Ok(Policy {
        schema: get(row, "schema")?,
        table: get(row, "relation")?,
        name: get(row, "name")?,
        command: decode(
            "polcmd",
            &command,
            &[
                ("*", PolicyCommand::All),
                ("r", PolicyCommand::Select),
                ("a", PolicyCommand::Insert),
                ("w", PolicyCommand::Update),
                ("d", PolicyCommand::Delete),
            ],
        )?,
        permissive: get(row, "permissive")?,
        roles: roles.into_iter().map(grantee).collect(),
        using: get(row, "using_expr")?,
        with_check: get(row, "with_check")?,
        comment: None,
    })
}
