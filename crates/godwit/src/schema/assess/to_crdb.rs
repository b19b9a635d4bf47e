//! Rules for a CockroachDB target (`crdb-dialect.md` §1, and the Schema Conversion Tool's
//! categories). Most read a PostgreSQL schema; the version rules also apply between
//! CockroachDB releases.

use super::Severity;
use super::rules::{Fixer, Rule, always};
use crate::dialect::Dialect;
mod code;
mod relations;

use code::*;
use relations::*;

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
