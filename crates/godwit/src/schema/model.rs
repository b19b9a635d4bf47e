//! The dialect-neutral schema model, and the `godwit inspect --json` document.
//!
//! A [`Schema`] is what introspection read from one database's catalogs: every user object,
//! described by its properties (not by DDL text), plus the server's own rendering of the parts
//! that are expressions (`default`, `check`, `predicate`, view and function bodies). Expression
//! text is produced with `search_path` set to the empty list, so every object outside
//! `pg_catalog` is schema-qualified and the text does not depend on the session that read it.
//!
//! # The JSON document
//!
//! `serde_json::to_string_pretty(&schema)` is the output of `godwit inspect --json`. Its
//! top-level keys, in this order:
//!
//! | key | content |
//! |---|---|
//! | `dialect` | `"postgres"` or `"cockroach"` |
//! | `server_version` | the server's version string (`"15.18 (Debian 15.18-0+deb12u1)"`) |
//! | `database` | the database name |
//! | `schemas` | [`Namespace`]s: name, owner, comment, privileges |
//! | `tables` | [`Table`]s with their `columns`, `constraints` and `indexes` |
//! | `views` | [`View`]s and materialized views, with `columns` (and `indexes`) |
//! | `sequences` | [`Sequence`]s with parameters, `last_value` and `owned_by` |
//! | `types` | [`Types`]: `enums`, `domains`, `composites`, `ranges` |
//! | `routines` | [`Routine`]s: functions, procedures, aggregates, window functions |
//! | `triggers` | [`Trigger`]s (internal triggers excluded) |
//! | `rules` | [`Rule`]s (the `_RETURN` rules of views excluded) |
//! | `policies` | row-level security [`Policy`]s |
//! | `extensions` | [`Extension`]s installed in the database |
//!
//! Conventions: enum values are `snake_case` strings; an absent optional value and an empty list
//! are left out of the document (so `"comment"` appears only on commented objects); `privileges`
//! is left out when the object has its default privileges and is a (possibly empty) list when
//! the catalog holds an explicit ACL.
//!
//! Ordering is deterministic: every list is sorted by schema, then table (for objects that
//! belong to a table), then name (then identity arguments for overloaded routines), comparing
//! names byte-wise; columns are in ordinal order, index keys and constraint columns in
//! definition order, enum labels in sort order.
//!
//! Stability: fields and enum values are only ever added, never renamed or removed, so readers
//! should ignore unknown keys and treat unknown enum values as "other".

mod cockroach;
mod constraint;
mod counts;
mod datatype;
mod index;
mod relation;
mod routine;
mod security;

use std::fmt;

pub use cockroach::{
    CockroachColumn, CockroachConstraint, CockroachIndex, CockroachTable, ColumnFamily,
    HashSharding,
};
pub use constraint::{Constraint, ConstraintKind, ForeignKey, MatchType, ReferentialAction};
pub use counts::{ConstraintCounts, Counts};
pub use datatype::{
    CompositeAttribute, CompositeType, Domain, DomainCheck, EnumType, RangeType, Types,
};
pub use index::{Index, IndexKey, IndexTarget};
pub use relation::{
    CheckOption, Column, ColumnRef, Generated, GeneratedKind, Identity, IdentityKind, PartitionOf,
    Persistence, ReplicaIdentity, Sequence, Table, TableKind, View,
};
pub use routine::{
    Enablement, Routine, RoutineKind, Rule, RuleEvent, Trigger, TriggerEvent, TriggerLevel,
    TriggerTiming, Volatility,
};
pub use security::{Grant, Grantee, Policy, PolicyCommand};

use crate::dialect::{Dialect, quote_qualified};

/// Everything introspection found in one database, sorted deterministically.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// The dialect of the database that was read.
    pub dialect: Dialect,
    /// The server's version string as `SHOW server_version` prints it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The database that was read.
    pub database: String,
    /// The schemas (namespaces) that passed the filter.
    #[serde(default)]
    pub schemas: Vec<Namespace>,
    /// Tables of every kind: regular, partitioned, partitions, inheritance children, foreign.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Views and materialized views.
    #[serde(default)]
    pub views: Vec<View>,
    /// Sequences, including those behind `serial` and identity columns.
    #[serde(default)]
    pub sequences: Vec<Sequence>,
    /// User-defined types: enums, domains, composite and range types.
    #[serde(default)]
    pub types: Types,
    /// Functions, procedures, aggregates and window functions.
    #[serde(default)]
    pub routines: Vec<Routine>,
    /// Triggers on tables and views (internal ones, such as foreign-key triggers, excluded).
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    /// Rewrite rules (the `_RETURN` rule that implements every view is excluded).
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Row-level security policies.
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Installed extensions. Listed whatever the schema filter says: they belong to the
    /// database, and the objects they create are excluded from every other list.
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

/// A schema-qualified object name, used wherever one object refers to another.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct QualifiedName {
    /// The schema (namespace) name.
    pub schema: String,
    /// The object name within the schema.
    pub name: String,
}

/// A schema (PostgreSQL calls it a namespace).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Namespace {
    /// The schema name.
    pub name: String,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON SCHEMA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`nspacl`); absent when the schema has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// An installed extension.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Extension {
    /// The extension name (`pg_trgm`).
    pub name: String,
    /// The installed version (`1.6`).
    pub version: String,
    /// The schema its objects were created in.
    pub schema: String,
    /// `COMMENT ON EXTENSION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl QualifiedName {
    /// A name in `schema`.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName { schema: schema.into(), name: name.into() }
    }

    /// The name quoted for SQL in either dialect: `"schema"."name"`.
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }
}

/// Displays as `schema.name`, unquoted, for messages; use [`QualifiedName::quoted`] for SQL.
impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

impl Schema {
    /// A schema of `dialect` for `database` with no objects yet.
    pub fn empty(dialect: Dialect, database: impl Into<String>) -> Self {
        Schema {
            dialect,
            server_version: None,
            database: database.into(),
            schemas: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            sequences: Vec::new(),
            types: Types::default(),
            routines: Vec::new(),
            triggers: Vec::new(),
            rules: Vec::new(),
            policies: Vec::new(),
            extensions: Vec::new(),
        }
    }

    /// The table `schema.name`, if there is one.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.schema == schema && t.name == name)
    }

    /// The view or materialized view `schema.name`, if there is one.
    pub fn view(&self, schema: &str, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.schema == schema && v.name == name)
    }

    /// The sequence `schema.name`, if there is one.
    pub fn sequence(&self, schema: &str, name: &str) -> Option<&Sequence> {
        self.sequences.iter().find(|s| s.schema == schema && s.name == name)
    }

    /// The triggers defined on the table or view `schema.table`, by name.
    pub fn triggers_on(&self, schema: &str, table: &str) -> Vec<&Trigger> {
        self.triggers.iter().filter(|t| t.schema == schema && t.table == table).collect()
    }

    /// How many objects of each kind the schema holds.
    pub fn counts(&self) -> Counts {
        Counts::of(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_display_and_quote() {
        let name = QualifiedName::new("Sales", "order\"s");
        assert_eq!(name.to_string(), "Sales.order\"s");
        assert_eq!(name.quoted(), "\"Sales\".\"order\"\"s\"");
    }

    #[test]
    fn index_key_target_is_flattened_in_json() {
        let key = IndexKey {
            target: IndexTarget::Expression("lower(name)".into()),
            opclass: None,
            collation: Some(QualifiedName::new("pg_catalog", "C")),
            descending: true,
            nulls_first: false,
        };
        let json = serde_json::to_value(&key).unwrap();
        assert_eq!(json["expression"], "lower(name)");
        assert_eq!(json["collation"]["name"], "C");
        assert!(json.get("opclass").is_none());
        let back: IndexKey = serde_json::from_value(json).unwrap();
        assert_eq!(back, key);
    }

    #[test]
    fn grantees_serialize_public_distinctly_from_a_role() {
        let json = serde_json::to_string(&[Grantee::Public, Grantee::Role("PUBLIC".into())]);
        assert_eq!(json.unwrap(), r#"["public",{"role":"PUBLIC"}]"#);
    }
}
