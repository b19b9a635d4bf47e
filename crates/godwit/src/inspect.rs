//! The inventory of a database: what is there, how big it is, and which features in use matter
//! for a move between PostgreSQL and CockroachDB.
//!
//! The inventory is derived from the introspected [`Schema`] alone (no extra queries), so it
//! describes exactly what the JSON document describes. Features are facts ("3 tables have no
//! primary key"), not verdicts: `assess` decides what each means for a given target.

use crate::conn::Connection;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::schema::model::{ConstraintKind, Counts, Schema, Table, TableKind};
use crate::schema::{Filter, introspect};

/// How many tables the inventory lists by size.
const LARGEST: usize = 10;

/// Where the inventory was taken.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    /// The connection string, redacted.
    pub target: String,
    /// PostgreSQL or CockroachDB.
    pub dialect: Dialect,
    /// The server version (`15.18.0`).
    pub version: String,
    /// The database read.
    pub database: String,
}

/// One line of the object counts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KindCount {
    /// The kind, for people (`partitioned tables`).
    pub kind: String,
    /// How many.
    pub count: usize,
}

/// A table and its size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableSize {
    /// `schema.table`.
    pub name: String,
    /// Planner estimate of the row count (`None` when never analysed).
    pub rows: Option<i64>,
    /// On-disk bytes including indexes and TOAST.
    pub bytes: i64,
}

/// A feature in use that matters for a migration, with the objects that use it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Feature {
    /// Stable identifier (`no_primary_key`).
    pub id: &'static str,
    /// Short title for people.
    pub title: &'static str,
    /// Why it matters when moving the database.
    pub why: &'static str,
    /// The objects (`schema.table`, `schema.table.trigger`, ...).
    pub objects: Vec<String>,
}

/// The inventory and the model it was derived from.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// Where it was taken.
    pub source: Source,
    /// Object counts by kind, in a fixed order.
    pub counts: Vec<KindCount>,
    /// The largest tables by bytes.
    pub largest_tables: Vec<TableSize>,
    /// Features in use that matter for a migration.
    pub features: Vec<Feature>,
    /// The full model.
    pub schema: Schema,
}

/// The `godwit inspect --json` document (see `docs/inspect-json.md`).
#[derive(Debug, serde::Serialize)]
pub struct Document<'a> {
    /// Version of this document's layout; bumped only on incompatible change.
    pub format_version: u32,
    /// Where it was taken.
    pub source: &'a Source,
    /// Object counts by kind.
    pub counts: Counts,
    /// The largest tables.
    pub largest_tables: &'a [TableSize],
    /// Features in use.
    pub features: &'a [Feature],
    /// The full schema model.
    pub schema: &'a Schema,
}

impl Inventory {
    /// The JSON document for `--json`.
    pub fn document(&self) -> Document<'_> {
        Document {
            format_version: 1,
            source: &self.source,
            counts: self.schema.counts(),
            largest_tables: &self.largest_tables,
            features: &self.features,
            schema: &self.schema,
        }
    }
}

/// Inventory every user schema of the connected database.
pub async fn inspect(connection: &Connection) -> Result<Inventory> {
    inspect_filtered(connection, &Filter::default()).await
}

/// Inventory the schemas `filter` selects.
pub async fn inspect_filtered(connection: &Connection, filter: &Filter) -> Result<Inventory> {
    let schema = introspect(connection.client(), connection.dialect(), filter).await?;
    let source = Source {
        target: connection.target().to_owned(),
        dialect: connection.dialect(),
        version: connection.version().to_string(),
        database: schema.database.clone(),
    };
    Ok(summarise(source, schema))
}

/// Derive the inventory from a model.
pub fn summarise(source: Source, schema: Schema) -> Inventory {
    Inventory {
        source,
        counts: kind_counts(&schema.counts()),
        largest_tables: largest_tables(&schema),
        features: features(&schema),
        schema,
    }
}

fn kind_counts(c: &Counts) -> Vec<KindCount> {
    let rows = [
        ("schemas", c.schemas),
        ("tables", c.tables),
        ("partitioned tables", c.partitioned_tables),
        ("partitions", c.partitions),
        ("inheritance children", c.inheritance_children),
        ("foreign tables", c.foreign_tables),
        ("views", c.views),
        ("materialized views", c.materialized_views),
        ("sequences", c.sequences),
        ("indexes", c.indexes),
        ("primary keys", c.constraints.primary_keys),
        ("unique constraints", c.constraints.unique),
        ("foreign keys", c.constraints.foreign_keys),
        ("check constraints", c.constraints.checks),
        ("exclusion constraints", c.constraints.exclusions),
        ("enums", c.enums),
        ("domains", c.domains),
        ("composite types", c.composite_types),
        ("range types", c.range_types),
        ("functions", c.functions),
        ("procedures", c.procedures),
        ("aggregates", c.aggregates),
        ("window functions", c.window_functions),
        ("triggers", c.triggers),
        ("rules", c.rules),
        ("row-level security policies", c.policies),
        ("extensions", c.extensions),
    ];
    rows.into_iter().map(|(kind, count)| KindCount { kind: kind.to_owned(), count }).collect()
}

fn largest_tables(schema: &Schema) -> Vec<TableSize> {
    let mut sizes: Vec<TableSize> = schema
        .tables
        .iter()
        .filter(|t| t.kind != TableKind::Partitioned)
        .map(|t| TableSize {
            name: t.qualified_name().to_string(),
            rows: t.estimated_rows,
            bytes: t.total_bytes.unwrap_or(0),
        })
        .collect();
    sizes.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    sizes.truncate(LARGEST);
    sizes
}

type Detector = fn(&Schema) -> Vec<String>;

/// Every feature detector: (id, title, why, detector). Order is the order of the report.
const FEATURES: &[(&str, &str, &str, Detector)] = &[
    (
        "no_primary_key",
        "tables without a primary key",
        "rows cannot be addressed for replication, verification or repair; CockroachDB adds a hidden rowid key",
        no_primary_key,
    ),
    (
        "sequence_key",
        "primary keys filled from sequences or identity",
        "sequences serialise inserts on CockroachDB and must be re-synchronised at cutover",
        sequence_keys,
    ),
    (
        "partitioning",
        "declaratively partitioned tables",
        "CockroachDB partitions indexes, not tables; partitions are usually collapsed into one table",
        partitioned,
    ),
    (
        "inheritance",
        "table inheritance",
        "CockroachDB has no INHERITS; children must be flattened or merged",
        inheritance,
    ),
    (
        "triggers",
        "triggers",
        "CockroachDB supports only row-level PL/pgSQL triggers from v24.3; fire order and semantics differ",
        triggers,
    ),
    ("rules", "rewrite rules", "CockroachDB has no CREATE RULE", rules),
    (
        "row_level_security",
        "row-level security",
        "policies exist on CockroachDB only from v25.2",
        row_security,
    ),
    (
        "exclusion_constraints",
        "exclusion constraints",
        "CockroachDB has no exclusion constraints",
        exclusions,
    ),
    (
        "deferrable_constraints",
        "deferrable constraints",
        "CockroachDB cannot defer constraint checks",
        deferrable,
    ),
    ("domains", "domains", "CockroachDB has no domains; they are inlined into columns", domains),
    ("enums", "enum types", "enums are supported, but must be created before their tables", enums),
    (
        "composite_types",
        "composite types",
        "supported by CockroachDB with restrictions on field access",
        composites,
    ),
    ("range_types", "range types", "CockroachDB has no range types", ranges),
    (
        "generated_columns",
        "generated columns",
        "their expressions must be immutable on the target and are never copied",
        generated,
    ),
    (
        "multidimensional_arrays",
        "multi-dimensional array columns",
        "CockroachDB stores only one-dimensional arrays",
        multi_dim_arrays,
    ),
    (
        "collations",
        "columns with non-default collations",
        "collation names and string ordering differ between the dialects",
        collations,
    ),
    ("unlogged_tables", "unlogged tables", "the target has no unlogged tables", unlogged),
    (
        "materialized_views",
        "materialized views",
        "they must be refreshed after the data is copied",
        materialized,
    ),
    (
        "extensions",
        "extensions",
        "each extension must exist on the target or its objects be replaced",
        extensions,
    ),
    ("foreign_tables", "foreign tables", "foreign data is not part of the database", foreign),
];

fn features(schema: &Schema) -> Vec<Feature> {
    FEATURES
        .iter()
        .filter_map(|&(id, title, why, detect)| {
            let objects = detect(schema);
            (!objects.is_empty()).then_some(Feature { id, title, why, objects })
        })
        .collect()
}

fn tables_where(schema: &Schema, pred: impl Fn(&Table) -> bool) -> Vec<String> {
    schema.tables.iter().filter(|t| pred(t)).map(|t| t.qualified_name().to_string()).collect()
}

fn no_primary_key(s: &Schema) -> Vec<String> {
    tables_where(s, |t| t.primary_key().is_none() && t.kind != TableKind::Foreign)
}

fn sequence_keys(s: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.tables {
        let Some(pk) = t.primary_key() else { continue };
        for col in pk.columns.iter().filter_map(|c| t.column(c)) {
            let from_sequence = col.identity.is_some()
                || col.default.as_deref().is_some_and(|d| d.contains("nextval("));
            if from_sequence {
                out.push(format!("{}.{}", t.qualified_name(), col.name));
            }
        }
    }
    out
}

fn partitioned(s: &Schema) -> Vec<String> {
    tables_where(s, |t| t.kind == TableKind::Partitioned)
}

fn inheritance(s: &Schema) -> Vec<String> {
    tables_where(s, Table::is_inheritance_child)
}

fn triggers(s: &Schema) -> Vec<String> {
    s.triggers.iter().map(|t| format!("{}.{}.{}", t.schema, t.table, t.name)).collect()
}

fn rules(s: &Schema) -> Vec<String> {
    s.rules.iter().map(|r| format!("{}.{}.{}", r.schema, r.table, r.name)).collect()
}

fn row_security(s: &Schema) -> Vec<String> {
    tables_where(s, |t| t.row_security)
}

fn constraints_where(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Constraint) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.tables {
        for c in t.constraints.iter().filter(|c| !c.inherited && pred(c)) {
            out.push(format!("{}.{}", t.qualified_name(), c.name));
        }
    }
    out
}

fn exclusions(s: &Schema) -> Vec<String> {
    constraints_where(s, |c| c.kind == ConstraintKind::Exclusion)
}

fn deferrable(s: &Schema) -> Vec<String> {
    constraints_where(s, |c| c.deferrable)
}

fn domains(s: &Schema) -> Vec<String> {
    s.types.domains.iter().map(|d| format!("{}.{}", d.schema, d.name)).collect()
}

fn enums(s: &Schema) -> Vec<String> {
    s.types.enums.iter().map(|e| format!("{}.{}", e.schema, e.name)).collect()
}

fn composites(s: &Schema) -> Vec<String> {
    s.types.composites.iter().map(|c| format!("{}.{}", c.schema, c.name)).collect()
}

fn ranges(s: &Schema) -> Vec<String> {
    s.types.ranges.iter().map(|r| format!("{}.{}", r.schema, r.name)).collect()
}

fn columns_where(s: &Schema, pred: impl Fn(&crate::schema::model::Column) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for t in s.tables.iter().filter(|t| !t.is_partition()) {
        for c in t.columns.iter().filter(|c| !c.inherited && pred(c)) {
            out.push(format!("{}.{}", t.qualified_name(), c.name));
        }
    }
    out
}

fn generated(s: &Schema) -> Vec<String> {
    columns_where(s, |c| c.generated.is_some())
}

fn multi_dim_arrays(s: &Schema) -> Vec<String> {
    columns_where(s, |c| c.array_dimensions > 1)
}

fn collations(s: &Schema) -> Vec<String> {
    columns_where(s, |c| c.collation.is_some())
}

fn unlogged(s: &Schema) -> Vec<String> {
    tables_where(s, |t| t.persistence == crate::schema::model::Persistence::Unlogged)
}

fn materialized(s: &Schema) -> Vec<String> {
    s.views.iter().filter(|v| v.materialized).map(|v| v.qualified_name().to_string()).collect()
}

fn extensions(s: &Schema) -> Vec<String> {
    // plpgsql is installed in every PostgreSQL database and built into CockroachDB.
    s.extensions
        .iter()
        .filter(|e| e.name != "plpgsql")
        .map(|e| format!("{} {}", e.name, e.version))
        .collect()
}

fn foreign(s: &Schema) -> Vec<String> {
    tables_where(s, |t| t.kind == TableKind::Foreign)
}
