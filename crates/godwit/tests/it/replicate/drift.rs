//! Schema drift: a column added on the source only pauses that table (its changes held on the
//! target, the other tables still replicating, `status` and an event naming the column); once
//! the target gets the column the table resumes by itself, its held changes applied first and
//! in order — also across a stop and a kill while paused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use godwit::event::Event;
use godwit::replicate::{ReplicateOptions, replicate};
use godwit::status::ReplicatedTable;
use godwit_test_support::TestDb;
use tokio::sync::oneshot;
use tokio_postgres::Client;

use super::{Running, drop_slots, pair, params, wait_same, wait_until};

const DDL: &str = "
create table a (id int primary key, v text);
create table b (id int primary key, v text);
insert into a values (1, 'one'), (2, 'two'), (3, 'three');
";

type Events = Arc<Mutex<Vec<Event>>>;

/// Start replicating with default options, collecting the events.
fn start(source: &TestDb, target: &TestDb, events: &Events) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let (source, target) = (params(source), params(target));
    let events = Arc::clone(events);
    let handle = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
        };
        let sink = move |e: Event| {
            eprintln!("replicate event: {e:?}");
            events.lock().unwrap().push(e);
        };
        let opts = ReplicateOptions::default();
        let result = replicate(&source, &target, &opts, &sink, stop).await;
        if let Err(e) = &result {
            eprintln!("replicate failed: {}", godwit_test_support::chain(e));
        }
        result
    });
    Running { stop, handle }
}

/// [`start`], then wait until its slot's position is recorded on the target.
async fn start_ready(source: &TestDb, target: &TestDb, events: &Events) -> Running {
    let running = start(source, target, events);
    wait_until(Duration::from_secs(20), "the slot", || async {
        super::recorded_lsn(target.client()).await.is_some()
    })
    .await;
    running
}

/// The recorded state of table `name` (`public.name`), once recorded.
async fn table_state(target: &TestDb, name: &str) -> Option<ReplicatedTable> {
    let status = godwit::status::status(&params(target)).await.unwrap();
    let stream = status.replication.into_iter().next()?;
    stream.tables.into_iter().find(|t| t.table == format!("public.{name}"))
}

async fn wait_state(target: &TestDb, name: &str, state: &str) -> ReplicatedTable {
    let limit = Duration::from_secs(30);
    wait_until(limit, &format!("{name} to be {state}"), || async {
        table_state(target, name).await.is_some_and(|t| t.state == state)
    })
    .await;
    table_state(target, name).await.unwrap()
}

async fn count(client: &Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

async fn held(target: &TestDb) -> i64 {
    count(target.client(), "select count(*) from _godwit.replication_held").await
}

/// Pause `a` with a column added on the source: b keeps going, a's changes are held.
async fn pause_a(source: &TestDb, target: &TestDb) {
    source.execute_script("insert into a values (4, 'four'); insert into b values (1, 'x');").await;
    wait_same(source, target, &["a", "b"]).await;
    source
        .execute_script(
            "alter table a add column c int;
             insert into a values (5, 'five', 50);
             delete from a where id = 2;
             begin; update a set v = 'uno', c = 1 where id = 1; insert into b values (2, 'y'); commit;",
        )
        .await;
    wait_same(source, target, &["b"]).await;
    let a = wait_state(target, "a", "paused").await;
    assert_eq!(a.column.as_deref(), Some("c"), "{a:?}");
    assert_eq!(a.hint.as_deref(), Some(r#"ALTER TABLE "public"."a" ADD COLUMN "c" integer"#));
    assert!(a.reason.as_deref().unwrap_or("").contains(r#"column "c""#), "{a:?}");
    // Nothing of a's changes after the drift is applied.
    let ids = count(target.client(), "select count(*) from a where id = 5 or v = 'uno'").await;
    assert_eq!(ids, 0);
    assert_eq!(count(target.client(), "select count(*) from a where id = 2").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drifted_table_pauses_alone_and_resumes_once_the_target_fits() {
    let (source, target) = pair(DDL).await;
    let events: Events = Arc::default();
    let running = start_ready(&source, &target, &events).await;
    // Both tables are recorded as replicating from the start.
    assert_eq!(wait_state(&target, "b", "replicating").await.held, 0);
    pause_a(&source, &target).await;
    assert_eq!(held(&target).await, 3);
    assert_eq!(wait_state(&target, "a", "paused").await.held, 3);
    let paused = events.lock().unwrap().iter().any(|e| {
        matches!(e, Event::TablePaused { table, column: Some(c), .. } if table == "public.a" && c == "c")
    });
    assert!(paused, "no table_paused event");
    // Fix the target: a resumes by itself (no source write needed), its held changes applied.
    target.execute_script("alter table a add column c int").await;
    let a = wait_state(&target, "a", "replicating").await;
    assert_eq!((a.held, a.column.as_deref()), (0, None), "{a:?}");
    assert_eq!(held(&target).await, 0);
    wait_same(&source, &target, &["a", "b"]).await;
    let replayed = events.lock().unwrap().iter().find_map(|e| match e {
        Event::TableResumed { table, replayed, .. } if table == "public.a" => Some(*replayed),
        _ => None,
    });
    assert_eq!(replayed, Some(3));
    // New changes apply directly.
    let more = "update a set c = 5 where id = 5; insert into a values (6, 'six', 6)";
    source.execute_script(more).await;
    wait_same(&source, &target, &["a", "b"]).await;
    let a = wait_state(&target, "a", "replicating").await;
    assert_eq!(a.applied_rows, 1 + 3 + 2, "{a:?}");
    // The stream's lag as it stood at its last commit.
    let status = godwit::status::status(&params(&target)).await.unwrap();
    let stream = &status.replication[0];
    let lag = stream.lag_seconds.expect("lag_seconds recorded");
    assert!((0.0..60.0).contains(&lag), "{stream:?}");
    assert!(stream.lag_bytes.is_some() && stream.source_lsn.is_some(), "{stream:?}");
    running.stop().await;
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_table_stays_paused_across_restarts_and_loses_nothing() {
    let (source, target) = pair(DDL).await;
    let events: Events = Arc::default();
    let running = start_ready(&source, &target, &events).await;
    pause_a(&source, &target).await;
    let summary = running.stop().await;
    assert_eq!(summary.paused_tables, ["public.a"], "{summary:?}");
    // Stopped: more writes to both tables, then a restart that is killed.
    source
        .execute_script("insert into a values (7, 'seven', 7); insert into b values (3, 'z')")
        .await;
    let running = start(&source, &target, &events);
    wait_same(&source, &target, &["b"]).await;
    assert_eq!(held(&target).await, 4);
    running.kill().await;
    source
        .execute_script(
            "update a set v = 'siete' where id = 7; insert into b values (4, 'w');
             truncate b; insert into b values (5, 'v');",
        )
        .await;
    let running = start(&source, &target, &events);
    wait_same(&source, &target, &["b"]).await;
    // Each held change exactly once, in order; still paused.
    assert_eq!(held(&target).await, 5);
    let seqs =
        count(target.client(), "select count(distinct seq) from _godwit.replication_held").await;
    assert_eq!(seqs, 5);
    assert_eq!(wait_state(&target, "a", "paused").await.held, 5);
    target.execute_script("alter table a add column c int").await;
    wait_same(&source, &target, &["a", "b"]).await;
    wait_state(&target, "a", "replicating").await;
    assert_eq!(held(&target).await, 0);
    running.stop().await;
    drop_slots(&source).await;
}

/// A `GENERATED ALWAYS AS IDENTITY` key on both sides, and one that is not the key.
const IDENTITY_DDL: &str = "
create table ident (id bigint generated always as identity primary key, v text);
create table counted (id int primary key, n bigint generated always as identity, v text);
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_always_identity_keys_replicate_and_other_identity_columns_pause() {
    let (source, target) = pair(IDENTITY_DDL).await;
    let events: Events = Arc::default();
    let running = start_ready(&source, &target, &events).await;
    source
        .execute_script(
            "insert into ident (v) select 'v' || g from generate_series(1, 5) g;
             insert into counted (id, v) values (1, 'one'), (2, 'two')",
        )
        .await;
    wait_same(&source, &target, &["ident"]).await;
    // Updates of rows already on the target go through the upsert (INSERT … OVERRIDING SYSTEM
    // VALUE … ON CONFLICT), which PostgreSQL refuses without the clause.
    source
        .execute_script(
            "update ident set v = 'changed' where id = 2; delete from ident where id = 3;
             insert into ident (v) values ('six')",
        )
        .await;
    wait_same(&source, &target, &["ident"]).await;
    let counted = wait_state(&target, "counted", "paused").await;
    assert_eq!(counted.column.as_deref(), Some("n"), "{counted:?}");
    let hint = counted.hint.unwrap_or_default();
    assert!(hint.ends_with("ALTER COLUMN \"n\" SET GENERATED BY DEFAULT"), "{hint}");
    source.execute_script("update counted set v = 'uno' where id = 1").await;
    target.execute_script("alter table counted alter column n set generated by default").await;
    wait_state(&target, "counted", "replicating").await;
    wait_same(&source, &target, &["ident", "counted"]).await;
    running.stop().await;
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_dropped_on_the_source_but_required_on_the_target_pauses_its_table() {
    let (source, target) = pair(
        "create table a (id int primary key, v text not null);
        create table b (id int primary key, v text);",
    )
    .await;
    let events: Events = Arc::default();
    let running = start_ready(&source, &target, &events).await;
    source
        .execute_script(
            "alter table a drop column v; insert into a values (1); insert into b values (1, 'x')",
        )
        .await;
    let a = wait_state(&target, "a", "paused").await;
    assert_eq!((a.column.as_deref(), a.held), (Some("v"), 1), "{a:?}");
    wait_same(&source, &target, &["b"]).await;
    target.execute_script("alter table a drop column v").await;
    wait_state(&target, "a", "replicating").await;
    wait_same(&source, &target, &["a", "b"]).await;
    running.stop().await;
    drop_slots(&source).await;
}
