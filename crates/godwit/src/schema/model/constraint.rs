//! Table constraints: primary keys, unique, foreign-key, check and exclusion constraints.
//!
//! Each constraint is described field by field (so a converter can rewrite it for another
//! dialect) and also carries the server's own `definition` for display.

use super::cockroach::CockroachConstraint;

/// A constraint on a table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Constraint {
    /// The constraint name.
    pub name: String,
    /// What the constraint enforces.
    pub kind: ConstraintKind,
    /// The constrained columns in constraint order (for a foreign key, the referencing
    /// columns); empty for a check constraint on an expression without columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// The constraint as the server prints it (`pg_get_constraintdef`), e.g.
    /// `FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE`.
    pub definition: String,
    /// The index that enforces a primary key, unique or exclusion constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15+): NULLs conflict with each other.
    pub nulls_not_distinct: bool,
    /// The referenced side of a foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<ForeignKey>,
    /// The expression of a check constraint, without the `CHECK` keyword.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// The operators of an exclusion constraint, one per key of its index (`=`, `&&`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusion_operators: Vec<String>,
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED`.
    pub initially_deferred: bool,
    /// False for a constraint added `NOT VALID` and not yet validated: existing rows may
    /// violate it.
    pub validated: bool,
    /// `NO INHERIT` (check constraints only).
    pub no_inherit: bool,
    /// True when the constraint comes from a parent table (inheritance or partitioning) and
    /// was not also declared locally.
    pub inherited: bool,
    /// `COMMENT ON CONSTRAINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// CockroachDB-only properties (`UNIQUE WITHOUT INDEX`).
    #[serde(default, skip_serializing_if = "CockroachConstraint::is_empty")]
    pub cockroach: CockroachConstraint,
}

/// What a constraint enforces (`pg_constraint.contype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// `PRIMARY KEY` (`p`).
    PrimaryKey,
    /// `UNIQUE` (`u`).
    Unique,
    /// `FOREIGN KEY ... REFERENCES` (`f`).
    ForeignKey,
    /// `CHECK` (`c`).
    Check,
    /// `EXCLUDE` (`x`).
    Exclusion,
}

/// The referenced side and the actions of a foreign key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    /// The referenced table.
    pub table: super::QualifiedName,
    /// The referenced columns, matching the constraint's `columns` one to one.
    pub columns: Vec<String>,
    /// `MATCH SIMPLE`, `FULL` or `PARTIAL`.
    pub match_type: MatchType,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
}

/// How a multi-column foreign key treats NULLs (`confmatchtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    /// `MATCH SIMPLE` (`s`, the default): any NULL column skips the check.
    Simple,
    /// `MATCH FULL` (`f`): all columns NULL, or none.
    Full,
    /// `MATCH PARTIAL` (`p`): not implemented by PostgreSQL, listed for completeness.
    Partial,
}

/// What a foreign key does when the referenced row changes (`confupdtype`, `confdeltype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// `NO ACTION` (`a`, the default): checked at the end of the statement (or transaction,
    /// when deferred).
    NoAction,
    /// `RESTRICT` (`r`): checked immediately, never deferred.
    Restrict,
    /// `CASCADE` (`c`).
    Cascade,
    /// `SET NULL` (`n`).
    SetNull,
    /// `SET DEFAULT` (`d`).
    SetDefault,
}
