//! Rules for a CockroachDB target (`crdb-dialect.md` §1, and the Schema Conversion Tool's
//! categories). Most read a PostgreSQL schema; the version rules also apply between
//! CockroachDB releases.

use super::rules::{Fixer, Rule, always};
use super::{Hit, Severity, Target};
use crate::dialect::Dialect;
use crate::schema::model::{
    Column, ConstraintKind, MatchType, RoutineKind, Schema, Table, TableKind, TriggerEvent,
    TriggerLevel, TriggerTiming,
};
use crate::schema::parse::ObjectKey;

const PG: Option<Dialect> = Some(Dialect::Postgres);
const CR: Dialect = Dialect::Cockroach;

macro_rules! rule {
    ($id:literal, $sev:ident, $fixer:ident, $gate:expr, $check:expr, $title:literal, $rewrite:literal) => {
        Rule {
            id: $id,
            source: PG,
            target: CR,
            severity: Severity::$sev,
            title: $title,
            rewrite: $rewrite,
            fixer: Fixer::$fixer,
            gate: $gate,
            check: $check,
        }
    };
}

/// Rules for a CockroachDB target.
pub(super) static RULES: &[Rule] = &[
    rule!(
        "table.no-primary-key",
        Warning,
        User,
        always,
        no_primary_key,
        "table without a primary key",
        "add a primary key; without one CockroachDB adds a hidden rowid key and rows cannot be matched for replication, verification or repair"
    ),
    rule!(
        "key.sequence",
        Suggestion,
        User,
        always,
        sequence_keys,
        "primary key filled from a sequence",
        "consider UUID (gen_random_uuid()) or unique_rowid() keys: sequences serialise inserts across nodes; godwit keeps the sequence and re-synchronises it at cutover"
    ),
    rule!(
        "index.timestamp-leading",
        Suggestion,
        User,
        always,
        timestamp_leading,
        "index led by a timestamp column",
        "sequential keys write to one range: make the index hash-sharded (USING HASH) or lead with another column"
    ),
    rule!(
        "type.int-width",
        Info,
        Godwit,
        always,
        int4_columns,
        "integer column",
        "emitted as INT4 explicitly: in CockroachDB INT means INT8"
    ),
    rule!(
        "table.inheritance",
        Warning,
        Godwit,
        always,
        inheritance,
        "table inheritance",
        "CockroachDB has no INHERITS: each child becomes a standalone table with its inherited columns; queries on the parent no longer see children's rows"
    ),
    rule!(
        "table.partitioned",
        Warning,
        Godwit,
        always,
        partitioned,
        "declaratively partitioned table",
        "partitions are collapsed into one table keyed by the parent's primary key; use row-level TTL instead of detaching partitions"
    ),
    rule!(
        "table.unlogged",
        Info,
        Godwit,
        always,
        unlogged,
        "unlogged table",
        "UNLOGGED is dropped: every CockroachDB table is replicated"
    ),
    rule!(
        "table.foreign",
        Blocker,
        User,
        always,
        foreign_tables,
        "foreign table",
        "CockroachDB has no foreign data wrappers: copy the data in or read it from the application"
    ),
    rule!(
        "table.row-level-security",
        Blocker,
        User,
        |t| !t.at_least(25, 2),
        row_security,
        "row-level security before v25.2",
        "upgrade the target to v25.2+ or enforce access in the application"
    ),
    rule!(
        "constraint.exclusion",
        Blocker,
        User,
        always,
        exclusions,
        "exclusion constraint",
        "CockroachDB has no exclusion constraints: enforce in the application, or use UNIQUE when the operator is ="
    ),
    rule!(
        "constraint.deferrable",
        Warning,
        Godwit,
        always,
        deferrable,
        "deferrable constraint",
        "DEFERRABLE is dropped: checks run per statement; order writes by dependency"
    ),
    rule!(
        "constraint.match-partial",
        Blocker,
        User,
        always,
        match_partial,
        "MATCH PARTIAL foreign key",
        "use MATCH SIMPLE or MATCH FULL"
    ),
    rule!(
        "constraint.nulls-not-distinct",
        Warning,
        User,
        always,
        nulls_not_distinct,
        "UNIQUE NULLS NOT DISTINCT",
        "not documented for CockroachDB: review, or enforce with a computed column"
    ),
    rule!(
        "constraint.jsonb-key",
        Blocker,
        User,
        always,
        jsonb_keys,
        "JSONB column in a key",
        "JSONB cannot be part of a primary, unique or foreign key: key a hash computed column instead"
    ),
    rule!(
        "type.domain",
        Warning,
        Godwit,
        always,
        domains,
        "domain",
        "CockroachDB has no domains: each column of the domain gets its base type plus the domain's NOT NULL, DEFAULT and CHECKs"
    ),
    rule!(
        "type.composite",
        Info,
        Godwit,
        always,
        composites,
        "composite type",
        "kept; field access needs parentheses ((x).f) and ALTER TYPE ... ATTRIBUTE is unimplemented"
    ),
    rule!(
        "routine.event-trigger",
        Blocker,
        User,
        always,
        event_trigger_functions,
        "event trigger function",
        "CockroachDB has no event triggers: drop it and track DDL another way"
    ),
    rule!(
        "type.enum",
        Info,
        Godwit,
        always,
        enums,
        "enum type",
        "created before the tables that use it; values can be added with ALTER TYPE ... ADD VALUE, not inside a transaction that uses them"
    ),
    rule!(
        "type.array",
        Info,
        Godwit,
        always,
        arrays,
        "array column",
        "kept: CockroachDB arrays are one-dimensional with lower bound 1"
    ),
    rule!(
        "column.generated",
        Info,
        Godwit,
        always,
        generated_columns,
        "generated column",
        "kept as a computed column (STORED or VIRTUAL); its expression must be immutable and is never copied"
    ),
    rule!(
        "view.plain",
        Info,
        Godwit,
        always,
        plain_views,
        "view",
        "recreated from its definition after the tables; views cannot call routines that modify data"
    ),
    rule!(
        "routine.security-definer",
        Info,
        User,
        always,
        security_definer,
        "SECURITY DEFINER routine",
        "kept: it runs with its owner's privileges, so the owning role must exist on the target"
    ),
    rule!(
        "extension.built-in",
        Info,
        Godwit,
        always,
        built_in_extensions,
        "extension built into CockroachDB",
        "CREATE EXTENSION is dropped: the types and functions are built in"
    ),
    rule!(
        "trigger.row",
        Info,
        Godwit,
        |t| t.at_least(24, 3),
        row_triggers,
        "row-level trigger",
        "recreated with EXECUTE FUNCTION; CockroachDB fires all BEFORE triggers, then AFTER, ordered by name"
    ),
    rule!(
        "type.money",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(s, &["money"], "money is unsupported; becomes DECIMAL(19,2)"),
        "money column",
        "mapped to DECIMAL(19,2); the currency symbol and locale formatting are lost"
    ),
    rule!(
        "type.range",
        Blocker,
        User,
        always,
        range_columns,
        "range type column",
        "CockroachDB has no range types: split into lower and upper bound columns with a CHECK"
    ),
    rule!(
        "type.geometric",
        Blocker,
        User,
        always,
        |s, _| columns_of(
            s,
            &["point", "line", "lseg", "box", "path", "polygon", "circle"],
            "geometric types are unsupported"
        ),
        "geometric type column",
        "use CockroachDB's spatial GEOMETRY types (PostGIS-compatible)"
    ),
    rule!(
        "type.network",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(s, &["cidr", "macaddr", "macaddr8"], "unsupported network type"),
        "cidr or macaddr column",
        "cidr becomes INET; macaddr and macaddr8 become STRING"
    ),
    rule!(
        "type.xml",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(s, &["xml"], "xml is unsupported"),
        "xml column",
        "stored as STRING; XML functions are not available"
    ),
    rule!(
        "type.json",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(s, &["json"], "JSON is an alias of JSONB"),
        "json column",
        "becomes JSONB: key order, whitespace and duplicate keys are not preserved"
    ),
    rule!(
        "type.system",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(
            s,
            &[
                "pg_lsn",
                "txid_snapshot",
                "pg_snapshot",
                "tid",
                "xid",
                "xid8",
                "cid",
                "regclass",
                "regtype",
                "regproc"
            ],
            "system type"
        ),
        "system type column",
        "stored as STRING"
    ),
    rule!(
        "type.oid",
        Warning,
        User,
        always,
        |s, _| columns_of(s, &["oid"], "OIDs (and large objects) do not carry over"),
        "oid column",
        "large objects are unsupported: store the content as BYTES; catalog OIDs differ on the target"
    ),
    rule!(
        "type.hstore",
        Warning,
        Godwit,
        always,
        |s, _| columns_of(s, &["public.hstore", "hstore"], "hstore is unsupported"),
        "hstore column",
        "becomes JSONB"
    ),
    rule!(
        "type.multidimensional-array",
        Blocker,
        User,
        always,
        multi_dim_arrays,
        "multi-dimensional array column",
        "CockroachDB arrays are one-dimensional: use JSONB or a child table"
    ),
    rule!(
        "type.vector",
        Blocker,
        User,
        |t| !t.at_least(24, 2),
        |s, _| columns_of(s, &["public.vector", "vector"], "VECTOR needs v24.2"),
        "vector column before v24.2",
        "upgrade the target to v24.2+"
    ),
    rule!(
        "type.citext",
        Warning,
        Godwit,
        |t| !t.at_least(25, 3),
        |s, _| columns_of(s, &["public.citext", "citext"], "CITEXT needs v25.3"),
        "citext column before v25.3",
        "becomes STRING COLLATE \"und-u-ks-level2\""
    ),
    rule!(
        "type.ltree",
        Blocker,
        User,
        |t| !t.at_least(25, 4),
        |s, _| columns_of(s, &["public.ltree", "ltree"], "LTREE needs v25.4"),
        "ltree column before v25.4",
        "upgrade the target to v25.4+"
    ),
    rule!(
        "type.jsonpath",
        Blocker,
        User,
        |t| !t.at_least(25, 2),
        |s, _| columns_of(s, &["jsonpath"], "JSONPATH needs v25.2"),
        "jsonpath column before v25.2",
        "upgrade the target to v25.2+"
    ),
    rule!(
        "column.collation",
        Warning,
        Godwit,
        always,
        collated_columns,
        "column with a collation",
        "collation names are mapped to CockroachDB locale names (\"C\" and \"POSIX\" become the default byte order); review ordering-sensitive queries"
    ),
    rule!(
        "index.method",
        Warning,
        Godwit,
        always,
        index_methods,
        "hash, BRIN, SP-GiST or GiST index",
        "rewritten as a b-tree index (GiST on spatial columns becomes an inverted index); a GiST index on other types is dropped"
    ),
    rule!(
        "index.expression",
        Info,
        Godwit,
        always,
        expression_indexes,
        "expression index",
        "kept: the expression must be immutable, and an expression index cannot be an ON CONFLICT arbiter"
    ),
    rule!(
        "index.vector",
        Warning,
        User,
        always,
        vector_indexes,
        "pgvector index (hnsw, ivfflat)",
        "dropped by convert: recreate it as CREATE VECTOR INDEX on v25.2+"
    ),
    rule!(
        "index.opclass",
        Info,
        Godwit,
        always,
        index_opclasses,
        "index operator class",
        "jsonb_path_ops becomes the default inverted index; other operator classes are dropped (CockroachDB compares strings bytewise)"
    ),
    rule!(
        "index.nulls-order",
        Info,
        Godwit,
        always,
        index_nulls_order,
        "NULLS FIRST/LAST in an index",
        "dropped: CockroachDB sorts NULLs first in ascending order"
    ),
    rule!(
        "trigger.requires-v24.3",
        Blocker,
        User,
        |t| !t.at_least(24, 3),
        triggers,
        "trigger before v24.3",
        "upgrade the target to v24.3+ or move the logic to the application"
    ),
    rule!(
        "trigger.statement-level",
        Blocker,
        User,
        always,
        statement_triggers,
        "statement-level trigger",
        "only FOR EACH ROW triggers exist: rewrite as a row trigger or move to the application"
    ),
    rule!(
        "trigger.truncate",
        Blocker,
        User,
        always,
        truncate_triggers,
        "TRUNCATE trigger",
        "no TRUNCATE triggers: move the logic to the application"
    ),
    rule!(
        "trigger.instead-of",
        Blocker,
        User,
        always,
        instead_of_triggers,
        "INSTEAD OF trigger on a view",
        "rewrite writes through the view as explicit DML"
    ),
    rule!(
        "trigger.transition-tables",
        Blocker,
        User,
        always,
        transition_tables,
        "trigger with transition tables",
        "REFERENCING NEW/OLD TABLE is unsupported: use a row trigger"
    ),
    rule!(
        "trigger.update-of",
        Warning,
        Godwit,
        always,
        update_of_triggers,
        "UPDATE OF columns trigger",
        "becomes an UPDATE trigger whose WHEN compares OLD and NEW of those columns"
    ),
    rule!(
        "trigger.constraint",
        Blocker,
        User,
        always,
        constraint_triggers,
        "constraint trigger",
        "CREATE CONSTRAINT TRIGGER is unimplemented: use a CHECK or application logic"
    ),
    rule!(
        "trigger.function-language",
        Blocker,
        User,
        always,
        trigger_languages,
        "trigger function not in PL/pgSQL",
        "rewrite the trigger function in PL/pgSQL"
    ),
    rule!(
        "trigger.builtin-function",
        Blocker,
        User,
        always,
        builtin_trigger_functions,
        "trigger calling a built-in trigger function",
        "CockroachDB lacks PostgreSQL's built-in trigger functions (tsvector_update_trigger, ...): compute the value in a stored computed column or a PL/pgSQL trigger function"
    ),
    rule!(
        "expression.function-unavailable",
        Warning,
        User,
        always,
        unavailable_functions,
        "expression calling a function CockroachDB lacks",
        "replace the call (uuidv7() → gen_random_uuid() or a UUIDv7 generated by the application)"
    ),
    rule!(
        "trigger.new-old-fields",
        Info,
        Godwit,
        always,
        trigger_functions,
        "trigger function body",
        "NEW.col and OLD.col become (NEW).col and (OLD).col; EXECUTE PROCEDURE becomes EXECUTE FUNCTION"
    ),
    rule!(
        "routine.requires-v23.2",
        Blocker,
        User,
        |t| !t.at_least(23, 2),
        plpgsql_routines,
        "PL/pgSQL routine before v23.2",
        "upgrade the target to v23.2+"
    ),
    rule!(
        "routine.language",
        Blocker,
        User,
        always,
        foreign_languages,
        "routine in an unsupported language",
        "only SQL and PL/pgSQL routines exist: rewrite it"
    ),
    rule!(
        "routine.aggregate",
        Blocker,
        User,
        always,
        aggregates,
        "user-defined aggregate",
        "CREATE AGGREGATE is unimplemented: use a built-in aggregate (e.g. string_agg for group_concat)"
    ),
    rule!(
        "routine.plpgsql-construct",
        Warning,
        User,
        always,
        plpgsql_constructs,
        "PL/pgSQL construct CockroachDB lacks",
        "rewrite: FOR-IN-query loops as WHILE over an explicit cursor, PERFORM as SELECT ... INTO, FOUND/GET DIAGNOSTICS via RETURNING or count(*), no dynamic EXECUTE, no %TYPE/%ROWTYPE"
    ),
    rule!(
        "routine.ddl",
        Warning,
        User,
        always,
        routine_ddl,
        "DDL inside a routine",
        "routines cannot run DDL on CockroachDB: move it out"
    ),
    rule!(
        "rule.unsupported",
        Blocker,
        User,
        always,
        rules_defined,
        "rewrite rule",
        "CREATE RULE is unimplemented: replace insert-routing rules with one table, view-update rules with explicit DML"
    ),
    rule!(
        "view.materialized",
        Info,
        Godwit,
        always,
        materialized_views,
        "materialized view",
        "created WITH NO DATA equivalent and refreshed after the data is copied (REFRESH cannot run in an explicit transaction)"
    ),
    rule!(
        "sequence.identity-always",
        Info,
        Godwit,
        always,
        identity_always,
        "GENERATED ALWAYS identity",
        "loaded as BY DEFAULT and switched back after the copy, since values are copied as they are"
    ),
    rule!(
        "extension.unavailable",
        Warning,
        Godwit,
        always,
        extensions,
        "extension not available on CockroachDB",
        "CREATE EXTENSION is dropped; each use of its types or functions is reported separately"
    ),
    rule!(
        "role.owner",
        Info,
        User,
        always,
        owners,
        "objects owned by a role",
        "create the role on the target before applying the schema (or apply with --no-owner)"
    ),
];

fn tables(s: &Schema) -> impl Iterator<Item = &Table> {
    s.tables.iter()
}

fn table_hits(s: &Schema, pred: impl Fn(&Table) -> Option<String>) -> Vec<Hit> {
    tables(s)
        .filter_map(|t| pred(t).map(|m| Hit::new(ObjectKey::Table(t.qualified_name()), m)))
        .collect()
}

/// Columns declared on the table itself (not inherited, not copied into partitions).
fn own_columns(s: &Schema) -> impl Iterator<Item = (&Table, &Column)> {
    tables(s)
        .filter(|t| !t.is_partition())
        .flat_map(|t| t.columns.iter().filter(|c| !c.inherited).map(move |c| (t, c)))
}

fn column_hits(s: &Schema, pred: impl Fn(&Column) -> Option<String>) -> Vec<Hit> {
    own_columns(s)
        .filter_map(|(t, c)| {
            pred(c).map(|m| Hit::new(ObjectKey::Column(t.qualified_name(), c.name.clone()), m))
        })
        .collect()
}

fn columns_of(s: &Schema, types: &[&str], why: &str) -> Vec<Hit> {
    column_hits(s, |c| {
        types.contains(&c.base_type.as_str()).then(|| format!("{} ({why})", c.data_type))
    })
}

fn no_primary_key(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let keyless =
            t.primary_key().is_none() && t.kind == TableKind::Regular && !t.is_partition();
        keyless.then(|| "no primary key".to_owned())
    })
}

fn sequence_keys(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        let Some(pk) = t.primary_key() else { continue };
        for c in pk.columns.iter().filter_map(|c| t.column(c)) {
            let seq = c.identity.is_some()
                || c.default.as_deref().is_some_and(|d| d.contains("nextval("));
            if seq {
                let m = format!("primary key column {} is filled from a sequence", c.name);
                hits.push(Hit::new(ObjectKey::Column(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

fn timestamp_leading(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for i in &t.indexes {
            let Some(crate::schema::model::IndexTarget::Column(first)) =
                i.keys.first().map(|k| &k.target)
            else {
                continue;
            };
            let ts = t.column(first).is_some_and(|c| c.base_type.starts_with("timestamp"));
            if ts {
                let m = format!("index {} starts with timestamp column {first}", i.name);
                hits.push(Hit::new(ObjectKey::Index(t.qualified_name(), i.name.clone()), m));
            }
        }
    }
    hits
}

fn int4_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| (c.base_type == "integer").then(|| "integer becomes INT4".to_owned()))
}

fn inheritance(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let parents: Vec<String> = t.inherits.iter().map(ToString::to_string).collect();
        (!parents.is_empty()).then(|| format!("inherits from {}", parents.join(", ")))
    })
}

fn partitioned(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        if t.kind != TableKind::Partitioned || t.is_partition() {
            return None;
        }
        let parts = tables(s)
            .filter(|p| p.partition_of.as_ref().is_some_and(|po| po.parent == t.qualified_name()))
            .count();
        let key = t.partition_key.as_deref().unwrap_or("?");
        Some(format!("PARTITION BY {key} with {parts} partitions"))
    })
}

fn unlogged(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::Persistence;
    table_hits(s, |t| (t.persistence == Persistence::Unlogged).then(|| "UNLOGGED".to_owned()))
}

fn foreign_tables(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        (t.kind == TableKind::Foreign)
            .then(|| format!("server {}", t.foreign_server.as_deref().unwrap_or("?")))
    })
}

fn row_security(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| t.row_security.then(|| "ENABLE ROW LEVEL SECURITY".to_owned()))
}

fn constraint_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Constraint) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for c in t.constraints.iter().filter(|c| !c.inherited) {
            if let Some(m) = pred(c) {
                hits.push(Hit::new(ObjectKey::Constraint(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

fn exclusions(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| (c.kind == ConstraintKind::Exclusion).then(|| c.definition.clone()))
}

fn deferrable(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| {
        let when = if c.initially_deferred { "INITIALLY DEFERRED" } else { "INITIALLY IMMEDIATE" };
        c.deferrable.then(|| format!("DEFERRABLE {when}"))
    })
}

fn match_partial(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| {
        c.foreign_key
            .as_ref()
            .filter(|fk| fk.match_type == MatchType::Partial)
            .map(|_| c.definition.clone())
    })
}

fn nulls_not_distinct(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| c.nulls_not_distinct.then(|| c.definition.clone()))
}

fn jsonb_keys(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for c in t.constraints.iter().filter(|c| {
            matches!(
                c.kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::ForeignKey
            )
        }) {
            let json: Vec<&str> = c
                .columns
                .iter()
                .filter(|n| t.column(n).is_some_and(|col| col.base_type.starts_with("json")))
                .map(String::as_str)
                .collect();
            if !json.is_empty() {
                let m = format!("key over JSON column(s) {}", json.join(", "));
                hits.push(Hit::new(ObjectKey::Constraint(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

fn domains(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .domains
        .iter()
        .map(|d| {
            let name = format!("{}.{}", d.schema, d.name);
            let users: Vec<String> = own_columns(s)
                .filter(|(_, c)| c.base_type == name)
                .map(|(t, c)| format!("{}.{}", t.qualified_name(), c.name))
                .collect();
            let used = if users.is_empty() {
                "not used by any column".to_owned()
            } else {
                format!("used by {}", users.join(", "))
            };
            Hit::new(
                ObjectKey::Type(crate::schema::QualifiedName::new(&d.schema, &d.name)),
                format!("domain over {}, {used}", d.base_type),
            )
        })
        .collect()
}

fn composites(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .composites
        .iter()
        .map(|c| {
            let key = ObjectKey::Type(crate::schema::QualifiedName::new(&c.schema, &c.name));
            Hit::new(key, format!("{} attributes", c.attributes.len()))
        })
        .collect()
}

fn event_trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        (r.result.as_deref() == Some("event_trigger")).then(|| "RETURNS event_trigger".to_owned())
    })
}

fn enums(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .enums
        .iter()
        .map(|e| {
            Hit::new(
                ObjectKey::Type(crate::schema::QualifiedName::new(&e.schema, &e.name)),
                format!("{} values", e.labels.len()),
            )
        })
        .collect()
}

fn arrays(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| (c.array_dimensions == 1).then(|| c.data_type.clone()))
}

fn generated_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| c.generated.as_ref().map(|g| format!("{:?} AS ({})", g.kind, g.expression)))
}

fn plain_views(s: &Schema, _: Target) -> Vec<Hit> {
    s.views
        .iter()
        .filter(|v| !v.materialized)
        .map(|v| Hit::new(ObjectKey::View(v.qualified_name()), "view"))
        .collect()
}

fn security_definer(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| r.security_definer.then(|| "SECURITY DEFINER".to_owned()))
}

fn built_in_extensions(s: &Schema, _: Target) -> Vec<Hit> {
    s.extensions
        .iter()
        .filter(|e| e.name != "plpgsql" && BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .map(|e| Hit::new(ObjectKey::Schema(e.schema.clone()), format!("extension {}", e.name)))
        .collect()
}

fn row_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        let events: Vec<String> =
            t.events.iter().map(|e| format!("{e:?}").to_uppercase()).collect();
        (t.level == TriggerLevel::Row)
            .then(|| format!("{:?} {} FOR EACH ROW", t.timing, events.join(" OR ")).to_uppercase())
    })
}

fn range_columns(s: &Schema, _: Target) -> Vec<Hit> {
    let mut ranges: Vec<String> = [
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "int4multirange",
        "int8multirange",
        "nummultirange",
        "tsmultirange",
        "tstzmultirange",
        "datemultirange",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    ranges.extend(s.types.ranges.iter().map(|r| format!("{}.{}", r.schema, r.name)));
    column_hits(s, |c| ranges.contains(&c.base_type).then(|| c.data_type.clone()))
}

fn multi_dim_arrays(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| {
        (c.array_dimensions > 1)
            .then(|| format!("{} with {} dimensions", c.data_type, c.array_dimensions))
    })
}

fn collated_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| c.collation.as_ref().map(|coll| format!("COLLATE {}", coll.name)))
}

fn index_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Index) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for i in t.indexes.iter().filter(|i| !i.inherited) {
            if let Some(m) = pred(i) {
                hits.push(Hit::new(ObjectKey::Index(t.qualified_name(), i.name.clone()), m));
            }
        }
    }
    hits
}

fn index_methods(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        ["hash", "brin", "spgist", "gist"]
            .contains(&i.method.as_str())
            .then(|| format!("USING {}", i.method))
    })
}

fn expression_indexes(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::IndexTarget;
    index_hits(s, |i| {
        let exprs: Vec<&str> = i
            .keys
            .iter()
            .filter_map(|k| match &k.target {
                IndexTarget::Expression(e) => Some(e.as_str()),
                IndexTarget::Column(_) => None,
            })
            .collect();
        (!exprs.is_empty()).then(|| format!("on {}", exprs.join(", ")))
    })
}

fn vector_indexes(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        ["hnsw", "ivfflat"].contains(&i.method.as_str()).then(|| format!("USING {}", i.method))
    })
}

fn index_opclasses(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        let names: Vec<&str> =
            i.keys.iter().filter_map(|k| k.opclass.as_ref().map(|o| o.name.as_str())).collect();
        (!names.is_empty()).then(|| format!("operator class {}", names.join(", ")))
    })
}

fn index_nulls_order(s: &Schema, _: Target) -> Vec<Hit> {
    // PostgreSQL's default is NULLS LAST ascending and NULLS FIRST descending.
    index_hits(s, |i| {
        let odd = i.keys.iter().any(|k| k.nulls_first != k.descending);
        (odd && i.method == "btree").then(|| "explicit NULLS FIRST/LAST".to_owned())
    })
}

fn trigger_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Trigger) -> Option<String>,
) -> Vec<Hit> {
    s.triggers
        .iter()
        .filter(|t| !t.inherited)
        .filter_map(|t| {
            pred(t).map(|m| {
                Hit::new(
                    ObjectKey::Trigger(
                        crate::schema::QualifiedName::new(&t.schema, &t.table),
                        t.name.clone(),
                    ),
                    m,
                )
            })
        })
        .collect()
}

fn triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |_| Some("triggers need v24.3".to_owned()))
}

fn statement_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (t.level == TriggerLevel::Statement).then(|| "FOR EACH STATEMENT".to_owned())
    })
}

fn truncate_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        t.events.contains(&TriggerEvent::Truncate).then(|| "ON TRUNCATE".to_owned())
    })
}

fn instead_of_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| (t.timing == TriggerTiming::InsteadOf).then(|| "INSTEAD OF".to_owned()))
}

fn transition_tables(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (t.old_table.is_some() || t.new_table.is_some()).then(|| "REFERENCING ... TABLE".to_owned())
    })
}

fn update_of_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (!t.update_columns.is_empty()).then(|| format!("UPDATE OF {}", t.update_columns.join(", ")))
    })
}

fn constraint_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| t.constraint.then(|| "CREATE CONSTRAINT TRIGGER".to_owned()))
}

fn trigger_function<'a>(
    s: &'a Schema,
    t: &crate::schema::model::Trigger,
) -> Option<&'a crate::schema::model::Routine> {
    s.routines
        .iter()
        .find(|r| r.schema == t.function.schema && r.name == t.function.name && r.returns_trigger)
}

fn builtin_trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        trigger_function(s, t).is_none().then(|| format!("EXECUTE FUNCTION {}", t.function))
    })
}

/// Functions PostgreSQL has and CockroachDB does not, as they appear in expressions.
const UNAVAILABLE_FUNCTIONS: &[&str] =
    &["uuidv7(", "uuidv4(", "pg_current_xact_id(", "txid_current(", "tsvector_update_trigger("];

fn unavailable_functions(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| {
        let texts = [c.default.as_deref(), c.generated.as_ref().map(|g| g.expression.as_str())];
        let found = UNAVAILABLE_FUNCTIONS
            .iter()
            .find(|f| texts.iter().flatten().any(|t| t.contains(*f)))?;
        Some(format!("calls {})", found))
    })
}

fn trigger_languages(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        let r = trigger_function(s, t)?;
        (r.language != "plpgsql").then(|| format!("function {} is in {}", t.function, r.language))
    })
}

fn trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref()?;
        (r.returns_trigger
            && (body.contains("NEW.")
                || body.contains("OLD.")
                || body.contains("new.")
                || body.contains("old.")))
        .then(|| "field access on NEW/OLD".to_owned())
    })
}

fn routine_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Routine) -> Option<String>,
) -> Vec<Hit> {
    s.routines
        .iter()
        .filter_map(|r| {
            pred(r).map(|m| {
                Hit::new(
                    ObjectKey::Routine(
                        crate::schema::QualifiedName::new(&r.schema, &r.name),
                        r.arguments.clone(),
                    ),
                    m,
                )
            })
        })
        .collect()
}

fn plpgsql_routines(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| (r.language == "plpgsql").then(|| "PL/pgSQL needs v23.2".to_owned()))
}

fn foreign_languages(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let ok = ["sql", "plpgsql", "internal"].contains(&r.language.as_str())
            || r.kind == RoutineKind::Aggregate;
        (!ok).then(|| format!("LANGUAGE {}", r.language))
    })
}

fn aggregates(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| (r.kind == RoutineKind::Aggregate).then(|| "CREATE AGGREGATE".to_owned()))
}

/// PL/pgSQL constructs CockroachDB lacks (`known-limitations/plpgsql-limitations.md`).
const PLPGSQL_GAPS: &[(&str, &str)] = &[
    ("%type", "%TYPE"),
    ("%rowtype", "%ROWTYPE"),
    ("perform ", "PERFORM"),
    ("get diagnostics", "GET DIAGNOSTICS"),
    ("foreach ", "FOREACH"),
    (" found", "FOUND"),
    ("assert ", "ASSERT"),
    ("execute ", "EXECUTE (dynamic SQL)"),
];

fn plpgsql_constructs(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref().filter(|_| r.language == "plpgsql")?.to_lowercase();
        let mut found: Vec<&str> = PLPGSQL_GAPS
            .iter()
            .filter(|(needle, _)| body.contains(needle))
            .map(|(_, name)| *name)
            .collect();
        if body.contains(" loop") && body.contains(" in select") {
            found.push("FOR ... IN query LOOP");
        }
        (!found.is_empty()).then(|| found.join(", "))
    })
}

fn routine_ddl(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref()?.to_lowercase();
        let ddl = ["create table", "alter table", "drop table", "create index", "truncate "]
            .iter()
            .find(|k| body.contains(*k))?;
        Some(format!("body runs {}", ddl.to_uppercase()))
    })
}

fn rules_defined(s: &Schema, _: Target) -> Vec<Hit> {
    s.rules
        .iter()
        .map(|r| {
            Hit::new(
                ObjectKey::Table(crate::schema::QualifiedName::new(&r.schema, &r.table)),
                format!(
                    "rule {} ({:?}{})",
                    r.name,
                    r.event,
                    if r.instead { ", DO INSTEAD" } else { "" }
                ),
            )
        })
        .collect()
}

fn materialized_views(s: &Schema, _: Target) -> Vec<Hit> {
    s.views
        .iter()
        .filter(|v| v.materialized)
        .map(|v| Hit::new(ObjectKey::View(v.qualified_name()), "materialized view"))
        .collect()
}

fn identity_always(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::IdentityKind;
    column_hits(s, |c| {
        c.identity
            .as_ref()
            .filter(|i| i.kind == IdentityKind::Always)
            .map(|_| "GENERATED ALWAYS AS IDENTITY".to_owned())
    })
}

/// Extensions whose features CockroachDB has built in (`crdb-dialect.md` §1.7).
const BUILT_IN_EXTENSIONS: &[&str] = &[
    "plpgsql",
    "uuid-ossp",
    "pg_trgm",
    "postgis",
    "fuzzystrmatch",
    "vector",
    "citext",
    "ltree",
    "pgcrypto",
];

fn extensions(s: &Schema, _: Target) -> Vec<Hit> {
    s.extensions
        .iter()
        .filter(|e| !BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .map(|e| {
            Hit::new(
                ObjectKey::Schema(e.schema.clone()),
                format!("extension {} {}", e.name, e.version),
            )
        })
        .collect()
}

fn owners(s: &Schema, _: Target) -> Vec<Hit> {
    let mut by_role: std::collections::BTreeMap<&str, Vec<&Table>> =
        std::collections::BTreeMap::new();
    for t in s.tables.iter().filter(|t| !t.owner.is_empty()) {
        by_role.entry(t.owner.as_str()).or_default().push(t);
    }
    by_role
        .into_iter()
        .map(|(role, tables)| {
            let message = format!("role {role} owns {} table(s)", tables.len());
            Hit::new(ObjectKey::Table(tables[0].qualified_name()), message)
        })
        .collect()
}
