//! Properties only CockroachDB has, kept beside the dialect-neutral fields.
//!
//! Each object that can carry CockroachDB-only properties has one `cockroach` field of the type
//! here. It is empty (and left out of the JSON document) for PostgreSQL objects. Converters read
//! it to apply the rewrites of `crdb-dialect.md` §2: hidden `rowid` keys, column families,
//! `ON UPDATE` expressions, hash-sharded indexes, `NOT VISIBLE` indexes, `UNIQUE WITHOUT INDEX`,
//! localities, index partitioning and zone configurations.

/// CockroachDB-only properties of a column.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CockroachColumn {
    /// `NOT VISIBLE`: left out of `SELECT *` (the implicit `rowid`, shard columns, TTL and
    /// region columns are hidden; users can hide their own).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// `ON UPDATE expression`: set when another column of the row changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
    /// The column family the column is stored in, when the table has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

impl CockroachColumn {
    /// True when nothing CockroachDB-specific is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A column family: columns stored together in one key-value pair.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnFamily {
    /// The family name (`fam_0_a_b`, `primary`, or a user name).
    pub name: String,
    /// The columns, in declaration order.
    pub columns: Vec<String>,
}

/// CockroachDB-only properties of a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CockroachTable {
    /// Column families, when declared (a single default family is not listed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub families: Vec<ColumnFamily>,
    /// `LOCALITY ...` clause text, e.g. `REGIONAL BY ROW` or `GLOBAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The table's primary index is partitioned: `PARTITION BY ...` clause text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<String>,
    /// Legacy `INTERLEAVE IN PARENT parent (cols)` clause text (removed in v21.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleave: Option<String>,
    /// `ALTER ... CONFIGURE ZONE USING ...` statements that apply to the table, its indexes or
    /// partitions, as printed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zone_configs: Vec<String>,
}

impl CockroachTable {
    /// True when nothing CockroachDB-specific is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A hash-sharded index: a hidden shard column prefixes the key to spread sequential writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HashSharding {
    /// `bucket_count`, when printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_count: Option<i64>,
    /// The hidden shard column (`crdb_internal_a_shard_8`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_column: Option<String>,
}

/// CockroachDB-only properties of an index.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CockroachIndex {
    /// `USING HASH [WITH (bucket_count = n)]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_sharded: Option<HashSharding>,
    /// `NOT VISIBLE` (or `VISIBILITY` below 1): the optimizer ignores the index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_visible: bool,
    /// `PARTITION BY ...` clause text of this index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioning: Option<String>,
}

impl CockroachIndex {
    /// True when nothing CockroachDB-specific is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// CockroachDB-only properties of a constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CockroachConstraint {
    /// `UNIQUE WITHOUT INDEX`: uniqueness checked on write without a backing index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_index: bool,
    /// The predicate of a partial unique constraint (`UNIQUE WITHOUT INDEX (a) WHERE ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

impl CockroachConstraint {
    /// True when nothing CockroachDB-specific is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
