//! Indexes, described key by key.
//!
//! Sort order and NULL placement are explicit booleans on every key (PostgreSQL sorts NULLs
//! last ascending, CockroachDB first), and the operator class and collation appear only when
//! they differ from the defaults, so that a key with neither can be recreated by name alone.

use super::QualifiedName;
use super::cockroach::CockroachIndex;

/// An index on a table or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Index {
    /// The index name.
    pub name: String,
    /// The access method (`btree`, `hash`, `gin`, `gist`, `brin`, `spgist`).
    pub method: String,
    /// `UNIQUE`.
    pub unique: bool,
    /// Whether the index backs the primary key.
    pub primary: bool,
    /// Key parts in order.
    pub keys: Vec<IndexKey>,
    /// `INCLUDE (...)` columns in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+).
    pub nulls_not_distinct: bool,
    /// The constraint this index enforces (primary key, unique or exclusion), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    /// False for an index whose `CREATE INDEX CONCURRENTLY` failed: it is maintained but not
    /// used, and should be rebuilt.
    pub valid: bool,
    /// True for a partition's index that is attached to an index of the partitioned table.
    pub inherited: bool,
    /// Storage parameters (`reloptions`) as `name=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The index as the server prints it (`pg_get_indexdef`).
    pub definition: String,
    /// `COMMENT ON INDEX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// CockroachDB-only properties (hash sharding, visibility, partitioning).
    #[serde(default, skip_serializing_if = "CockroachIndex::is_empty")]
    pub cockroach: CockroachIndex,
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexKey {
    /// The indexed column or expression; serialized as a `"column"` or `"expression"` field.
    #[serde(flatten)]
    pub target: IndexTarget,
    /// The operator class, only when it is not the default for the key's type and the access
    /// method (`jsonb_path_ops`, `text_pattern_ops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<QualifiedName>,
    /// The collation, only when it differs from the column's; for an expression, when it differs
    /// from the default collation of the expression's type (so `lower(name)` over a `COLLATE
    /// "C"` column reports `C`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<QualifiedName>,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST` (the default for `DESC` keys in PostgreSQL); false means NULLs sort last.
    /// Always false for access methods without ordering.
    pub nulls_first: bool,
}

/// What an index key indexes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexTarget {
    /// A table column, by name.
    Column(String),
    /// An expression (`lower(name)`), as the server prints it.
    Expression(String),
}
