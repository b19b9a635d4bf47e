//! Access control: privileges granted on objects, and row-level security policies.
//!
//! Privileges come from the objects' ACLs, exploded into one [`Grant`] per (grantee, grantor,
//! grant option) so that each maps to one `GRANT ... TO ... [WITH GRANT OPTION]` statement.

/// Privileges one role granted to another on an object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// Who received the privileges.
    pub grantee: Grantee,
    /// The role that granted them (the owner, for grants the owner made).
    pub grantor: String,
    /// Privilege names as in `GRANT` (`SELECT`, `INSERT`, `EXECUTE`, `USAGE`, ...), in the
    /// server's order.
    pub privileges: Vec<String>,
    /// `WITH GRANT OPTION`: the grantee may grant these privileges on.
    pub with_grant_option: bool,
}

/// The receiver of a grant or the target of a policy.
///
/// `PUBLIC` is a pseudo-role, kept apart from roles because a real role may be named `"PUBLIC"`
/// (quoted). In JSON: `"public"` or `{"role": "alice"}`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    /// Every role.
    Public,
    /// A named role.
    Role(String),
}

/// A row-level security policy on a table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// The schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// The policy name (unique per table).
    pub name: String,
    /// The command the policy applies to.
    pub command: PolicyCommand,
    /// `AS PERMISSIVE` (combined with OR); false for `AS RESTRICTIVE` (combined with AND).
    pub permissive: bool,
    /// The roles the policy applies to, sorted, `PUBLIC` first.
    pub roles: Vec<Grantee>,
    /// The `USING (...)` expression, which filters existing rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// The `WITH CHECK (...)` expression, which new rows must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// `COMMENT ON POLICY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The command a policy applies to (`polcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    /// `FOR ALL` (`*`).
    All,
    /// `FOR SELECT` (`r`).
    Select,
    /// `FOR INSERT` (`a`).
    Insert,
    /// `FOR UPDATE` (`w`).
    Update,
    /// `FOR DELETE` (`d`).
    Delete,
}
