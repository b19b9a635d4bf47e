//! Reading `pg_dump --schema-only` files into the schema model, checked against the fixtures
//! and against introspection of the same schema loaded into a real server.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::process::Command;

use godwit::dialect::Dialect;
use godwit::schema::model::{
    ConstraintKind, GeneratedKind, IdentityKind, IndexTarget, PartitionOf, QualifiedName,
    ReplicaIdentity, RoutineKind, TableKind, TriggerEvent, TriggerTiming,
};
use godwit::schema::parse::pg::parse;
use godwit::schema::parse::{Location, ObjectKey, Parsed};
use godwit::schema::{Filter, Schema, introspect};
use godwit_test_support::{TestDb, chain, cluster, test_db};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/pg-schemas");

/// The fixture `name`, read and parsed.
fn fixture(name: &str) -> (String, Parsed) {
    let path = format!("{FIXTURES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let parsed = parse(&text, "fixture");
    assert!(parsed.diagnostics.is_empty(), "{name}: {:#?}", parsed.diagnostics);
    (text, parsed)
}

fn qn(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

fn at(line: u32, column: u32) -> Location {
    Location { line, column }
}

/// Object counts of a schema, by kind.
#[derive(Debug, PartialEq, Eq)]
struct Tally {
    tables: usize,
    views: usize,
    functions: usize,
    triggers: usize,
    rules: usize,
    domains: usize,
    enums: usize,
    sequences: usize,
    indexes: usize,
}

fn tally(s: &Schema) -> Tally {
    Tally {
        tables: s.tables.len(),
        views: s.views.len(),
        functions: s.routines.len(),
        triggers: s.triggers.len(),
        rules: s.rules.len(),
        domains: s.types.domains.len(),
        enums: s.types.enums.len(),
        sequences: s.sequences.len(),
        indexes: s.tables.iter().map(|t| t.indexes.len()).sum::<usize>()
            + s.views.iter().map(|v| v.indexes.len()).sum::<usize>(),
    }
}

// ---------------------------------------------------------------------------------------------
// Equivalence with introspection
// ---------------------------------------------------------------------------------------------

/// Fields the parser cannot know, blanked on both sides before comparing, with the reason.
const EXCLUDED: &[(&str, &str)] = &[
    ("Schema.server_version", "a file does not say which server will load it"),
    ("Table.estimated_rows, Table.total_bytes", "planner statistics and sizes of a live table"),
    ("View.columns", "output column types need the catalog (semantic analysis of the query)"),
    (
        "Column.array_dimensions above 1",
        "pg_dump prints int[][] as integer[] (format_type drops dimensions): a dump cannot tell",
    ),
    ("Routine.definition", "pg_get_functiondef's layout differs from pg_dump's CREATE FUNCTION"),
    ("Extension.version", "CREATE EXTENSION without VERSION installs the default version"),
    (
        "Namespace public: owner, comment and privileges",
        "initdb creates public (owner pg_database_owner, comment 'standard public schema', ACL \
         with USAGE for PUBLIC); the 2017 dump does not mention it",
    ),
];

/// `schema` with the [`EXCLUDED`] fields blanked.
fn comparable(mut schema: Schema) -> Schema {
    schema.server_version = None;
    schema.database = String::new();
    for t in &mut schema.tables {
        t.estimated_rows = None;
        t.total_bytes = None;
        for c in &mut t.columns {
            c.array_dimensions = c.array_dimensions.min(1);
        }
    }
    for v in &mut schema.views {
        v.columns.clear();
    }
    for r in &mut schema.routines {
        r.definition = None;
    }
    for e in &mut schema.extensions {
        e.version = String::new();
    }
    for n in schema.schemas.iter_mut().filter(|n| n.name == "public") {
        n.owner = String::new();
        n.comment = None;
        n.privileges = None;
    }
    schema
}

/// Text printed by the server with `search_path` empty against the same text of a dump written
/// with `search_path = public, pg_catalog`: the only difference is the `public.` prefix of
/// names in view, rule and trigger bodies, which the parser cannot add without the catalog.
fn unqualified(text: &str) -> String {
    text.replace("public.", "")
}

/// Assert that two lists hold the same objects, object by object, keyed by `key`.
fn same_objects<T: Debug + PartialEq, K: Ord + Debug>(what: &str, live: &[T], parsed: &[T], key: impl Fn(&T) -> K) {
    let live: BTreeMap<K, &T> = live.iter().map(|o| (key(o), o)).collect();
    let parsed: BTreeMap<K, &T> = parsed.iter().map(|o| (key(o), o)).collect();
    let live_keys: Vec<&K> = live.keys().collect();
    let parsed_keys: Vec<&K> = parsed.keys().collect();
    assert_eq!(parsed_keys, live_keys, "{what}: the same objects");
    for (k, l) in &live {
        assert_eq!(parsed[k], *l, "{what} {k:?}: parsed (left) against introspected (right)");
    }
}

/// Compare a parsed schema with the introspected one, kind by kind.
fn assert_equivalent(live: Schema, parsed: Schema) {
    let mut live = comparable(live);
    let mut parsed = comparable(parsed);
    for s in [&mut live, &mut parsed] {
        for v in &mut s.views {
            v.definition = unqualified(&v.definition);
        }
        for r in &mut s.rules {
            r.definition = unqualified(&r.definition);
        }
    }
    same_objects("schema", &live.schemas, &parsed.schemas, |n| n.name.clone());
    same_objects("extension", &live.extensions, &parsed.extensions, |e| e.name.clone());
    let name = |s: &String, n: &String| (s.clone(), n.clone());
    for (l, p) in live.tables.iter().zip(&parsed.tables) {
        let what = format!("{}.{}", l.schema, l.name);
        same_objects(&format!("{what} column"), &l.columns, &p.columns, |c| c.name.clone());
        same_objects(&format!("{what} constraint"), &l.constraints, &p.constraints, |c| c.name.clone());
        same_objects(&format!("{what} index"), &l.indexes, &p.indexes, |i| i.name.clone());
    }
    same_objects("table", &live.tables, &parsed.tables, |t| name(&t.schema, &t.name));
    same_objects("view", &live.views, &parsed.views, |v| name(&v.schema, &v.name));
    same_objects("sequence", &live.sequences, &parsed.sequences, |s| name(&s.schema, &s.name));
    same_objects("enum", &live.types.enums, &parsed.types.enums, |t| name(&t.schema, &t.name));
    same_objects("domain", &live.types.domains, &parsed.types.domains, |t| name(&t.schema, &t.name));
    same_objects("composite", &live.types.composites, &parsed.types.composites, |t| name(&t.schema, &t.name));
    same_objects("range", &live.types.ranges, &parsed.types.ranges, |t| name(&t.schema, &t.name));
    same_objects("routine", &live.routines, &parsed.routines, |r| {
        (r.schema.clone(), r.name.clone(), r.arguments.clone())
    });
    let on_table = |s: &String, t: &String, n: &String| (s.clone(), t.clone(), n.clone());
    same_objects("trigger", &live.triggers, &parsed.triggers, |t| on_table(&t.schema, &t.table, &t.name));
    same_objects("rule", &live.rules, &parsed.rules, |r| on_table(&r.schema, &r.table, &r.name));
    same_objects("policy", &live.policies, &parsed.policies, |p| on_table(&p.schema, &p.table, &p.name));
    assert_eq!(parsed, live, "whole schema");
}

/// Load a SQL file into `db` with psql, stopping at the first error.
fn load_with_psql(db: &TestDb, path: &str) {
    let psql = cluster().bindir().join("psql");
    let out = Command::new(&psql)
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-q", "-f", path, "-d", &db.url()])
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", psql.display()));
    assert!(out.status.success(), "psql -f {path}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Introspect every user schema of `db`.
async fn introspected(db: &TestDb) -> Schema {
    introspect(db.client(), Dialect::Postgres, &Filter::default())
        .await
        .unwrap_or_else(|e| panic!("introspection failed: {}", chain(&e)))
}

#[tokio::test]
async fn the_2017_dump_parses_to_what_introspection_reads() {
    let db = test_db().await;
    let path = format!("{FIXTURES}/pagila-2017-inheritance.sql");
    load_with_psql(&db, &path);
    let live = introspected(&db).await;
    let (_, parsed) = fixture("pagila-2017-inheritance.sql");
    assert!(!EXCLUDED.is_empty());
    assert_equivalent(live, parsed.schema);
}

/// A schema using most of what `pg_dump` can write, to round-trip through the real `pg_dump`.
const RICH: &str = r#"
    create schema app;
    comment on schema app is 'application';
    create extension pg_trgm with schema app;
    create extension btree_gist;
    create type app.mood as enum ('sad', 'ok', 'happy');
    create type app.pair as (x integer, label text collate "C");
    create type app.floatrange as range (subtype = float8, subtype_diff = float8mi);
    create domain app.positive as numeric(10,2) default 1 not null
        constraint positive_check check (value > 0);
    alter domain app.positive add constraint positive_small check (value < 1000000) not valid;
    create domain app.code as varchar(8) collate "C";
    create sequence app.counter as integer start with 100 increment by 5 minvalue 50
        maxvalue 100000 cache 10 cycle;
    create table app.parent (
        id bigint generated always as identity (start with 7),
        alt int generated by default as identity,
        name varchar(40) collate "C" not null default 'x',
        price numeric(10,2) check (price >= 0),
        total numeric generated always as (price * 2) stored,
        tags text[] default '{}',
        matrix int[][],
        m app.mood default 'ok',
        p app.pair,
        r app.floatrange,
        c app.code,
        amount app.positive,
        ch char(3),
        flags bit(4),
        span interval day to second(2),
        stamp timestamp(3) with time zone default now(),
        during tstzrange,
        doc jsonb,
        constraint parent_pkey primary key (id) include (name),
        constraint parent_name_key unique nulls not distinct (name) deferrable initially deferred,
        constraint parent_no_overlap exclude using gist (alt with =, during with &&)
    );
    comment on column app.parent.name is 'the name';
    comment on constraint parent_name_key on app.parent is 'unique names';
    alter sequence app.counter owned by app.parent.alt;
    create unlogged table app.scratch (a int primary key, b text) with (fillfactor = 70);
    alter table app.scratch replica identity full;
    create table app.child (
        id int references app.parent (id) match full on delete cascade,
        other int,
        note text,
        unique (other, note)
    );
    alter table app.child add constraint child_other_check check (other > 0) not valid;
    alter table app.child add constraint child_parent_fk foreign key (other)
        references app.parent (id) on update set null not valid;
    create index child_note_lower on app.child (lower(note) text_pattern_ops desc nulls last)
        where note is not null;
    create index child_note_trgm on app.child using gin (note app.gin_trgm_ops);
    create index child_multi on app.child (other nulls first, note collate "C") include (id);
    create table app.events (id int not null, at date not null, kind text) partition by range (at);
    create table app.events_2024 partition of app.events
        for values from ('2024-01-01') to ('2025-01-01');
    create table app.events_rest partition of app.events default;
    alter table app.events add primary key (id, at);
    create index events_kind on app.events (kind);
    create table app.lists (k text, v int) partition by list (k);
    create table app.lists_ab partition of app.lists for values in ('a', 'b');
    create table app.base (id int, created timestamptz default now());
    create table app.derived (extra text) inherits (app.base);
    alter table app.derived add constraint derived_id_check check (id > 0);
    alter table app.base enable row level security;
    alter table app.base force row level security;
    create policy base_read on app.base for select to public using (id > 0);
    create policy base_write on app.base as restrictive for insert with check (id < 100);
    create view app.v as select id, name from app.parent where price > 1
        with local check option;
    create view app.sv with (security_barrier) as select 1 as one;
    create materialized view app.mv as select id from app.parent with no data;
    create unique index mv_id on app.mv (id);
    comment on materialized view app.mv is 'matview';
    create function app.add(a integer, b integer default 1) returns integer
        language sql immutable strict as 'select a + b';
    create function app.rows(n int) returns table (i int, t text)
        language sql stable as $$ select g, g::text from generate_series(1, n) g $$;
    create function app.outs(in a int, out b int, out c text)
        language plpgsql security definer as $$ begin b := a; c := 'x'; end $$;
    create procedure app.proc(a int, inout b int) language plpgsql as $$ begin b := a; end $$;
    create function app.touch() returns trigger language plpgsql as $$
        begin new.note := coalesce(new.note, 'n'); return new; end $$;
    create function app.audit() returns trigger language plpgsql as $$
        begin return null; end $$;
    create aggregate app.total(numeric) (sfunc = numeric_add, stype = numeric, initcond = '0');
    create trigger child_touch before insert or update of note, other on app.child
        for each row when (new.other is distinct from 0) execute function app.touch();
    create trigger child_audit after delete on app.child
        referencing old table as gone for each statement execute function app.audit('a', '1');
    create trigger events_audit after insert on app.events
        for each row execute function app.audit();
    alter table app.child disable trigger child_audit;
    create rule child_log as on update to app.child do also notify child_changed;
    do $$ begin create role godwit_parse_reader; exception when duplicate_object then null; end $$;
    grant usage on schema app to godwit_parse_reader;
    grant select, insert on app.parent to godwit_parse_reader with grant option;
    grant select on app.v to public;
    revoke execute on function app.add(integer, integer) from public;
    grant execute on function app.add(integer, integer) to godwit_parse_reader;
    grant usage on type app.mood to godwit_parse_reader;
    grant usage, select on sequence app.counter to godwit_parse_reader;
"#;

#[tokio::test]
async fn a_real_pg_dump_parses_to_what_introspection_reads() {
    let db = test_db().await;
    db.execute_script(RICH).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.sql");
    let pg_dump = cluster().bindir().join("pg_dump");
    let out = Command::new(&pg_dump)
        .args(["--schema-only", "-d", &db.url(), "-f"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", pg_dump.display()));
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = parse(&text, db.name());
    assert!(parsed.diagnostics.is_empty(), "{:#?}\n{text}", parsed.diagnostics);
    let live = introspected(&db).await;
    assert_equivalent(live, parsed.schema);
}
