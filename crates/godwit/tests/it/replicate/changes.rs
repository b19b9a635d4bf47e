//! Every kind of change, applied from a slot `replicate` makes itself.

use std::time::{Duration, Instant};

use godwit::replicate::{ReplicateOptions, Truncate};
use godwit_test_support::TestDb;
use godwit_test_support::matrix::{MATRIX_DATA, MATRIX_DDL, MATRIX_TABLES, differences};

use super::{drop_slots, fingerprint, pair, start, start_ready, wait_same, wait_until};

const DDL: &str = r#"
create table items (id int primary key, name text, qty numeric(10, 2));
create table "Odd ""Name""" (region text, seq int, "Value" text, primary key (region, seq));
create table docs (id int primary key, body text, version int);
create table log (a int, b text);
alter table log replica identity full;
"#;

const TABLES: [&str; 4] = ["items", r#""Odd ""Name""""#, "docs", "log"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inserts_updates_deletes_and_key_changes_arrive() {
    let (source, target) = pair(DDL).await;
    let running = start_ready(&source, &target).await;
    source
        .execute_script(
            r#"
            insert into items select i, 'item ' || i, i * 1.5 from generate_series(1, 300) i;
            insert into "Odd ""Name""" values ('eu', 1, 'a'), ('eu', 2, 'b'), ('us', 1, null);
            insert into log values (1, 'x'), (1, 'x'), (2, null);
            begin;
            update items set qty = qty * 2 where id % 3 = 0;
            update items set id = id + 1000 where id between 10 and 19;
            update "Odd ""Name""" set seq = 7, "Value" = 'moved' where region = 'eu' and seq = 1;
            delete from items where id % 7 = 0;
            commit;
            update items set name = null where id = 1;
            update items set id = 5000, name = 'both' where id = 2;
            update log set b = 'y' where a = 2;
            delete from log where ctid = (select ctid from log where a = 1 limit 1);
            insert into items values (10, 'reused key', 0);
            "#,
        )
        .await;
    wait_same(&source, &target, &TABLES).await;
    let summary = running.stop().await;
    assert!(summary.transactions >= 2, "{summary:?}");
    assert_eq!(summary.reconnects, 0);
    let applied: String = target
        .client()
        .query_one("select applied_lsn from _godwit.replication", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, summary.applied_lsn);
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_is_applied_in_its_place() {
    let (source, target) = pair(DDL).await;
    let running = start_ready(&source, &target).await;
    source
        .execute_script(
            "insert into items select i, 'a', 1 from generate_series(1, 50) i;
             insert into docs values (1, 'd', 1);
             begin; truncate items, docs; insert into items values (7, 'after', 2); commit;",
        )
        .await;
    wait_same(&source, &target, &["items", "docs"]).await;
    let n: i64 = target.client().query_one("select count(*) from items", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    running.stop().await;
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_refused_stops_before_the_transaction() {
    let (source, target) = pair(DDL).await;
    // The slot exists; both transactions wait in it, so they arrive together and share a
    // target transaction, which must not take the first one down with the refused one.
    start_ready(&source, &target).await.stop().await;
    // Two transactions (a BEGIN inside a multi-statement string would take the insert in).
    source.execute_script("insert into items values (1, 'kept', 1)").await;
    source
        .execute_script("begin; insert into items values (2, 'lost', 1); truncate docs; commit;")
        .await;
    let opts = ReplicateOptions { truncate: Truncate::Refuse, ..ReplicateOptions::default() };
    let err = start(&source, &target, opts).failure().await;
    let text = err.to_string();
    assert!(text.contains("docs") && text.contains("refuse"), "{text}");
    let ids: Vec<i32> = target
        .client()
        .query("select id from items order by id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [1], "the transaction before is applied, the truncating one is not");
    drop_slots(&source).await;
}

/// Doc 1 on both sides with a body incompressible enough to be stored out of line (TOAST), so
/// an update that does not touch it is streamed as "unchanged" without its value; the body.
async fn toasted_doc(source: &TestDb, target: &TestDb) -> String {
    let body = "(select string_agg(md5(random()::text), '') from generate_series(1, 4000))";
    source.execute_script(&format!("insert into docs values (1, {body}, 1)")).await;
    let row = source.client().query_one("select body from docs", &[]).await.unwrap();
    let text: String = row.get(0);
    target.client().execute("insert into docs values (1, $1, 1)", &[&text]).await.unwrap();
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_toast_value_is_kept() {
    let (source, target) = pair(DDL).await;
    toasted_doc(&source, &target).await;
    let running = start_ready(&source, &target).await;
    source.execute_script("update docs set version = 2 where id = 1").await;
    wait_same(&source, &target, &["docs"]).await;
    let version: i32 =
        target.client().query_one("select version from docs", &[]).await.unwrap().get(0);
    assert_eq!(version, 2);
    running.stop().await;
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_change_keeps_an_unchanged_toast_value_the_target_holds() {
    let (source, target) = pair(DDL).await;
    let text = toasted_doc(&source, &target).await;
    let running = start_ready(&source, &target).await;
    // The key changes, the TOASTed body does not: the stream sends the old key and the body
    // as "unchanged"; the row's whole value is only on the target.
    source.execute_script("update docs set id = 2, version = 2 where id = 1").await;
    source.execute_script("update docs set id = 3 where id = 2").await;
    wait_same(&source, &target, &["docs"]).await;
    let row = target.client().query_one("select id, body from docs", &[]).await.unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, String>(1)), (3, text));
    running.stop().await;
    drop_slots(&source).await;
}

#[tokio::test]
async fn a_table_without_key_or_full_identity_is_refused_with_the_fix() {
    let (source, target) = pair("create table nokey (a int, b text);").await;
    let err = start(&source, &target, ReplicateOptions::default()).failure().await;
    let text = err.to_string();
    assert!(text.contains(r#"ALTER TABLE "public"."nokey" REPLICA IDENTITY FULL"#), "{text}");
    let slots: i64 = source
        .client()
        .query_one(
            "select count(*) from pg_replication_slots where database = current_database()",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(slots, 0, "a refused run creates no slot");
}

/// Every value of the type matrix goes through insert, update (values moved between rows,
/// keys changed) and delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_of_the_matrix_survives_insert_update_and_delete() {
    let (source, target) = pair(MATRIX_DDL).await;
    source.execute_script("alter table matrix.keyless replica identity full").await;
    let running = start_ready(&source, &target).await;
    source.execute_script(MATRIX_DATA).await;
    source.execute_script(MATRIX_UPDATES).await;
    let limit = Duration::from_secs(60);
    for table in MATRIX_TABLES {
        wait_until(limit, &table.quoted(), || async {
            differences(source.client(), target.client(), table).await.is_empty()
        })
        .await;
    }
    let summary = running.stop().await;
    assert!(summary.rows > 15_000, "{summary:?}");
    drop_slots(&source).await;
}

/// Updates that move every column's values to another row, key changes and deletes, on every
/// matrix table with an `id` key; and changes on the others.
const MATRIX_UPDATES: &str = r#"
do $$
declare
    t record;
    cols text;
    srcs text;
begin
    for t in select c.table_name from information_schema.columns c
             where c.table_schema = 'matrix' and c.column_name = 'id'
    loop
        select string_agg(quote_ident(column_name), ', ' order by ordinal_position),
               string_agg('n.' || quote_ident(column_name), ', ' order by ordinal_position)
          into cols, srcs
          from information_schema.columns
         where table_schema = 'matrix' and table_name = t.table_name and column_name <> 'id';
        execute format(
            'update matrix.%I o set (%s) = (select %s from matrix.%I n where n.id = '
            '(select min(id) from matrix.%I m where m.id > o.id)) '
            'where exists (select 1 from matrix.%I m where m.id > o.id)',
            t.table_name, cols, srcs, t.table_name, t.table_name, t.table_name);
        execute format('update matrix.%I set id = id + 1000 where id %% 2 = 0', t.table_name);
        execute format('delete from matrix.%I where id %% 3 = 0', t.table_name);
    end loop;
end $$;
update matrix.composite_key set seq = seq + 100000, v = 'moved' where seq % 5 = 0;
delete from matrix.composite_key where seq % 7 = 0;
update matrix.text_key set k = k || ' renamed' where v % 3 = 0;
delete from matrix.uuid_key where v like '%1%';
update matrix.keyless set b = 'changed' where a % 4 = 0;
delete from matrix.keyless where a % 5 = 0;
update "Select"."Order" set "From" = "From" + 10, "user" = 'u2';
update "Select"."Big Table" set "Value" = "Value" || '!' where "Key Col" % 10 = 0;
delete from "Select"."Big Table" where "Key Col" % 9 = 0;
"#;

/// One source transaction of 200k rows arrives through a bounded pipeline (batches into the
/// open target transaction); the rate is printed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_transaction_applies() {
    let (source, target) = pair(DDL).await;
    let running = start_ready(&source, &target).await;
    let started = Instant::now();
    source
        .execute_script(
            "insert into items select i, 'item ' || i, i from generate_series(1, 200000) i",
        )
        .await;
    let wrote = started.elapsed();
    wait_same(&source, &target, &["items"]).await;
    let total = started.elapsed();
    eprintln!(
        "200000-row transaction: written in {:.2}s, on the target after {:.2}s ({:.0} rows/s end to end)",
        wrote.as_secs_f64(),
        total.as_secs_f64(),
        200_000.0 / total.as_secs_f64()
    );
    assert_eq!(fingerprint(target.client(), "items").await.0, 200_000);
    running.stop().await;
    drop_slots(&source).await;
}
