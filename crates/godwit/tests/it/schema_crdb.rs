//! CockroachDB catalog introspection against a real single-node CockroachDB.
//!
//! Runs only when `GODWIT_TEST_COCKROACH` names a `cockroach` binary: the test starts an
//! insecure, in-memory node on free local ports (`cockroach start-single-node`), creates one
//! object of each kind CockroachDB supports, introspects the database and checks the model
//! field by field. The node is killed when its guard drops, also when an assertion panics.
//! Without the variable the test prints why it skipped and passes.
//!
//! Expression texts are CockroachDB's own rendering and not pinned exactly where the release
//! may print them differently (type annotations such as `:::INT8`); those checks use
//! `contains`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use godwit::conn::{self, Connection};
use godwit::dialect::{Dialect, Version};
use godwit::schema::model::{
    ConstraintKind, GeneratedKind, Grantee, IdentityKind, IndexTarget, MatchType,
    ReferentialAction, RoutineKind, Schema, Table, TriggerEvent, TriggerLevel, TriggerTiming,
    Volatility,
};
use godwit::schema::{Filter, introspect};
use godwit_test_support::chain;

const SKIP: &str =
    "skipping: set GODWIT_TEST_COCKROACH to a cockroach binary to run CockroachDB live tests";

/// A running `cockroach start-single-node`, killed on drop.
struct Cockroach {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Cockroach {
    fn drop(&mut self) {
        // Killing the child it started is the guard's whole job; errors mean it already exited.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Cockroach {
    /// Start a node with `binary`; the node may still be booting when this returns.
    fn start(binary: &Path) -> Cockroach {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (port, http) = (free_port(), free_port());
        let log = |name: &str| std::fs::File::create(dir.path().join(name)).expect("log file");
        let child = Command::new(binary)
            .arg("start-single-node")
            .arg("--insecure")
            .arg("--store=type=mem,size=1GiB")
            .arg(format!("--listen-addr=127.0.0.1:{port}"))
            .arg(format!("--http-addr=127.0.0.1:{http}"))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg(format!("--log-dir={}", dir.path().join("logs").display()))
            .arg("--cache=128MiB")
            .arg("--max-sql-memory=256MiB")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        Cockroach { child, port, dir }
    }

    fn url(&self, database: &str) -> String {
        format!("postgresql://root@127.0.0.1:{}/{database}?sslmode=disable", self.port)
    }

    /// Connect once the node answers `select 1`, or panic with its output after a minute.
    async fn connect(&mut self, database: &str) -> Connection {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("cockroach exited with {status}: {}", self.output());
            }
            match conn::connect_str(&self.url(database)).await {
                Ok(c) if c.client().simple_query("select 1").await.is_ok() => return c,
                Ok(_) => {}
                Err(e) if Instant::now() > deadline => {
                    panic!("cockroach did not answer: {}\n{}", chain(&e), self.output())
                }
                Err(_) => {}
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn output(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name));
        format!(
            "{}{}",
            read("stdout.log").unwrap_or_default(),
            read("stderr.log").unwrap_or_default()
        )
    }
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// The `cockroach` binary to test against, if the environment names one.
fn cockroach_binary() -> Option<PathBuf> {
    std::env::var_os("GODWIT_TEST_COCKROACH").filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// One object of every kind CockroachDB supports, one statement at a time (CockroachDB runs
/// a multi-statement batch in one transaction, where some schema changes cannot follow
/// others).
const SETUP: &[&str] = &[
    "create type mood as enum ('sad', 'ok', 'happy')",
    "create type address as (street string, zip int4)",
    "create sequence counter start 10 increment 5",
    "create table parent (id int8 primary key, name string not null unique, \
     feeling mood default 'ok')",
    "comment on table parent is 'parents'",
    "comment on column parent.name is 'the name'",
    "create table child (
        id int8 primary key,
        parent_id int8 references parent (id) on delete cascade,
        doc jsonb,
        qty int4 check (qty > 0),
        total int8 as (qty * 2) stored,
        tag string,
        index child_tag_idx (tag) storing (qty),
        inverted index child_doc_idx (doc),
        index child_qty_partial (qty) where qty > 10,
        index child_tag_lower (lower(tag) desc)
    )",
    "create table events (ts timestamptz not null, payload string)",
    "create index events_ts_idx on events (ts) using hash with (bucket_count = 8)",
    "create table notes (body string)",
    "set experimental_enable_unique_without_index_constraints = true",
    "alter table notes add constraint notes_body_key unique without index (body)",
    "create table ids (id int8 generated always as identity primary key, v string)",
    "create view parent_names as select id, name from parent",
    "create function add_one(x int8) returns int8 immutable language sql as $$ select x + 1 $$",
    "create user reader",
    "grant select on table parent to reader",
];

/// Trigger objects, for releases that have triggers (v24.3+).
const TRIGGER_SETUP: &[&str] = &[
    "create function touch() returns trigger language plpgsql as $$ begin return new; end $$",
    "create trigger parent_touch before insert or update on parent for each row \
     execute function touch()",
];

#[tokio::test]
async fn introspects_every_kind_cockroachdb_supports() {
    let Some(binary) = cockroach_binary() else {
        eprintln!("{SKIP}");
        return;
    };
    let mut node = Cockroach::start(&binary);
    let admin = node.connect("defaultdb").await;
    admin.client().batch_execute("create database godwit_it").await.expect("create database");
    let db = node.connect("godwit_it").await;
    let version = db.version();
    run(&db, SETUP).await;
    if (version.major, version.minor) >= (24, 3) {
        run(&db, TRIGGER_SETUP).await;
    }
    let schema = introspect(db.client(), Dialect::Cockroach, &Filter::default())
        .await
        .unwrap_or_else(|e| panic!("introspection failed: {}", chain(&e)));
    check_database(&schema);
    check_parent(&schema);
    check_child(&schema);
    check_hidden_and_sharded(&schema);
    check_identity(&schema);
    check_types_and_sequence(&schema);
    check_view_and_routine(&schema);
    check_triggers(&schema, version);
}

async fn run(db: &Connection, statements: &[&str]) {
    for sql in statements {
        db.client().batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema.table("public", name).unwrap_or_else(|| panic!("no table public.{name}"))
}

fn check_database(schema: &Schema) {
    assert_eq!(schema.dialect, Dialect::Cockroach);
    assert_eq!(schema.database, "godwit_it");
    let version = schema.server_version.as_deref().unwrap_or_default();
    assert!(version.starts_with("CockroachDB"), "{version}");
    let names: Vec<&str> = schema.schemas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["public"]);
    assert!(schema.extensions.is_empty() && schema.rules.is_empty());
    assert!(schema.types.domains.is_empty() && schema.types.ranges.is_empty());
}

fn check_parent(schema: &Schema) {
    let parent = table(schema, "parent");
    assert_eq!(parent.owner, "root");
    assert_eq!(parent.comment.as_deref(), Some("parents"));
    let names: Vec<&str> = parent.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "name", "feeling"]);
    let id = parent.column("id").unwrap();
    assert_eq!((id.data_type.as_str(), id.not_null), ("bigint", true));
    let name = parent.column("name").unwrap();
    assert_eq!((name.data_type.as_str(), name.base_type.as_str()), ("text", "text"));
    assert_eq!(name.comment.as_deref(), Some("the name"));
    let feeling = parent.column("feeling").unwrap();
    assert_eq!(feeling.data_type, "public.mood");
    assert!(feeling.default.as_deref().unwrap_or_default().contains("'ok'"));
    assert!(!feeling.cockroach.hidden);
    let pk = parent.primary_key().expect("primary key");
    assert_eq!((pk.name.as_str(), pk.columns.clone()), ("parent_pkey", vec!["id".to_owned()]));
    assert_eq!(pk.index.as_deref(), Some("parent_pkey"));
    // CockroachDB does not tell UNIQUE constraints from unique indexes: the index alone.
    assert!(parent.constraint("parent_name_key").is_none());
    let unique = parent.index("parent_name_key").expect("unique index");
    assert!(unique.unique && !unique.primary && unique.constraint.is_none());
    assert_eq!(unique.keys[0].target, IndexTarget::Column("name".into()));
    assert_eq!(parent.constraints.len(), 1, "{:?}", parent.constraints);
    let grants = parent.privileges.as_deref().unwrap_or_default();
    let reader = grants.iter().find(|g| g.grantee == Grantee::Role("reader".into()));
    let reader = reader.expect("grant to reader");
    assert_eq!(
        (reader.privileges.clone(), reader.grantor.as_str()),
        (vec!["SELECT".into()], "root")
    );
    let primary = parent.index("parent_pkey").expect("primary index");
    assert!(primary.primary && primary.unique && primary.include.is_empty());
    assert_eq!(primary.method, "btree");
}

fn check_child(schema: &Schema) {
    let child = table(schema, "child");
    let fk = child.constraint("child_parent_id_fkey").expect("foreign key");
    let reference = fk.foreign_key.as_ref().expect("referenced side");
    assert_eq!(
        (reference.table.schema.as_str(), reference.table.name.as_str()),
        ("public", "parent")
    );
    assert_eq!(
        (fk.columns.clone(), reference.columns.clone()),
        (vec!["parent_id".into()], vec!["id".into()])
    );
    assert_eq!(
        (reference.on_delete, reference.on_update),
        (ReferentialAction::Cascade, ReferentialAction::NoAction)
    );
    assert_eq!(reference.match_type, MatchType::Simple);
    let check = child.constraint("check_qty").expect("check constraint");
    assert_eq!(check.kind, ConstraintKind::Check);
    assert!(check.check.as_deref().unwrap_or_default().contains("qty > 0"), "{:?}", check.check);
    let total = child.column("total").unwrap();
    let generated = total.generated.as_ref().expect("computed column");
    assert_eq!(generated.kind, GeneratedKind::Stored);
    assert!(generated.expression.contains("qty"), "{}", generated.expression);
    assert_eq!(total.default, None);
    let tag = child.index("child_tag_idx").expect("storing index");
    assert_eq!(tag.keys.len(), 1);
    assert_eq!(tag.keys[0].target, IndexTarget::Column("tag".into()));
    assert!(tag.keys[0].nulls_first && !tag.keys[0].descending);
    assert_eq!(tag.include, ["qty"]);
    assert_eq!(child.index("child_doc_idx").expect("inverted index").method, "gin");
    let partial = child.index("child_qty_partial").expect("partial index");
    assert!(partial.predicate.as_deref().unwrap_or_default().contains("qty > 10"));
    let lower = child.index("child_tag_lower").expect("expression index");
    let IndexTarget::Expression(expression) = &lower.keys[0].target else {
        panic!("expected an expression key, got {:?}", lower.keys[0].target);
    };
    assert!(expression.contains("lower(tag)"), "{expression}");
    assert!(lower.keys[0].descending);
}

fn check_hidden_and_sharded(schema: &Schema) {
    let notes = table(schema, "notes");
    let rowid = notes.column("rowid").expect("hidden rowid column");
    assert!(rowid.cockroach.hidden && rowid.not_null);
    assert!(rowid.default.as_deref().unwrap_or_default().contains("unique_rowid()"));
    let pk = notes.primary_key().expect("rowid primary key");
    assert_eq!(pk.columns, ["rowid"]);
    let unique = notes.constraint("notes_body_key").expect("unique without index");
    assert_eq!(
        (unique.kind, unique.columns.clone()),
        (ConstraintKind::Unique, vec!["body".into()])
    );
    assert!(unique.cockroach.without_index && unique.index.is_none());
    assert!(unique.definition.contains("UNIQUE WITHOUT INDEX"), "{}", unique.definition);
    let events = table(schema, "events");
    let shard = events.column("crdb_internal_ts_shard_8").expect("hidden shard column");
    assert!(shard.cockroach.hidden);
    assert_eq!(shard.generated.as_ref().map(|g| g.kind), Some(GeneratedKind::Virtual));
    let index = events.index("events_ts_idx").expect("hash-sharded index");
    let sharding = index.cockroach.hash_sharded.as_ref().expect("hash sharding");
    assert_eq!(sharding.bucket_count, Some(8));
    assert_eq!(sharding.shard_column.as_deref(), Some("crdb_internal_ts_shard_8"));
    // The shard column is an implicit key: the keys are the declared ones.
    let keys: Vec<&IndexTarget> = index.keys.iter().map(|k| &k.target).collect();
    assert_eq!(keys, [&IndexTarget::Column("ts".into())]);
    assert!(!index.cockroach.not_visible);
}

fn check_identity(schema: &Schema) {
    let ids = table(schema, "ids");
    let id = ids.column("id").unwrap();
    assert_eq!(id.identity.as_ref().map(|i| i.kind), Some(IdentityKind::Always));
    assert_eq!(id.default, None);
}

fn check_types_and_sequence(schema: &Schema) {
    let mood = schema.types.enums.iter().find(|e| e.name == "mood").expect("enum");
    assert_eq!(
        (mood.schema.as_str(), mood.labels.clone()),
        ("public", vec!["sad".into(), "ok".into(), "happy".into()])
    );
    let address = schema.types.composites.iter().find(|c| c.name == "address").expect("composite");
    let attributes: Vec<(&str, &str)> =
        address.attributes.iter().map(|a| (a.name.as_str(), a.data_type.as_str())).collect();
    assert_eq!(attributes, [("street", "text"), ("zip", "integer")]);
    let counter = schema.sequence("public", "counter").expect("sequence");
    assert_eq!((counter.start, counter.increment), (10, 5));
    assert_eq!(
        (counter.data_type.as_str(), counter.last_value, counter.cycle),
        ("bigint", None, false)
    );
    assert!(counter.owned_by.is_none() && !counter.identity);
}

fn check_view_and_routine(schema: &Schema) {
    let view = schema.view("public", "parent_names").expect("view");
    assert!(!view.materialized && view.populated);
    assert!(view.definition.contains("parent"), "{}", view.definition);
    let names: Vec<&str> = view.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "name"]);
    let add_one = schema.routines.iter().find(|r| r.name == "add_one").expect("function");
    assert_eq!((add_one.kind, add_one.volatility), (RoutineKind::Function, Volatility::Immutable));
    assert_eq!((add_one.language.as_str(), add_one.result.as_deref()), ("sql", Some("bigint")));
    assert!(!add_one.security_definer && !add_one.returns_set && !add_one.returns_trigger);
    let definition = add_one.definition.as_deref().unwrap_or_default();
    assert!(definition.contains("CREATE FUNCTION public.add_one"), "{definition}");
}

fn check_triggers(schema: &Schema, version: Version) {
    let line = (version.major, version.minor);
    if line < (25, 3) {
        // Before v25.3 no catalog lists triggers (see the crdb backend's module docs).
        assert!(schema.triggers.is_empty());
        return;
    }
    let trigger = schema.triggers_on("public", "parent");
    let trigger = trigger.first().expect("trigger");
    assert_eq!(trigger.name, "parent_touch");
    assert_eq!((trigger.timing, trigger.level), (TriggerTiming::Before, TriggerLevel::Row));
    assert_eq!(trigger.events, [TriggerEvent::Insert, TriggerEvent::Update]);
    assert_eq!(
        (trigger.function.schema.as_str(), trigger.function.name.as_str()),
        ("public", "touch")
    );
    let touch = schema.routines.iter().find(|r| r.name == "touch").expect("trigger function");
    assert!(touch.returns_trigger);
    assert_eq!(touch.language, "plpgsql");
}
