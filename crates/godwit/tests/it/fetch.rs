//! `fetch` from one test database into another on the same PostgreSQL 15 cluster: content
//! equality by order-independent hashes, snapshot consistency under concurrent writes,
//! crash and resume without loss or duplicates (a resume never truncates), and per-table
//! failure. Pre-flight checks, table handling and sequences are in [`checks`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use godwit::conn::{ConnParams, Environment};
use godwit::event::Event;
use godwit::fetch::{FetchOptions, TableHandling, fetch};
use godwit_test_support::{TestDb, test_db};
use tokio_postgres::Client;

mod checks;
mod deferred;
pub(crate) mod handoff;
mod matrix;
mod progress;
mod sharding;
mod storage;

pub(super) fn params(db: &TestDb) -> ConnParams {
    let env = Environment { os_user: Some("postgres".into()), ..Environment::default() };
    ConnParams::resolve(&db.url(), &env).expect("params")
}

/// Row count and an order-independent hash of every row's text form.
pub(super) async fn fingerprint(client: &Client, table: &str) -> (i64, Option<String>) {
    let sql = format!(
        "select count(*), md5(string_agg(md5(t::text), '' order by md5(t::text))) from {table} t"
    );
    let row = client.query_one(&sql, &[]).await.unwrap();
    (row.get(0), row.get(1))
}

/// A shard size that splits `table` into `shards` shards by its current size, with half a
/// shard of slack so that a page or two added meanwhile (autovacuum's maps) changes nothing.
pub(super) async fn shard_bytes_for(client: &Client, table: &str, shards: u32) -> u64 {
    let sql = "select pg_total_relation_size($1::text::regclass)";
    let total: i64 = client.query_one(sql, &[&table]).await.unwrap().get(0);
    (total as f64 / (f64::from(shards) - 0.5)) as u64
}

/// Fetch from `source` into `target` with `options`, events discarded; panics on error.
pub(super) async fn fetch_with(
    source: &TestDb,
    target: &TestDb,
    options: &FetchOptions,
) -> godwit::fetch::FetchResult {
    fetch(&params(source), &params(target), options, &godwit::event::Discard).await.unwrap()
}

/// Source and target with the same DDL.
pub(super) async fn pair(ddl: &str) -> (TestDb, TestDb) {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(ddl).await;
    target.execute_script(ddl).await;
    (source, target)
}

const MIXED: &str = r#"
create schema "Sales";
create table "Sales"."Order Lines" (order_id int, line int, "Qty" numeric(12,3),
    primary key (order_id, line));
create table public.tags (name text primary key, "desc" text);
create table public.nokey (a int, b text);
create table public.empty (id int primary key);
create table public.one (id bigint primary key, v text);
create table public.big (id int primary key, payload text);
create table public."select" (id int primary key, "user" text, n numeric, j jsonb, b bytea,
    u uuid, ts timestamptz, arr int[], g int generated always as (id * 2) stored);
"#;

const MIXED_DATA: &str = r#"
insert into "Sales"."Order Lines" select i / 10, i % 10, i * 1.5 from generate_series(1, 5000) i;
insert into public.tags select 'tag ' || i, case when i % 3 = 0 then null else 'd' || i end
    from generate_series(1, 2000) i;
insert into public.nokey select i % 7, 'x' from generate_series(1, 1000) i;
insert into public.one values (9223372036854775807, 'only');
insert into public.big select i, md5(i::text) || repeat('p', i % 50) from generate_series(1, 300000) i;
insert into public."select" (id, "user", n, j, b, u, ts, arr)
select i, case when i % 5 = 0 then null else 'u"' || i end, i / 7.0,
       jsonb_build_object('k', i, 'a', jsonb_build_array(i, 'two')),
       decode(md5(i::text), 'hex'), gen_random_uuid(), now() - i * interval '1 min',
       array[i, null, -i]
from generate_series(1, 3000) i;
insert into public."select" (id) values (0);
analyze;
"#;

const MIXED_TABLES: [&str; 7] = [
    r#""Sales"."Order Lines""#,
    "public.tags",
    "public.nokey",
    "public.empty",
    "public.one",
    "public.big",
    r#"public."select""#,
];

#[tokio::test]
async fn copies_every_table_exactly() {
    let (source, target) = pair(MIXED).await;
    source.execute_script(MIXED_DATA).await;
    let shard_bytes = shard_bytes_for(source.client(), "public.big", 6).await;
    let options = FetchOptions { shard_bytes, ..FetchOptions::default() };
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = Arc::clone(&events);
        move |e: Event| events.lock().unwrap().push(e)
    };
    let result = fetch(&params(&source), &params(&target), &options, &sink).await.unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    assert!(!result.resumed_from_new_snapshot);
    for table in MIXED_TABLES {
        let want = fingerprint(source.client(), table).await;
        assert_eq!(fingerprint(target.client(), table).await, want, "{table}");
    }
    let big = result.tables.iter().find(|t| t.table == "big").unwrap();
    assert_eq!((big.shards, big.rows), (6, 300_000));
    assert_eq!(result.tables[0].table, "big", "biggest table first");
    let rate = (big.rows as f64 / big.seconds, big.bytes as f64 / 1e6 / big.seconds);
    eprintln!(
        "big: {} rows, {} bytes, {:.2} s: {:.0} rows/s, {:.1} MB/s",
        big.rows, big.bytes, big.seconds, rate.0, rate.1
    );
    let done =
        events.lock().unwrap().iter().filter(|e| matches!(e, Event::TableDone { .. })).count();
    assert_eq!(done, MIXED_TABLES.len());
    let row = target
        .client()
        .query_one(
            "select count(*), sum(rows)::bigint from _godwit.shards where status = 'done'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 12, "6 shards for big, one per other table");
    let status: String =
        target.client().query_one("select status from _godwit.runs", &[]).await.unwrap().get(0);
    assert_eq!(status, "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reader_sees_the_snapshot() {
    const N: i32 = 100_000;
    let (source, target) = pair("create table s (id int primary key, v text);").await;
    source
        .execute_script(&format!(
            "insert into s select i, 'v' || i from generate_series(1, {N}) i; analyze s;"
        ))
        .await;
    let snapshot_taken = Arc::new(tokio::sync::Notify::new());
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (client, snapshot_taken, stop, writes) = (
            source.connect().await,
            Arc::clone(&snapshot_taken),
            Arc::clone(&stop),
            Arc::clone(&writes),
        );
        tokio::spawn(async move {
            snapshot_taken.notified().await;
            let mut next = N + 1;
            while !stop.load(Ordering::SeqCst) {
                let sql = format!(
                    "insert into s values ({next}, 'new'); delete from s where id = {};
                     update s set v = 'changed' where id = {}",
                    next - N,
                    N - (next - N)
                );
                client.batch_execute(&sql).await.unwrap();
                writes.fetch_add(1, Ordering::SeqCst);
                next += 1;
            }
        })
    };
    let sink = {
        let snapshot_taken = Arc::clone(&snapshot_taken);
        move |e: Event| {
            if matches!(&e, Event::Step { message, .. } if message.contains(": snapshot ")) {
                snapshot_taken.notify_one();
            }
        }
    };
    let shard_bytes = shard_bytes_for(source.client(), "s", 50).await;
    let options = FetchOptions { shard_bytes, ..FetchOptions::default() };
    let result = fetch(&params(&source), &params(&target), &options, &sink).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(result.failed.is_empty());
    assert_eq!(result.tables[0].shards, 50);
    assert!(writes.load(Ordering::SeqCst) > 0, "the source changed while fetch ran");
    let row = target
        .client()
        .query_one(
            "select count(*), min(id), max(id), count(*) filter (where v <> 'v' || id) from s",
            &[],
        )
        .await
        .unwrap();
    let got: (i64, i32, i32, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(got, (i64::from(N), 1, N, 0), "exactly the rows of the snapshot");
}

#[tokio::test]
async fn resumes_after_a_crash_without_loss_or_duplicates() {
    let ddl = "create table r (id int primary key, v text); create table small (a int, b text);";
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(ddl).await;
    // No primary key on the target, so a doubled row would be visible rather than rejected.
    target
        .execute_script("create table r (id int, v text); create table small (a int, b text);")
        .await;
    source
        .execute_script(
            "insert into r select i, repeat('x', i % 100) from generate_series(1, 60000) i;
             insert into small select i, 's' from generate_series(1, 10) i; analyze;",
        )
        .await;
    let (src, dst) = (params(&source), params(&target));
    // Truncating on both runs: a resume that truncated would lose the shards already done.
    let truncate = TableHandling::TruncateIfExists;
    let shard_bytes = shard_bytes_for(source.client(), "r", 12).await;
    let crash = FetchOptions {
        shard_bytes,
        fail_after_shards: Some(4),
        table_handling: truncate,
        ..Default::default()
    };
    let err = fetch(&src, &dst, &crash, &|_e: Event| {}).await.unwrap_err();
    assert!(err.message().contains("fail_after_shards"), "{}", err.message());
    let before = done_shards(target.client()).await;
    assert!(before.len() >= 4 && before.len() < 13, "{} shards done", before.len());
    let run_id: String = target
        .client()
        .query_one("select run_id from _godwit.runs where status = 'running'", &[])
        .await
        .unwrap()
        .get(0);

    let resume = FetchOptions {
        shard_bytes,
        resume: Some(run_id.clone()),
        table_handling: truncate,
        ..Default::default()
    };
    let result = fetch(&src, &dst, &resume, &|_e: Event| {}).await.unwrap();
    assert_eq!(result.run_id, run_id);
    assert!(result.resumed_from_new_snapshot);
    assert!(result.failed.is_empty());
    let redone: usize = result.tables.iter().map(|t| t.shards).sum();
    assert_eq!(redone, 13 - before.len(), "done shards are not redone");
    for table in ["public.r", "public.small"] {
        assert_eq!(
            fingerprint(target.client(), table).await,
            fingerprint(source.client(), table).await
        );
    }
    let after = done_shards(target.client()).await;
    assert_eq!(after.len(), 13);
    for shard in &before {
        assert!(after.contains(shard), "shard {shard:?} was redone");
    }
}

/// `(table, shard, rows, done_at as text)` of every done shard.
async fn done_shards(client: &Client) -> Vec<(String, i32, i64, String)> {
    let rows = client
        .query(
            "select table_name, shard, rows, done_at::text from _godwit.shards
             where status = 'done' order by 1, 2",
            &[],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
}

#[tokio::test]
async fn a_permanent_error_fails_only_its_table() {
    let source = test_db().await;
    let target = test_db().await;
    source
        .execute_script(
            "create table good (id int primary key, v text); create table bad (id int primary key, v text);
             insert into good select i, 'fine' from generate_series(1, 1000) i;
             insert into bad select i, 'not an integer' from generate_series(1, 1000) i;",
        )
        .await;
    target
        .execute_script("create table good (id int primary key, v text); create table bad (id int primary key, v text check (v not like 'not%'));")
        .await;
    let warnings = Arc::new(AtomicUsize::new(0));
    let sink = {
        let warnings = Arc::clone(&warnings);
        move |e: Event| {
            if matches!(e, Event::Warning { .. }) {
                warnings.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    let result =
        fetch(&params(&source), &params(&target), &FetchOptions::default(), &sink).await.unwrap();
    assert_eq!(result.failed, vec!["public.bad".to_owned()]);
    assert_eq!(warnings.load(Ordering::SeqCst), 1);
    assert_eq!(
        fingerprint(target.client(), "good").await,
        fingerprint(source.client(), "good").await
    );
    assert_eq!(fingerprint(target.client(), "bad").await.0, 0, "nothing half-copied");
    let row = target
        .client()
        .query_one(
            "select e.sqlstate, e.message, s.status, r.status from _godwit.exceptions e
             join _godwit.shards s using (run_id, table_schema, table_name)
             join _godwit.runs r using (run_id)",
            &[],
        )
        .await
        .unwrap();
    let (sqlstate, message, shard, run): (Option<String>, String, String, String) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(sqlstate.as_deref(), Some("23514"), "{message}");
    assert!(message.contains("public.bad"), "{message}");
    assert!(!message.contains("not an integer"), "no row values: {message}");
    assert_eq!((shard.as_str(), run.as_str()), ("failed", "failed"));
}
