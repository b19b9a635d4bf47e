//! Relations: tables, their columns, views and sequences.
//!
//! A table's kind and its place in a hierarchy are separate fields because they combine: a
//! partition can itself be partitioned (sub-partitioning), a foreign table can be a partition,
//! and an inheritance child can be a parent too.

use super::cockroach::{CockroachColumn, CockroachTable};
use super::{Constraint, Grant, Index, QualifiedName};

/// A table: regular, partitioned, a partition, an inheritance child, or foreign.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    /// The schema the table is in.
    pub schema: String,
    /// The table name.
    pub name: String,
    /// How the table stores rows.
    pub kind: TableKind,
    /// Permanent, unlogged or temporary.
    pub persistence: Persistence,
    /// The parent and bound when the table is a partition of a partitioned table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// Inheritance parents (`INHERITS (...)`) in declaration order; empty for partitions,
    /// whose parent is in `partition_of`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<QualifiedName>,
    /// The partition key of a partitioned table (`RANGE (created_at)`, from
    /// `pg_get_partkeydef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    /// The foreign server of a foreign table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_server: Option<String>,
    /// The owning role.
    pub owner: String,
    /// The planner's row estimate (`reltuples`); absent when the table was never analyzed or
    /// vacuumed (PostgreSQL 14+; older versions report 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_rows: Option<i64>,
    /// Bytes on disk including indexes and TOAST (`pg_total_relation_size`); 0 for a
    /// partitioned table, whose rows live in its partitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<i64>,
    /// What logical replication sends as the old row of an UPDATE or DELETE.
    pub replica_identity: ReplicaIdentity,
    /// `ENABLE ROW LEVEL SECURITY`.
    pub row_security: bool,
    /// `FORCE ROW LEVEL SECURITY` (policies apply to the owner too).
    pub force_row_security: bool,
    /// Storage parameters (`reloptions`) as `name=value`, e.g. `fillfactor=70`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// `COMMENT ON TABLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`relacl`); absent when the table has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
    /// Columns in ordinal order (dropped columns excluded).
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Primary key, unique, foreign-key, check and exclusion constraints, by name. Not-null
    /// constraints are the columns' `not_null`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// Indexes, by name, including those that back constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// CockroachDB-only properties (families, locality, partitioning, zone configurations).
    #[serde(default, skip_serializing_if = "CockroachTable::is_empty")]
    pub cockroach: CockroachTable,
}

/// How a table stores its rows (`pg_class.relkind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// An ordinary heap table (`r`).
    Regular,
    /// A partitioned table (`p`): no storage of its own, rows live in partitions.
    Partitioned,
    /// A foreign table (`f`), whose rows live on a foreign server.
    Foreign,
}

/// Whether a table's changes are WAL-logged and how long it lives (`relpersistence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// An ordinary table (`p`).
    Permanent,
    /// `UNLOGGED` (`u`): not WAL-logged, so not replicated and emptied after a crash.
    Unlogged,
    /// `TEMPORARY` (`t`): session-local.
    Temporary,
}

/// Where a partition sits in its partitioned table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartitionOf {
    /// The partitioned table.
    pub parent: QualifiedName,
    /// The partition bound (`FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')`, `DEFAULT`).
    pub bound: String,
}

/// The replica identity of a table (`relreplident`). In JSON: `"default"`, `"nothing"`,
/// `"full"` or `{"index": "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaIdentity {
    /// The primary key, if any (`d`).
    Default,
    /// No old-row information (`n`): UPDATE and DELETE cannot be replicated.
    Nothing,
    /// The whole old row (`f`).
    Full,
    /// The columns of the named unique index (`i`).
    Index(String),
}

/// A column of a table or view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The column's number (`attnum`); increasing in column order, with gaps where columns
    /// were dropped.
    pub ordinal: i32,
    /// The full type as SQL (`character varying(20)`, `numeric(10,2)`, `integer[]`,
    /// `public.mood`), from `format_type(atttypid, atttypmod)`.
    pub data_type: String,
    /// The type without modifiers, and the element type for arrays (`character varying`,
    /// `numeric`, `integer`).
    pub base_type: String,
    /// The type modifier (`atttypmod`) when the type has one; its meaning is per type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typmod: Option<i32>,
    /// 0 for a non-array column; otherwise the declared number of dimensions (`int[][]` is 2),
    /// at least 1. PostgreSQL does not enforce the declared number.
    pub array_dimensions: i32,
    /// The collation when it differs from the type's default collation (`COLLATE "C"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<QualifiedName>,
    /// `NOT NULL`.
    pub not_null: bool,
    /// The default expression (`nextval('public.t_id_seq'::regclass)`, `now()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expression) STORED` (or a virtual computed column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// True when the column comes from an inheritance parent or partitioned table and was not
    /// also declared locally (`attislocal` false).
    pub inherited: bool,
    /// `COMMENT ON COLUMN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Column-level privileges (`attacl`); absent when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
    /// CockroachDB-only properties (hidden, `ON UPDATE`, family).
    #[serde(default, skip_serializing_if = "CockroachColumn::is_empty")]
    pub cockroach: CockroachColumn,
}

/// An identity column's generation rule and the sequence behind it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// `ALWAYS` or `BY DEFAULT`.
    pub kind: IdentityKind,
    /// The implicit sequence that produces the values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<QualifiedName>,
}

/// Whether an identity column accepts explicit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// `GENERATED ALWAYS`: explicit values need `OVERRIDING SYSTEM VALUE`.
    Always,
    /// `GENERATED BY DEFAULT`: explicit values win.
    ByDefault,
}

/// A generated (computed) column's expression.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Generated {
    /// Whether the value is stored or computed on read.
    pub kind: GeneratedKind,
    /// The generation expression.
    pub expression: String,
}

/// How a generated column keeps its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratedKind {
    /// Computed on write and stored (`STORED`, `s`).
    Stored,
    /// Computed on read (`VIRTUAL`, `v`: CockroachDB, PostgreSQL 18).
    Virtual,
}

/// A view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct View {
    /// The schema the view is in.
    pub schema: String,
    /// The view name.
    pub name: String,
    /// `CREATE MATERIALIZED VIEW`.
    pub materialized: bool,
    /// The defining query (`pg_get_viewdef`).
    pub definition: String,
    /// False for a materialized view created `WITH NO DATA` and not yet refreshed; always true
    /// for plain views.
    pub populated: bool,
    /// `WITH [LOCAL | CASCADED] CHECK OPTION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_option: Option<CheckOption>,
    /// The `security_barrier` option.
    pub security_barrier: bool,
    /// The `security_invoker` option (PostgreSQL 15+).
    pub security_invoker: bool,
    /// All options (`reloptions`) as `name=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON VIEW` / `COMMENT ON MATERIALIZED VIEW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`relacl`); absent when the view has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
    /// Output columns in order.
    #[serde(default)]
    pub columns: Vec<Column>,
    /// Indexes of a materialized view, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

/// The check option of an updatable view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOption {
    /// `WITH LOCAL CHECK OPTION`.
    Local,
    /// `WITH CASCADED CHECK OPTION` (also plain `WITH CHECK OPTION`).
    Cascaded,
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sequence {
    /// The schema the sequence is in.
    pub schema: String,
    /// The sequence name.
    pub name: String,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// The last value written to disk (`pg_sequences.last_value`): with `cache` above 1 this is
    /// the end of the range handed to sessions, so it can be ahead of the last value actually
    /// used, never behind. Absent when `nextval` was never called (or after `setval(..., false)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_value: Option<i64>,
    /// The column the sequence belongs to (`OWNED BY`, `serial`, identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<ColumnRef>,
    /// True for the implicit sequence of an identity column.
    pub identity: bool,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON SEQUENCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`relacl`); absent when the sequence has its default privileges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// A reference to one column of a table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnRef {
    /// The table's schema.
    pub schema: String,
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
}

impl Table {
    /// The table's schema-qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }

    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The constraint called `name`, if there is one.
    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    /// The index called `name`, if there is one.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The primary key constraint, if the table has one.
    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.kind == super::ConstraintKind::PrimaryKey)
    }

    /// Whether the table is a partition of a partitioned table.
    pub fn is_partition(&self) -> bool {
        self.partition_of.is_some()
    }

    /// Whether the table inherits from other tables (`INHERITS`), outside partitioning.
    pub fn is_inheritance_child(&self) -> bool {
        !self.inherits.is_empty()
    }
}

impl Column {
    /// A nullable, non-array column of `data_type` at `ordinal`, every other property unset.
    pub fn new(name: impl Into<String>, ordinal: i32, data_type: impl Into<String>) -> Self {
        let data_type = data_type.into();
        Column {
            name: name.into(),
            ordinal,
            base_type: data_type.clone(),
            data_type,
            typmod: None,
            array_dimensions: 0,
            collation: None,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            inherited: false,
            comment: None,
            privileges: None,
            cockroach: Default::default(),
        }
    }
}

impl Sequence {
    /// A sequence `schema.name` with PostgreSQL's defaults (bigint, start 1, increment 1,
    /// min 1, max 2^63-1, cache 1, no cycle) and nothing else known.
    pub fn with_defaults(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Sequence {
            schema: schema.into(),
            name: name.into(),
            data_type: "bigint".into(),
            start: 1,
            increment: 1,
            min: 1,
            max: i64::MAX,
            cache: 1,
            cycle: false,
            last_value: None,
            owned_by: None,
            identity: false,
            owner: String::new(),
            comment: None,
            privileges: None,
        }
    }
}

impl View {
    /// The view's schema-qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }

    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
