//! Privileges from `information_schema` and row-level security policies from `pg_policy`.
//!
//! CockroachDB keeps no ACLs in its `pg_catalog` (see `grants.sql`), so a grant's grantor is the
//! object's owner and an object's privileges are `None` unless a role other than its owner,
//! `admin` and `root` holds some. An explicitly emptied ACL cannot be told apart from the
//! default. Policies exist from v25.2; before that none are read.

use tokio_postgres::{Client, Row};

use super::super::assemble::ObjectRef;
use super::super::row::{decode, get, object_ref, query};
use crate::Result;
use crate::schema::model::{Grant, Grantee, Policy, PolicyCommand};

/// The grants on objects in `schemas`, one per (object, grantee, grant option).
pub(super) async fn grants(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(ObjectRef, Option<Grant>)>> {
    let rows = query(client, include_str!("grants.sql"), "privileges", schemas).await?;
    rows.iter().map(|row| Ok((object_ref(row)?, Some(grant(row)?)))).collect()
}

fn grant(row: &Row) -> Result<Grant> {
    Ok(Grant {
        grantee: grantee(get(row, "grantee")?),
        grantor: get(row, "grantor")?,
        privileges: get(row, "privileges")?,
        with_grant_option: get(row, "with_grant_option")?,
    })
}

/// A role name, or `PUBLIC` for NULL.
fn grantee(role: Option<String>) -> Grantee {
    role.map_or(Grantee::Public, Grantee::Role)
}

/// Row-level security policies on tables in `schemas`; none before v25.2.
pub(super) async fn policies(
    client: &Client,
    schemas: &[String],
    available: bool,
) -> Result<Vec<Policy>> {
    if !available {
        return Ok(Vec::new());
    }
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
        command: policy_command(&command)?,
        permissive: get(row, "permissive")?,
        roles: roles.into_iter().map(grantee).collect(),
        using: get(row, "using_expr")?,
        with_check: get(row, "with_check")?,
        comment: None,
    })
}

/// `polcmd`, with PostgreSQL's codes (row_level_security logic test).
fn policy_command(code: &str) -> Result<PolicyCommand> {
    decode(
        "polcmd",
        code,
        &[
            ("*", PolicyCommand::All),
            ("r", PolicyCommand::Select),
            ("a", PolicyCommand::Insert),
            ("w", PolicyCommand::Update),
            ("d", PolicyCommand::Delete),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_policy_commands() {
        assert_eq!(policy_command("*").unwrap(), PolicyCommand::All);
        assert_eq!(policy_command("r").unwrap(), PolicyCommand::Select);
        assert_eq!(policy_command("a").unwrap(), PolicyCommand::Insert);
        assert_eq!(policy_command("w").unwrap(), PolicyCommand::Update);
        assert_eq!(policy_command("d").unwrap(), PolicyCommand::Delete);
        assert!(policy_command("x").is_err());
    }

    #[test]
    fn maps_null_grantees_to_public() {
        assert_eq!(grantee(None), Grantee::Public);
        assert_eq!(grantee(Some("alice".into())), Grantee::Role("alice".into()));
    }
}
