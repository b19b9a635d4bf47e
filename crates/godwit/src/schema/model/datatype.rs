//! User-defined data types: enums, domains, composite and range types.
//!
//! Base types (written in C), the array types PostgreSQL creates for every type, multirange
//! types (created with each range) and the row types of tables and views are not listed: they
//! either cannot be migrated as SQL or come back by themselves when their owner is created.

use super::{Grant, QualifiedName};

/// The user-defined types of a database, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Types {
    /// `CREATE TYPE ... AS ENUM`.
    #[serde(default)]
    pub enums: Vec<EnumType>,
    /// `CREATE DOMAIN`.
    #[serde(default)]
    pub domains: Vec<Domain>,
    /// `CREATE TYPE ... AS (...)`.
    #[serde(default)]
    pub composites: Vec<CompositeType>,
    /// `CREATE TYPE ... AS RANGE`.
    #[serde(default)]
    pub ranges: Vec<RangeType>,
}

/// An enum type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnumType {
    /// The schema the type is in.
    pub schema: String,
    /// The type name.
    pub name: String,
    /// Labels in sort order (`enumsortorder`), which is also the comparison order.
    pub labels: Vec<String>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`typacl`); absent when the type has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// A domain: a base type with optional NOT NULL, default and check constraints.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Domain {
    /// The schema the domain is in.
    pub schema: String,
    /// The domain name.
    pub name: String,
    /// The underlying type with modifiers (`numeric(5,2)`).
    pub base_type: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT` expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `COLLATE`, when it differs from the base type's default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<QualifiedName>,
    /// Check constraints, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<DomainCheck>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON DOMAIN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`typacl`); absent when the domain has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// A named check constraint of a domain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DomainCheck {
    /// The constraint name.
    pub name: String,
    /// The expression, in terms of `VALUE` (`(VALUE > 0)`).
    pub expression: String,
    /// False when added `NOT VALID` and not yet validated.
    pub validated: bool,
    /// `COMMENT ON CONSTRAINT ... ON DOMAIN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A composite (row) type created with `CREATE TYPE ... AS (...)`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompositeType {
    /// The schema the type is in.
    pub schema: String,
    /// The type name.
    pub name: String,
    /// Attributes in order.
    pub attributes: Vec<CompositeAttribute>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`typacl`); absent when the type has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// One attribute of a composite type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompositeAttribute {
    /// The attribute name.
    pub name: String,
    /// The full type (`format_type`).
    pub data_type: String,
    /// The collation when it differs from the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<QualifiedName>,
}

/// A range type created with `CREATE TYPE ... AS RANGE`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RangeType {
    /// The schema the type is in.
    pub schema: String,
    /// The type name.
    pub name: String,
    /// `SUBTYPE`.
    pub subtype: String,
    /// `SUBTYPE_OPCLASS`.
    pub subtype_opclass: QualifiedName,
    /// `COLLATION`, when the subtype is collatable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<QualifiedName>,
    /// `CANONICAL` function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// `SUBTYPE_DIFF` function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<String>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`typacl`); absent when the type has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}
