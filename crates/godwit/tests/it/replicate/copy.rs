//! New rows go into the target by `COPY`: a large insert transaction arrives exactly through
//! several `COPY`s; a new row whose key the target already holds (a diverged target) ends as
//! the source's row after a replay with upserts, and replication goes on; rows inserted and
//! changed again in one transaction end as the source has them.

use super::{drop_slots, pair, start_ready, wait_same};

const DDL: &str = r#"
create table big (id bigint primary key, grp int not null, label text, at timestamptz);
create table pair (a text, b int, v text, primary key (a, b));
"#;

const TABLES: [&str; 2] = ["big", "pair"];

/// Target only: every statement that inserts into one of `tables`, by its first word as the
/// client sent it (`COPY` or `INSERT`). The triggers fire under the replica role (`ALWAYS`).
fn statement_log(tables: &[&str]) -> String {
    let mut sql = String::from(
        r#"
create table statements (seq serial, tbl text, word text);
create function log_statement() returns trigger language plpgsql as $$
begin
    insert into statements (tbl, word) values (tg_table_name, upper(split_part(ltrim(current_query()), ' ', 1)));
    return null;
end $$;
"#,
    );
    for t in tables {
        sql.push_str(&format!(
            "create trigger log_{t} after insert on {t} for each statement execute function \
             log_statement();\nalter table {t} enable always trigger log_{t};\n"
        ));
    }
    sql
}

/// The first words of the statements logged after `seq` on `tbl`.
async fn words(target: &godwit_test_support::TestDb, tbl: &str, after: i32) -> Vec<String> {
    let sql = "select word from statements where tbl = $1 and seq > $2 order by seq";
    let rows = target.client().query(sql, &[&tbl, &after]).await.unwrap();
    rows.iter().map(|r| r.get(0)).collect()
}

async fn last_seq(target: &godwit_test_support::TestDb) -> i32 {
    let sql = "select coalesce(max(seq), 0) from statements";
    target.client().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_insert_transaction_arrives_by_copy() {
    let (source, target) = pair(DDL).await;
    target.execute_script(&statement_log(&["big", "pair"])).await;
    let running = start_ready(&source, &target).await;
    // 60,000 rows: several flushes within one target transaction. Values the text format
    // must escape, NULLs and the string `\N` among them.
    source
        .execute_script(
            r"
            insert into big
            select g, g % 7,
                   case g % 5 when 0 then null when 1 then E'tab\there\nnew\\line\r'
                              when 2 then '\N' when 3 then '' else 'grüße ' || md5(g::text) end,
                   timestamptz '2026-01-01' + g * interval '1 ms'
            from generate_series(1, 60000) g;
            ",
        )
        .await;
    wait_same(&source, &target, &TABLES).await;
    let summary = running.stop().await;
    assert_eq!(summary.rows, 60_000, "{summary:?}");
    assert_eq!(summary.reconnects, 0, "{summary:?}");
    let seen = words(&target, "big", 0).await;
    assert!(seen.len() >= 3, "60,000 rows in several flushes: {seen:?}");
    assert!(seen.iter().all(|w| w == "COPY"), "only COPY wrote the new rows: {seen:?}");
    let null_string: i64 = target
        .client()
        .query_one(r"select count(*) from big where label = '\N'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(null_string, 12_000, "the string \\N is not NULL");
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_row_already_on_the_target_ends_as_the_source_row() {
    let (source, target) = pair(DDL).await;
    target.execute_script(&statement_log(&["big", "pair"])).await;
    // A diverged target: rows the source does not have (yet).
    target
        .execute_script(
            "insert into big values (500, -1, 'target only', null);
             insert into pair values ('x', 2, 'target only')",
        )
        .await;
    let running = start_ready(&source, &target).await;
    source
        .execute_script(
            "insert into big values (1, 1, 'before', null);
             begin;
             insert into big select g, g, 'source', null from generate_series(2, 1000) g;
             insert into pair select 'x', g, 'source' from generate_series(1, 3) g;
             commit;",
        )
        .await;
    wait_same(&source, &target, &TABLES).await;
    // Replication goes on, with COPY again.
    let before = last_seq(&target).await;
    source
        .execute_script(
            "insert into big select g, 0, 'after', null from generate_series(1001, 1100) g",
        )
        .await;
    wait_same(&source, &target, &TABLES).await;
    assert_eq!(words(&target, "big", before).await, ["COPY"]);
    let summary = running.stop().await;
    assert_eq!(summary.reconnects, 1, "one replay with upserts: {summary:?}");
    assert_eq!(summary.rows, 1 + 999 + 3 + 100, "nothing applied twice: {summary:?}");
    let label: String = target
        .client()
        .query_one("select label from big where id = 500", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(label, "source");
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_inserted_then_changed_in_one_transaction_end_right() {
    let (source, target) = pair(DDL).await;
    target.execute_script(&statement_log(&["big", "pair"])).await;
    let running = start_ready(&source, &target).await;
    source
        .execute_script(
            "insert into big values (1, 1, 'old', null), (2, 2, 'old', null);
             begin;
             insert into big select g, g, 'new', null from generate_series(10, 30000) g;
             update big set label = 'updated' where id % 3 = 0;
             delete from big where id % 5 = 0;
             insert into big values (15, 0, 'deleted and back', null);
             update big set id = id + 100000 where id between 100 and 120;
             update big set id = 20 where id = 100100;
             update big set label = 'old row updated' where id = 1;
             delete from big where id = 2;
             insert into big values (2, 0, 'old row back', null);
             insert into pair values ('a', 1, 'x'), ('a', 2, 'y');
             update pair set b = 3 where b = 2;
             commit;",
        )
        .await;
    wait_same(&source, &target, &TABLES).await;
    let summary = running.stop().await;
    assert_eq!(summary.reconnects, 0, "no new row met an existing key: {summary:?}");
    let seen = words(&target, "big", 0).await;
    assert!(seen.contains(&"COPY".to_owned()), "{seen:?}");
    drop_slots(&source).await;
}

/// Tables without key (`REPLICA IDENTITY FULL`): one without unique index takes its new rows by
/// `COPY`; one with a unique index keeps the `INSERT`. Updates and deletes still apply.
const KEYLESS_DDL: &str = r#"
create table journal (at int, note text);
alter table journal replica identity full;
create table tagged (tag text unique, n int);
alter table tagged replica identity full;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_a_table_without_key_or_unique_index_arrive_by_copy() {
    let (source, target) = pair(KEYLESS_DDL).await;
    target.execute_script(&statement_log(&["journal", "tagged"])).await;
    let running = start_ready(&source, &target).await;
    source
        .execute_script(
            "insert into journal select g % 10, 'n' || g from generate_series(1, 1000) g;
             insert into journal values (1, 'n1');
             insert into tagged select 't' || g, g from generate_series(1, 100) g;
             update journal set note = 'changed' where at = 3 and note = 'n3';
             delete from journal where at = 1 and note = 'n1';
             delete from tagged where n = 7",
        )
        .await;
    wait_same(&source, &target, &["journal", "tagged"]).await;
    running.stop().await;
    let journal = words(&target, "journal", 0).await;
    assert!(!journal.is_empty() && journal.iter().all(|w| w == "COPY"), "{journal:?}");
    let tagged = words(&target, "tagged", 0).await;
    assert!(!tagged.is_empty() && tagged.iter().all(|w| w == "INSERT"), "{tagged:?}");
    drop_slots(&source).await;
}
