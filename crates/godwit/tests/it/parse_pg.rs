//! Reading `pg_dump --schema-only` files into the schema model, checked against the fixtures
//! and against introspection of the same schema loaded into a real server.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::process::Command;

use godwit::dialect::Dialect;
use godwit::schema::model::{
    ConstraintKind, GeneratedKind, IndexTarget, PartitionOf, QualifiedName, RoutineKind, TableKind,
    TriggerEvent, TriggerTiming,
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

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> u32 {
    let index = text.lines().position(|l| l.starts_with(prefix));
    let index = index.unwrap_or_else(|| panic!("no line starts with {prefix:?}"));
    u32::try_from(index + 1).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn pagila_reads_with_pg18_features() {
    let (text, parsed) = fixture("pagila.sql");
    let s = &parsed.schema;
    let expected = Tally {
        tables: 71,
        views: 8,
        functions: 10,
        triggers: 16,
        rules: 0,
        domains: 2,
        enums: 1,
        sequences: 13,
        indexes: 164,
    };
    assert_eq!(tally(s), expected);

    let film = s.table("public", "film").unwrap();
    let hours = film.column("length_hours").unwrap().generated.as_ref().unwrap();
    assert_eq!(hours.kind, GeneratedKind::Virtual);
    assert_eq!(hours.expression, "round(length / 60.0, 2)");
    assert_eq!(film.column("rating").unwrap().default.as_deref(), Some("'G'::public.mpaa_rating"));
    assert_eq!(film.column("release_year").unwrap().data_type, "public.year");
    assert_eq!(film.column("special_features").unwrap().data_type, "text[]");
    assert_eq!(film.index("film_fulltext_idx").unwrap().method, "gist");
    let customer = s.table("public", "customer").unwrap();
    assert_eq!(customer.column("uuid").unwrap().default.as_deref(), Some("uuidv7()"));

    let embedding = s.table("public", "film_embedding").unwrap();
    let column = embedding.column("embedding").unwrap();
    assert_eq!(
        (column.data_type.as_str(), column.base_type.as_str()),
        ("public.vector(20)", "public.vector")
    );
    assert_eq!(column.typmod, Some(20));
    let hnsw = embedding.index("film_embedding_embedding_hnsw_idx").unwrap();
    assert_eq!(hnsw.method, "hnsw");
    assert_eq!(hnsw.keys[0].opclass, Some(qn("public", "vector_cosine_ops")));
    let vector = s.extensions.iter().find(|e| e.name == "vector").unwrap();
    assert_eq!((vector.schema.as_str(), vector.comment.is_some()), ("public", true));

    let payment = s.table("public", "payment").unwrap();
    assert_eq!(payment.kind, TableKind::Partitioned);
    assert_eq!(payment.partition_key.as_deref(), Some("RANGE (payment_date)"));
    assert_eq!(payment.primary_key().unwrap().columns, ["payment_date", "payment_id"]);
    let january = s.table("public", "payment_p2022_01").unwrap();
    let bound = "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')";
    let parent = PartitionOf { parent: qn("public", "payment"), bound: bound.into() };
    assert_eq!(january.partition_of, Some(parent));
    let pkey = january.constraint("payment_p2022_01_pkey").unwrap();
    assert!(pkey.inherited && january.index("payment_p2022_01_pkey").unwrap().inherited);
    assert!(january.index("payment_p2022_01_uuid_payment_date_idx").unwrap().inherited);

    let matview = s.view("public", "rental_by_category").unwrap();
    assert!(matview.materialized && !matview.populated);
    assert!(
        matview.definition.starts_with(" SELECT c.name AS category,"),
        "{}",
        matview.definition
    );
    let names: Vec<&str> = s.types.domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["bıgınt", "year"]);
    let public = &s.schemas[0];
    assert_eq!((public.name.as_str(), public.owner.as_str()), ("public", "postgres"));
    assert_eq!(public.privileges.as_ref().map(Vec::len), Some(2));

    let key = ObjectKey::Table(qn("public", "payment"));
    let line = line_of(&text, "CREATE TABLE public.payment (");
    assert_eq!(parsed.locations[&key], at(line, 1));
    let key = ObjectKey::Column(qn("public", "film"), "length_hours".into());
    assert_eq!(parsed.locations[&key], at(line_of(&text, "    length_hours "), 5));
}

#[test]
fn the_2017_dump_reads_inheritance_rules_and_triggers() {
    let (text, parsed) = fixture("pagila-2017-inheritance.sql");
    let s = &parsed.schema;
    let expected = Tally {
        tables: 21,
        views: 7,
        functions: 10,
        triggers: 15,
        rules: 6,
        domains: 1,
        enums: 1,
        sequences: 13,
        indexes: 44,
    };
    assert_eq!(tally(s), expected);
    for month in 1..=6 {
        let name = format!("payment_p2017_0{month}");
        let child = s.table("public", &name).unwrap();
        assert_eq!(child.inherits, [qn("public", "payment")]);
        assert!(child.columns.iter().all(|c| c.inherited), "{name}: columns come from payment");
        assert_eq!(child.columns.len(), 6);
        let default = child.column("payment_id").unwrap().default.as_deref();
        assert_eq!(default, Some("nextval('public.payment_payment_id_seq'::regclass)"));
        let check = child.constraint(&format!("{name}_payment_date_check")).unwrap();
        assert_eq!(check.kind, ConstraintKind::Check);
        assert_eq!(check.columns, ["payment_date"]);
        let line = line_of(&text, &format!("CREATE TABLE {name} ("));
        assert_eq!(parsed.locations[&ObjectKey::Table(qn("public", &name))], at(line, 1));
        let rule =
            s.rules.iter().find(|r| r.name == format!("payment_insert_p2017_0{month}")).unwrap();
        assert!(rule.instead && rule.table == "payment");
        assert_eq!(rule.event, godwit::schema::model::RuleEvent::Insert);
        let first = format!("CREATE RULE payment_insert_p2017_0{month} AS");
        assert!(rule.definition.starts_with(&first), "{}", rule.definition);
    }
    let fulltext = s.triggers.iter().find(|t| t.name == "film_fulltext_trigger").unwrap();
    assert_eq!(fulltext.timing, TriggerTiming::Before);
    assert_eq!(fulltext.events, [TriggerEvent::Insert, TriggerEvent::Update]);
    assert_eq!(fulltext.function, qn("pg_catalog", "tsvector_update_trigger"));
    assert_eq!(fulltext.arguments, ["fulltext", "pg_catalog.english", "title", "description"]);
    let key = ObjectKey::Trigger(qn("public", "film"), "film_fulltext_trigger".into());
    assert_eq!(
        parsed.locations[&key],
        at(line_of(&text, "CREATE TRIGGER film_fulltext_trigger"), 1)
    );
    let group_concat = s.routines.iter().find(|r| r.name == "group_concat").unwrap();
    assert_eq!(
        (group_concat.kind, group_concat.arguments.as_str()),
        (RoutineKind::Aggregate, "text")
    );
    let film = s.table("public", "film").unwrap();
    assert_eq!(film.column("rating").unwrap().data_type, "public.mpaa_rating");
    let key = ObjectKey::Constraint(qn("public", "film"), "film_pkey".into());
    assert_eq!(parsed.locations[&key], at(alter_line(&text, "film_pkey"), 1));
    let key = ObjectKey::Index(qn("public", "film"), "film_pkey".into());
    assert_eq!(parsed.locations[&key], at(alter_line(&text, "film_pkey"), 1));
}

/// The line of the `ALTER TABLE` statement that adds `constraint` (on the line after it).
fn alter_line(text: &str, constraint: &str) -> u32 {
    let lines: Vec<&str> = text.lines().collect();
    let add = lines.iter().position(|l| l.contains(&format!("ADD CONSTRAINT {constraint} ")));
    let alter = (0..add.unwrap()).rev().find(|&i| lines[i].starts_with("ALTER TABLE"));
    u32::try_from(alter.unwrap() + 1).unwrap()
}

#[test]
fn openstreetmap_reads_extensions_enums_and_gist_indexes() {
    let (_, parsed) = fixture("openstreetmap-apidb.sql");
    let s = &parsed.schema;
    let expected = Tally {
        tables: 57,
        views: 0,
        functions: 2,
        triggers: 0,
        rules: 0,
        domains: 0,
        enums: 8,
        sequences: 35,
        indexes: 155,
    };
    assert_eq!(tally(s), expected);
    let extensions: Vec<(&str, &str)> =
        s.extensions.iter().map(|e| (e.name.as_str(), e.schema.as_str())).collect();
    assert_eq!(
        extensions,
        [("btree_gist", "public"), ("plpgsql", "pg_catalog"), ("postgis", "public")]
    );
    let acls = s.table("public", "acls").unwrap();
    let address = acls.index("index_acls_on_address").unwrap();
    assert_eq!(address.method, "gist");
    assert_eq!(address.keys[0].opclass, Some(qn("pg_catalog", "inet_ops")));
    let notes = s.table("public", "notes").unwrap();
    let description = notes.index("index_notes_on_description").unwrap();
    assert_eq!(description.method, "gin");
    let target = IndexTarget::Expression("to_tsvector('english'::regconfig, description)".into());
    assert_eq!(description.keys[0].target, target);
    let users = s.table("public", "users").unwrap();
    let name = users.column("display_name").unwrap();
    assert_eq!(name.default.as_deref(), Some("''::character varying"));
    assert_eq!(
        users.column("id").unwrap().default.as_deref(),
        Some("nextval('public.users_id_seq'::regclass)")
    );
    let seq = s.sequence("public", "users_id_seq").unwrap();
    assert_eq!(seq.owned_by.as_ref().map(|o| o.column.as_str()), Some("id"));
    assert!(
        parsed.skipped.iter().any(|(_, text)| text.starts_with("Data, not schema: INSERT INTO"))
    );
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
fn same_objects<T: Debug + PartialEq, K: Ord + Debug>(
    what: &str,
    live: &[T],
    parsed: &[T],
    key: impl Fn(&T) -> K,
) {
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
        same_objects(&format!("{what} constraint"), &l.constraints, &p.constraints, |c| {
            c.name.clone()
        });
        same_objects(&format!("{what} index"), &l.indexes, &p.indexes, |i| i.name.clone());
    }
    same_objects("table", &live.tables, &parsed.tables, |t| name(&t.schema, &t.name));
    same_objects("view", &live.views, &parsed.views, |v| name(&v.schema, &v.name));
    same_objects("sequence", &live.sequences, &parsed.sequences, |s| name(&s.schema, &s.name));
    same_objects("enum", &live.types.enums, &parsed.types.enums, |t| name(&t.schema, &t.name));
    same_objects("domain", &live.types.domains, &parsed.types.domains, |t| {
        name(&t.schema, &t.name)
    });
    same_objects("composite", &live.types.composites, &parsed.types.composites, |t| {
        name(&t.schema, &t.name)
    });
    same_objects("range", &live.types.ranges, &parsed.types.ranges, |t| name(&t.schema, &t.name));
    same_objects("routine", &live.routines, &parsed.routines, |r| {
        (r.schema.clone(), r.name.clone(), r.arguments.clone())
    });
    let on_table = |s: &String, t: &String, n: &String| (s.clone(), t.clone(), n.clone());
    same_objects("trigger", &live.triggers, &parsed.triggers, |t| {
        on_table(&t.schema, &t.table, &t.name)
    });
    same_objects("rule", &live.rules, &parsed.rules, |r| on_table(&r.schema, &r.table, &r.name));
    same_objects("policy", &live.policies, &parsed.policies, |p| {
        on_table(&p.schema, &p.table, &p.name)
    });
    assert_eq!(parsed, live, "the whole schema, with these fields blanked: {EXCLUDED:#?}");
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
    let expected = Tally {
        tables: 21,
        views: 7,
        functions: 10,
        triggers: 15,
        rules: 6,
        domains: 1,
        enums: 1,
        sequences: 13,
        indexes: 44,
    };
    assert_eq!(tally(&live), expected, "the comparison below is not vacuous");
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
    let expected = Tally {
        tables: 10,
        views: 3,
        functions: 7,
        triggers: 5,
        rules: 1,
        domains: 2,
        enums: 1,
        sequences: 3,
        indexes: 15,
    };
    assert_eq!(tally(&live), expected, "the comparison below is not vacuous");
    assert_eq!(
        (live.policies.len(), live.types.ranges.len(), live.types.composites.len()),
        (2, 1, 1)
    );
    let parent = live.table("app", "parent").unwrap();
    assert_eq!(parent.privileges.as_ref().map(Vec::len), Some(2), "owner and reader");
    assert_equivalent(live, parsed.schema);
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_statements_are_reported_with_positions_and_skipped() {
    let text = "CREATE TABLE public.a (id integer);\n\
                CREATE TABLE public.b (id integer,);\n\
                \n\
                CREATE TABLE public.c (id integer);\n  \
                SELEC 1;\n\
                CREATE INDEX c_id ON public.c USING btree (id);\n\
                ALTER TABLE ONLY public.missing ADD CONSTRAINT m_pkey PRIMARY KEY (id);\n";
    let parsed = parse(text, "db");
    let found: Vec<(Location, &str)> =
        parsed.diagnostics.iter().map(|d| (d.location, d.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (at(2, 35), "Syntax error at or near \")\""),
            (at(5, 3), "Syntax error at or near \"SELEC\""),
            (at(7, 1), "Relation \"public.missing\" is not defined in this file"),
        ]
    );
    assert_eq!(parsed.diagnostics[1].statement, "SELEC 1;");
    let tables: Vec<&str> = parsed.schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["a", "c"]);
    assert!(parsed.schema.table("public", "c").unwrap().index("c_id").is_some());
}

#[test]
fn unterminated_input_is_reported_not_fatal() {
    let parsed = parse("CREATE TABLE t (a text DEFAULT 'x);\nCREATE TABLE u (a int);", "db");
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    assert!(
        parsed.diagnostics[0].message.starts_with("Unterminated quoted string"),
        "{:?}",
        parsed.diagnostics
    );
    assert_eq!(parsed.diagnostics[0].location, at(1, 32));
    let parsed = parse("CREATE TABLE t (a int", "db");
    assert_eq!(parsed.diagnostics[0].location, at(1, 22));
    assert!(parse("", "db").diagnostics.is_empty());
    assert_eq!(parse("CREATE TABLE t (a\0 int);", "db").diagnostics[0].location, at(1, 18));
}

/// A small deterministic generator (xorshift64*), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }
}

/// Fragments that stress the splitter and the parser when dropped into a statement.
const NOISE: &[&str] = &[
    "(",
    ")",
    "'",
    "\"",
    "$$",
    "$_$",
    ";",
    "\n",
    "\\restrict k\n",
    "--",
    "/*",
    "*/",
    "\0",
    "é",
    "ı",
    "CHECK (",
    "DEFAULT",
    "PRIMARY KEY",
    "REFERENCES x(",
    "::",
    "[",
    "]",
    ",",
    "ONLY",
    "PARTITION OF",
    "WITH (",
    "E'\\",
    "AS",
    "WHERE",
];

/// `text` with one random edit at a character boundary.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let a = bounds[rng.below(bounds.len())];
    let b = bounds[rng.below(bounds.len())];
    let (a, b) = (a.min(b), a.max(b).min(a.min(b) + 200));
    let b = bounds.iter().rev().copied().find(|&x| x <= b).unwrap_or(a);
    match rng.below(4) {
        0 => format!("{}{}", &text[..a], &text[b..]),
        1 => format!("{}{}{}", &text[..b], &text[a..b], &text[b..]),
        2 => format!("{}{}{}", &text[..a], NOISE[rng.below(NOISE.len())], &text[a..]),
        _ => text[..a].to_owned(),
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut diagnostics = 0;
    // More rounds on demand: GODWIT_PARSE_PG_MUTATIONS=100000 cargo test mutated_fixtures.
    let rounds = std::env::var("GODWIT_PARSE_PG_MUTATIONS").ok().and_then(|n| n.parse().ok());
    let rounds: usize = rounds.unwrap_or(1200);
    for name in ["pagila.sql", "pagila-2017-inheritance.sql", "openstreetmap-apidb.sql"] {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..rounds {
            let start = rng.below(lines.len());
            let window = lines[start..(start + 80).min(lines.len())].join("\n");
            let mut input = mutate(&mut rng, &window);
            for _ in 0..rng.below(3) {
                input = mutate(&mut rng, &input);
            }
            let parsed = parse(&input, "db");
            diagnostics += parsed.diagnostics.len();
            let lines = u32::try_from(input.lines().count() + 1).unwrap();
            for d in &parsed.diagnostics {
                assert!(d.location.line >= 1 && d.location.line <= lines, "{d:?} in {input:?}");
                assert!(d.location.column >= 1);
            }
        }
    }
    assert!(diagnostics > 100, "the mutations should break statements: {diagnostics}");
}
