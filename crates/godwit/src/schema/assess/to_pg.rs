//! Rules for a PostgreSQL target (`crdb-dialect.md` §2): CockroachDB-only constructs and how
//! `convert` rewrites them, plus release rules that also apply between PostgreSQL versions.

use super::rules::{Fixer, Rule, always};
use super::{Hit, Severity, Target};
use crate::dialect::Dialect;
use crate::schema::QualifiedName;
use crate::schema::model::{Column, GeneratedKind, Schema, Table};
use crate::schema::parse::ObjectKey;

const CR: Option<Dialect> = Some(Dialect::Cockroach);
const ANY: Option<Dialect> = None;
const PG: Dialect = Dialect::Postgres;

macro_rules! rule {
    ($id:literal, $src:expr, $sev:ident, $fixer:ident, $gate:expr, $check:expr, $title:literal, $rewrite:literal) => {
        Rule {
            id: $id,
            source: $src,
            target: PG,
            severity: Severity::$sev,
            title: $title,
            rewrite: $rewrite,
            fixer: Fixer::$fixer,
            gate: $gate,
            check: $check,
        }
    };
}

/// Rules for a PostgreSQL target.
pub(super) static RULES: &[Rule] = &[
    rule!(
        "crdb.hidden-rowid",
        CR,
        Warning,
        Godwit,
        always,
        hidden_rowid,
        "table keyed only by the hidden rowid",
        "rowid becomes a real `rowid bigint` primary key so rows stay addressable for replication and verification; add a natural key when you can"
    ),
    rule!(
        "crdb.unique-rowid",
        CR,
        Warning,
        Godwit,
        always,
        unique_rowid_defaults,
        "DEFAULT unique_rowid()",
        "becomes a bigint identity column; godwit restarts its sequence above the copied maximum at cutover"
    ),
    rule!(
        "crdb.hash-sharded-index",
        CR,
        Info,
        Godwit,
        always,
        hash_sharded,
        "hash-sharded index",
        "becomes a plain b-tree index without the shard column"
    ),
    rule!(
        "crdb.shard-column",
        CR,
        Info,
        Godwit,
        always,
        shard_columns,
        "hash-shard column",
        "dropped: it only exists to spread writes on CockroachDB"
    ),
    rule!(
        "crdb.column-family",
        CR,
        Info,
        Godwit,
        always,
        families,
        "column families",
        "dropped: PostgreSQL stores a row in one tuple"
    ),
    rule!(
        "crdb.not-visible-column",
        CR,
        Warning,
        Godwit,
        always,
        not_visible_columns,
        "NOT VISIBLE column",
        "kept as an ordinary column: SELECT * will return it"
    ),
    rule!(
        "crdb.not-visible-index",
        CR,
        Info,
        Godwit,
        always,
        not_visible_indexes,
        "NOT VISIBLE index",
        "created as an ordinary index"
    ),
    rule!(
        "crdb.on-update",
        CR,
        Warning,
        Godwit,
        always,
        on_update,
        "ON UPDATE column expression",
        "a BEFORE UPDATE trigger sets the column when the statement did not assign it"
    ),
    rule!(
        "crdb.ttl",
        CR,
        Warning,
        User,
        always,
        ttl,
        "row-level TTL",
        "storage parameters and the hidden expiration column are dropped: schedule DELETE ... WHERE expiry < now() (e.g. with pg_cron)"
    ),
    rule!(
        "crdb.storage-parameter",
        CR,
        Info,
        Godwit,
        always,
        storage_params,
        "CockroachDB storage parameter",
        "dropped"
    ),
    rule!(
        "crdb.locality",
        CR,
        Info,
        Godwit,
        always,
        locality,
        "table locality",
        "LOCALITY is dropped; the crdb_region column is kept only if the application reads it"
    ),
    rule!(
        "crdb.partitioning",
        CR,
        Warning,
        User,
        always,
        partitioning,
        "index partitioning",
        "PARTITION BY is dropped; re-partition with PostgreSQL declarative partitioning if you relied on it"
    ),
    rule!(
        "crdb.zone-config",
        CR,
        Info,
        Godwit,
        always,
        zone_configs,
        "zone configuration",
        "dropped: replication and placement are the target's business"
    ),
    rule!(
        "crdb.interleave",
        CR,
        Info,
        Godwit,
        always,
        interleave,
        "INTERLEAVE IN PARENT",
        "dropped (removed from CockroachDB in v21.2)"
    ),
    rule!(
        "crdb.unique-without-index",
        CR,
        Warning,
        Godwit,
        always,
        unique_without_index,
        "UNIQUE WITHOUT INDEX",
        "becomes a unique index (with the same predicate): PostgreSQL enforces uniqueness with an index"
    ),
    rule!(
        "crdb.legacy-primary-name",
        CR,
        Info,
        Godwit,
        always,
        legacy_primary,
        "constraint named \"primary\"",
        "renamed <table>_pkey: PostgreSQL index names are unique per schema"
    ),
    rule!(
        "crdb.index-name-conflict",
        CR,
        Info,
        Godwit,
        always,
        index_name_conflicts,
        "index name used on several tables",
        "renamed <table>_<name>: PostgreSQL index names are unique per schema"
    ),
    rule!(
        "crdb.virtual-column",
        CR,
        Warning,
        Godwit,
        |t| !t.at_least(18, 0),
        virtual_columns,
        "virtual computed column before PostgreSQL 18",
        "becomes GENERATED ALWAYS AS (...) STORED"
    ),
    rule!(
        "crdb.internal-function",
        CR,
        Blocker,
        User,
        always,
        internal_functions,
        "crdb_internal function in an expression",
        "no PostgreSQL equivalent: rewrite the expression"
    ),
    rule!(
        "crdb.spatial-type",
        CR,
        Warning,
        User,
        always,
        spatial,
        "spatial column",
        "needs the PostGIS extension on the target"
    ),
    rule!(
        "crdb.extension-type",
        CR,
        Warning,
        User,
        always,
        extension_types,
        "CITEXT, LTREE or VECTOR column",
        "needs the citext, ltree or pgvector extension on the target"
    ),
    rule!(
        "crdb.expression-syntax",
        CR,
        Info,
        Godwit,
        always,
        crdb_expression_syntax,
        "CockroachDB expression syntax",
        "type annotations (x:::T) are dropped, current_timestamp() becomes CURRENT_TIMESTAMP, CockroachDB type names in casts are respelled"
    ),
    rule!(
        "crdb.expression-function",
        CR,
        Warning,
        User,
        always,
        crdb_only_functions,
        "CockroachDB-only operator or function in an expression",
        "rewrite: a // b as div(a, b), IF(c, a, b) as CASE, IFNULL(a, b) as COALESCE(a, b)"
    ),
    rule!(
        "crdb.temp-table",
        CR,
        Info,
        Godwit,
        always,
        temp_tables,
        "temporary table",
        "created as an ordinary table: a temporary table holds no data worth moving"
    ),
    rule!(
        "crdb.int-width",
        CR,
        Info,
        Godwit,
        always,
        int_columns,
        "INT column",
        "INT is 64-bit on CockroachDB: becomes bigint"
    ),
    rule!(
        "pg.nulls-not-distinct",
        ANY,
        Blocker,
        User,
        |t| !t.at_least(15, 0),
        nulls_not_distinct,
        "NULLS NOT DISTINCT before PostgreSQL 15",
        "upgrade the target to PostgreSQL 15+ or use a unique index on COALESCE expressions"
    ),
    rule!(
        "pg.virtual-generated",
        ANY,
        Warning,
        Godwit,
        |t| !t.at_least(18, 0),
        pg_virtual,
        "virtual generated column before PostgreSQL 18",
        "becomes STORED"
    ),
];

fn table_hits(s: &Schema, pred: impl Fn(&Table) -> Option<String>) -> Vec<Hit> {
    s.tables
        .iter()
        .filter_map(|t| pred(t).map(|m| Hit::new(ObjectKey::Table(t.qualified_name()), m)))
        .collect()
}

fn column_hits(s: &Schema, pred: impl Fn(&Table, &Column) -> Option<String>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in s.tables.iter().filter(|t| !t.is_partition()) {
        for c in t.columns.iter().filter(|c| !c.inherited) {
            if let Some(m) = pred(t, c) {
                hits.push(Hit::new(ObjectKey::Column(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

fn index_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Index) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in &s.tables {
        for i in t.indexes.iter().filter(|i| !i.inherited) {
            if let Some(m) = pred(i) {
                hits.push(Hit::new(ObjectKey::Index(t.qualified_name(), i.name.clone()), m));
            }
        }
    }
    hits
}

fn constraint_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Constraint) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in &s.tables {
        for c in t.constraints.iter().filter(|c| !c.inherited) {
            if let Some(m) = pred(c) {
                hits.push(Hit::new(ObjectKey::Constraint(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

/// True for the hidden `rowid` (or `rowid_1`, ...) column CockroachDB adds to keyless tables.
pub(crate) fn is_implicit_rowid(c: &Column) -> bool {
    let named = c.name == "rowid"
        || c.name.strip_prefix("rowid_").is_some_and(|n| n.parse::<u32>().is_ok());
    named
        && c.cockroach.hidden
        && c.default.as_deref().is_some_and(|d| d.contains("unique_rowid()"))
}

/// True for a hash-sharded index's shard column (`crdb_internal_<cols>_shard_<n>`).
pub(crate) fn is_shard_column(c: &Column) -> bool {
    c.name.starts_with("crdb_internal_") && c.name.contains("_shard_")
}

fn hidden_rowid(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let rowid = t.columns.iter().find(|c| is_implicit_rowid(c))?;
        let keyed = t.primary_key().is_some_and(|pk| pk.columns == [rowid.name.clone()]);
        Some(if keyed {
            format!("primary key is the hidden {}", rowid.name)
        } else {
            format!("hidden {} survives beside the primary key", rowid.name)
        })
    })
}

fn unique_rowid_defaults(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let d = c.default.as_deref()?;
        (d.contains("unique_rowid()") && !is_implicit_rowid(c)).then(|| format!("DEFAULT {d}"))
    })
}

fn hash_sharded(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        let h = i.cockroach.hash_sharded.as_ref()?;
        Some(match h.bucket_count {
            Some(n) => format!("USING HASH WITH (bucket_count = {n})"),
            None => "USING HASH".to_owned(),
        })
    })
}

fn shard_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| is_shard_column(c).then(|| "hash-shard column".to_owned()))
}

fn families(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let f = &t.cockroach.families;
        (!f.is_empty())
            .then(|| format!("{} famil{}", f.len(), if f.len() == 1 { "y" } else { "ies" }))
    })
}

fn not_visible_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let system = is_implicit_rowid(c)
            || is_shard_column(c)
            || c.name == "crdb_internal_expiration"
            || c.name == "crdb_region";
        (c.cockroach.hidden && !system).then(|| "NOT VISIBLE".to_owned())
    })
}

fn not_visible_indexes(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| i.cockroach.not_visible.then(|| "NOT VISIBLE".to_owned()))
}

fn on_update(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| c.cockroach.on_update.as_ref().map(|e| format!("ON UPDATE {e}")))
}

fn ttl(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let opts: Vec<&str> =
            t.options.iter().filter(|o| o.starts_with("ttl")).map(String::as_str).collect();
        (!opts.is_empty()).then(|| opts.join(", "))
    })
}

fn storage_params(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let opts: Vec<&str> = t
            .options
            .iter()
            .filter(|o| !o.starts_with("ttl") && !o.starts_with("fillfactor"))
            .map(String::as_str)
            .collect();
        (!opts.is_empty()).then(|| opts.join(", "))
    })
}

fn locality(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| t.cockroach.locality.as_ref().map(|l| format!("LOCALITY {l}")))
}

fn partitioning(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = table_hits(s, |t| {
        t.cockroach.partitioning.as_ref().map(|p| format!("PARTITION BY {}", first_line(p)))
    });
    hits.extend(index_hits(s, |i| {
        i.cockroach.partitioning.as_ref().map(|p| format!("PARTITION BY {}", first_line(p)))
    }));
    hits
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn zone_configs(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let n = t.cockroach.zone_configs.len();
        (n > 0).then(|| format!("{n} CONFIGURE ZONE statement(s)"))
    })
}

fn interleave(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = table_hits(s, |t| {
        t.cockroach.interleave.as_ref().map(|i| format!("INTERLEAVE IN PARENT {i}"))
    });
    hits.extend(index_hits(s, |i| {
        i.definition
            .to_ascii_uppercase()
            .contains("INTERLEAVE IN PARENT")
            .then(|| "index INTERLEAVE IN PARENT".to_owned())
    }));
    hits
}

fn unique_without_index(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| c.cockroach.without_index.then(|| c.definition.clone()))
}

fn legacy_primary(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| (c.name == "primary").then(|| "CONSTRAINT \"primary\"".to_owned()))
}

fn index_name_conflicts(s: &Schema, _: Target) -> Vec<Hit> {
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<(String, String), Vec<QualifiedName>> = BTreeMap::new();
    for t in &s.tables {
        for i in &t.indexes {
            seen.entry((t.schema.clone(), i.name.clone())).or_default().push(t.qualified_name());
        }
    }
    let mut hits = Vec::new();
    for ((_, name), owners) in seen.into_iter().filter(|(_, o)| o.len() > 1) {
        for t in owners.iter().skip(1) {
            hits.push(Hit::new(
                ObjectKey::Index(t.clone(), name.clone()),
                format!("index {name} also exists on {}", owners[0]),
            ));
        }
    }
    hits
}

fn virtual_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let v = c.generated.as_ref().is_some_and(|g| g.kind == GeneratedKind::Virtual);
        (v && !is_shard_column(c)).then(|| "VIRTUAL".to_owned())
    })
}

fn pg_virtual(s: &Schema, t: Target) -> Vec<Hit> {
    if s.dialect == Dialect::Cockroach {
        return Vec::new();
    }
    virtual_columns(s, t)
}

fn internal_functions(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let uses = |e: &Option<String>| e.as_deref().is_some_and(|e| e.contains("crdb_internal."));
        let generated = c.generated.as_ref().map(|g| g.expression.clone());
        let internal = (uses(&c.default) || uses(&generated)) && !is_shard_column(c);
        internal.then(|| "expression calls crdb_internal".to_owned())
    })
}

fn spatial(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let b = c.base_type.to_uppercase();
        (b.starts_with("GEOMETRY") || b.starts_with("GEOGRAPHY") || b == "BOX2D")
            .then(|| c.data_type.clone())
    })
}

fn extension_types(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let b = c.base_type.to_uppercase();
        (b == "CITEXT" || b == "LTREE" || b.starts_with("VECTOR")).then(|| c.data_type.clone())
    })
}

fn int_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let b = c.base_type.to_uppercase();
        (b == "INT" || b == "INTEGER" || b == "INT64")
            .then(|| format!("{} becomes bigint", c.data_type))
    })
}

/// Expression texts of a column: default, computed expression and ON UPDATE.
fn column_expressions(c: &Column) -> Vec<&str> {
    [
        c.default.as_deref(),
        c.generated.as_ref().map(|g| g.expression.as_str()),
        c.cockroach.on_update.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn crdb_expression_syntax(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |_, c| {
        let texts = column_expressions(c);
        let annotated =
            texts.iter().any(|t| t.contains(":::") || t.contains("current_timestamp()"));
        (annotated && !is_shard_column(c)).then(|| texts.join(" / "))
    })
}

fn crdb_only_functions(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = column_hits(s, |_, c| {
        let texts = column_expressions(c);
        texts.iter().any(|t| has_crdb_only_function(t)).then(|| texts.join(" / "))
    });
    hits.extend(constraint_hits(s, |c| {
        c.check.as_deref().filter(|t| has_crdb_only_function(t)).map(str::to_owned)
    }));
    hits
}

fn has_crdb_only_function(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    text.contains("//")
        || upper.contains("IFNULL(")
        || upper.starts_with("IF(")
        || upper.contains(" IF(")
        || upper.contains("(IF(")
}

fn temp_tables(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::Persistence;
    table_hits(s, |t| {
        (t.persistence == Persistence::Temporary).then(|| "CREATE TEMP TABLE".to_owned())
    })
}

fn nulls_not_distinct(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| c.nulls_not_distinct.then(|| c.definition.clone()))
}
