//! Pre-flight comparison, target table handling and sequence sync.

use std::sync::{Arc, Mutex};

use godwit::error::ErrorKind;
use godwit::event::Event;
use godwit::fetch::{FetchOptions, TableHandling, fetch};
use godwit_test_support::{TestDb, test_db};
use tokio_postgres::Client;

use super::{fetch_with, fingerprint, pair, params};

/// A sink that keeps the messages of warning events.
fn warnings() -> (Arc<Mutex<Vec<String>>>, impl Fn(Event) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = Arc::clone(&seen);
        move |e: Event| {
            if let Event::Warning { message } = e {
                seen.lock().unwrap().push(message);
            }
        }
    };
    (seen, sink)
}

async fn has_state(client: &Client) -> bool {
    let row = client
        .query_one("select count(*) from pg_namespace where nspname = '_godwit'", &[])
        .await
        .unwrap();
    row.get::<_, i64>(0) > 0
}

#[tokio::test]
async fn lists_every_mismatch_before_writing_anything() {
    let source = test_db().await;
    let target = test_db().await;
    source
        .execute_script(
            "create table t (id int primary key, a int, b text, c int, d varchar(10));
             create table gone (id int primary key);",
        )
        .await;
    target
        .execute_script(
            "create table t (id int, a bigint, b int, d varchar(10) not null, e int not null,
                 f int);",
        )
        .await;
    let (seen, sink) = warnings();
    let err = fetch(&params(&source), &params(&target), &FetchOptions::default(), &sink)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let message = err.message();
    let expected = [
        "fatal: public.gone: missing on the target",
        "warning: public.t column a: type integer on the source widened to bigint",
        "fatal: public.t column b: type text on the source, integer on the target",
        "fatal: public.t column c: missing on the target",
        "warning: public.t column d: NOT NULL on the target, nullable on the source",
        "fatal: public.t column e: not on the source and NOT NULL without default",
        "warning: public.t column f: not on the source",
        "warning: public.t: no primary key on the target (id)",
    ];
    for line in expected {
        assert!(message.contains(line), "{line:?} not in {message}");
        assert!(seen.lock().unwrap().iter().any(|w| w.contains(line)), "{line:?} not emitted");
    }
    assert_eq!(message.lines().count(), expected.len() + 1, "one line each: {message}");
    assert!(!has_state(target.client()).await, "nothing written before the check");
}

#[tokio::test]
async fn widening_types_copy_with_warnings() {
    let source = test_db().await;
    let target = test_db().await;
    source
        .execute_script(
            "create table w (id int primary key, n int, s smallint, v varchar(10),
                 x numeric(8,2), ts timestamp);
             insert into w select i, i * 1000, i % 300, 'v' || i, i / 3.0,
                 timestamp '2024-03-01' + i * interval '37 min' from generate_series(1, 500) i;
             insert into w (id) values (0);",
        )
        .await;
    target
        .execute_script(
            "create table w (id bigint primary key, n bigint, s integer, v text, x numeric,
                 ts timestamptz);",
        )
        .await;
    let (seen, sink) = warnings();
    let result =
        fetch(&params(&source), &params(&target), &FetchOptions::default(), &sink).await.unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let widened = seen.lock().unwrap().iter().filter(|w| w.contains("widened")).count();
    assert_eq!(widened, 6, "{:?}", seen.lock().unwrap());
    let sql = "select count(*), md5(string_agg(concat_ws('|', id, n, s, v, x, ts::timestamptz),
               ',' order by id)) from w";
    let get = |row: tokio_postgres::Row| (row.get::<_, i64>(0), row.get::<_, String>(1));
    let want = get(source.client().query_one(sql, &[]).await.unwrap());
    assert_eq!(get(target.client().query_one(sql, &[]).await.unwrap()), want);
    assert_eq!(want.0, 501);
}

const TABLES: &str = "create table t (id int primary key, v text); create table u (a int);";

async fn with_rows_on_both_sides() -> (TestDb, TestDb) {
    let (source, target) = pair(TABLES).await;
    source
        .execute_script(
            "insert into t select i, 'src' || i from generate_series(1, 200) i;
             insert into u select i from generate_series(1, 50) i;",
        )
        .await;
    target.execute_script("insert into t values (1, 'old'), (5000, 'old');").await;
    (source, target)
}

#[tokio::test]
async fn a_non_empty_target_is_refused_by_default() {
    let (source, target) = with_rows_on_both_sides().await;
    let err = fetch(&params(&source), &params(&target), &FetchOptions::default(), &|_e: Event| {})
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("public.t"), "{}", err.message());
    assert!(!err.message().contains("public.u"), "{}", err.message());
    assert!(!has_state(target.client()).await);
    assert_eq!(fingerprint(target.client(), "t").await.0, 2, "target untouched");
}

#[tokio::test]
async fn truncate_if_exists_replaces_the_rows() {
    let (source, target) = with_rows_on_both_sides().await;
    let options =
        FetchOptions { table_handling: TableHandling::TruncateIfExists, ..Default::default() };
    let result =
        fetch(&params(&source), &params(&target), &options, &|_e: Event| {}).await.unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    for table in ["t", "u"] {
        assert_eq!(
            fingerprint(target.client(), table).await,
            fingerprint(source.client(), table).await,
            "{table}"
        );
    }
}

const SEQUENCES: &str = "
create table s1 (id serial primary key, v text);
create table s2 (id int generated always as identity primary key, v text);
create table s3 (id bigserial primary key);
create table s4 (id int generated by default as identity (start with 100) primary key);
create sequence free_standing;
";

#[tokio::test]
async fn owned_sequences_continue_where_the_source_is() {
    let (source, target) = pair(SEQUENCES).await;
    source
        .execute_script(
            "insert into s1 (v) select 'x' from generate_series(1, 42);
             insert into s2 (v) select 'y' from generate_series(1, 7);
             insert into s3 default values; insert into s3 default values;
             select setval(pg_get_serial_sequence('s3', 'id'), 1000);
             select nextval('free_standing');",
        )
        .await;
    let result =
        fetch(&params(&source), &params(&target), &FetchOptions::default(), &|_e: Event| {})
            .await
            .unwrap();
    assert_eq!(result.sequences_synced, 4);
    for (table, want) in [("s1", 43), ("s2", 8), ("s3", 1001), ("s4", 100)] {
        let sql = format!("select nextval(pg_get_serial_sequence('{table}', 'id'))");
        let src: i64 = source.client().query_one(&sql, &[]).await.unwrap().get(0);
        let dst: i64 = target.client().query_one(&sql, &[]).await.unwrap().get(0);
        assert_eq!((src, dst), (want, want), "{table}");
    }
    let free: i64 =
        target.client().query_one("select nextval('free_standing')", &[]).await.unwrap().get(0);
    assert_eq!(free, 1, "sequences owned by no copied table are left alone");
}

const RECREATED: &str = r#"
create type mood as enum ('ok', 'meh');
create table public.parents (id serial primary key, name text not null unique);
create table public.kids (id bigint generated always as identity primary key,
    parent int references public.parents (id), m mood, note text check (note <> ''));
create index kids_parent_idx on public.kids (parent);
insert into parents (name) select 'p' || i from generate_series(1, 300) i;
insert into kids (parent, m, note) select i % 300 + 1, 'meh', 'n' || i from generate_series(1, 5000) i;
analyze;
"#;

#[tokio::test]
async fn drop_and_recreate_rebuilds_mismatched_tables_from_the_source_ddl() {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(RECREATED).await;
    // A stale target: wrong columns, leftover rows, no indexes; an unrelated table stays.
    target
        .execute_script(
            "create table public.parents (id int, legacy text); insert into parents values (1, 'x');
             create table public.kids (id int); create table public.other (x int);",
        )
        .await;
    let options =
        FetchOptions { table_handling: TableHandling::DropAndRecreate, ..FetchOptions::default() };
    let result = fetch_with(&source, &target, &options).await;
    assert!(result.failed.is_empty() && result.deferred.failures.is_empty(), "{result:?}");
    for table in ["public.parents", "public.kids"] {
        assert_eq!(
            fingerprint(target.client(), table).await,
            fingerprint(source.client(), table).await
        );
    }
    let (s, t) = count(
        &source,
        &target,
        "select count(*) from pg_indexes where schemaname = 'public' and tablename <> 'other'",
    )
    .await;
    assert_eq!(s, t, "indexes");
    let (s, t) = count(&source, &target, "select count(*) from pg_constraint c join pg_namespace n on n.oid = connamespace where nspname = 'public'").await;
    assert_eq!(s, t, "constraints");
    let next: i64 =
        target.client().query_one("select nextval('parents_id_seq')", &[]).await.unwrap().get(0);
    assert_eq!(next, 301, "the serial continues after the copied rows");
    let other: bool = target
        .client()
        .query_one("select to_regclass('public.other') is not null", &[])
        .await
        .unwrap()
        .get(0);
    assert!(other, "tables the source does not have are left alone");
}

#[tokio::test]
async fn a_failed_recreate_leaves_the_target_as_it_was() {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(RECREATED).await;
    target
        .execute_script(
            "create table public.parents (id int, legacy text); insert into parents values (1, 'x');
             create view public.legacy_view as select legacy from public.parents;",
        )
        .await;
    let options =
        FetchOptions { table_handling: TableHandling::DropAndRecreate, ..FetchOptions::default() };
    let err = fetch(&params(&source), &params(&target), &options, &godwit::event::Discard)
        .await
        .unwrap_err();
    let text = godwit_test_support::chain(&err);
    assert!(text.contains("dropping the target tables") && text.contains("2BP01"), "{text}");
    let legacy: i64 = target
        .client()
        .query_one("select count(*) from parents where legacy = 'x'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(legacy, 1, "the drop was rolled back");
}

/// The same count on both sides.
async fn count(source: &TestDb, target: &TestDb, sql: &str) -> (i64, i64) {
    let s: i64 = source.client().query_one(sql, &[]).await.unwrap().get(0);
    let t: i64 = target.client().query_one(sql, &[]).await.unwrap().get(0);
    (s, t)
}

#[tokio::test]
async fn table_patterns_select_what_is_copied() {
    let ddl = "create table a (id int primary key); create table b (id int primary key);
               create table a_old (id int primary key);";
    let (source, target) = pair(ddl).await;
    source
        .execute_script(
            "insert into a values (1); insert into b values (2); insert into a_old values (3);",
        )
        .await;
    let tables = godwit::schema::TableFilter::new(Some("a.*"), Some("public\\.a_old")).unwrap();
    let options = FetchOptions { tables, ..FetchOptions::default() };
    let result = fetch_with(&source, &target, &options).await;
    let copied: Vec<_> = result.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(copied, ["a"]);
    let (_, b) = count(&source, &target, "select count(*) from b").await;
    assert_eq!(b, 0, "b is not selected");
}

#[tokio::test]
async fn inheritance_children_are_copied_once() {
    let ddl = "create table parent (id int primary key, v text);
               create table child (extra int) inherits (parent);";
    let (source, target) = pair(ddl).await;
    source
        .execute_script(
            "insert into parent select i, 'p' from generate_series(1, 100) i;
             insert into child select i, 'c', i from generate_series(101, 150) i;",
        )
        .await;
    let result = fetch_with(&source, &target, &FetchOptions::default()).await;
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let only = "select count(*) from only parent";
    assert_eq!(count(&source, &target, only).await, (100, 100), "the parent's own rows, once");
    assert_eq!(count(&source, &target, "select count(*) from parent").await, (150, 150));
}
