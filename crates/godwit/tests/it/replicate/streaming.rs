//! Large transactions that the source streams while in progress (pgoutput protocol 2): the
//! source database's walsenders get `logical_decoding_work_mem = 64kB` (PostgreSQL's minimum;
//! a walsender reads its database's settings at startup), so a few thousand rows stream; the
//! run gets a small spill budget, so they also go to temporary files.

use std::time::Duration;

use godwit::replicate::{ReplicateOptions, ReplicateSummary};
use godwit_test_support::TestDb;

use super::{drop_slots, pair, start, wait_same, wait_until};

const DDL: &str = "
create table big (id int primary key, v text not null);
create table small (id int primary key, note text);
create table marker (id int primary key);
";

/// Rows of about 100 bytes: a few thousand exceed 64kB of decoded changes many times over.
fn rows(from: i32, to: i32) -> String {
    format!(
        "insert into big select g, repeat(md5(g::text), 3) from generate_series({from}, {to}) g;"
    )
}

/// A pair whose source streams transactions above 64kB, replicating with a 256 KiB budget.
async fn streaming_pair() -> (TestDb, TestDb, super::Running) {
    let (source, target) = pair(DDL).await;
    let sql = format!(
        "alter database {} set logical_decoding_work_mem = '64kB'",
        godwit::dialect::quote_ident(source.name())
    );
    source.execute_script(&sql).await;
    let opts = ReplicateOptions {
        stream_in_progress: true,
        spill_bytes: 256 << 10,
        ..ReplicateOptions::default()
    };
    let running = start(&source, &target, opts);
    wait_until(Duration::from_secs(20), "the slot to be recorded", || async {
        super::recorded_lsn(target.client()).await.is_some()
    })
    .await;
    (source, target, running)
}

/// Commit a marker row on the source and wait until the target has it: everything committed
/// before it has been applied.
async fn settle(source: &TestDb, target: &TestDb, id: i32) {
    source.execute_script(&format!("insert into marker values ({id})")).await;
    wait_until(Duration::from_secs(60), "the marker row", || async {
        let sql = "select count(*) from marker where id = $1";
        target.client().query_one(sql, &[&id]).await.unwrap().get::<_, i64>(0) == 1
    })
    .await;
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    db.client().query_one(&sql, &[]).await.unwrap().get(0)
}

fn streamed_and_spilled(summary: &ReplicateSummary) {
    assert!(summary.streamed >= 1, "nothing was streamed: {summary:?}");
    assert!(summary.spilled_bytes > 0, "nothing was spilled: {summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_the_budget_streams_spills_and_applies_once() {
    let (source, target, running) = streaming_pair().await;
    source.execute_script(&format!("begin; {} update big set v = 'x' where id <= 10; delete from big where id = 11; commit;", rows(1, 30_000))).await;
    wait_same(&source, &target, &["big"]).await;
    let summary = running.stop().await;
    streamed_and_spilled(&summary);
    assert_eq!(count(&target, "big").await, 29_999);
    assert_eq!(summary.transactions, 1, "{summary:?}");
    assert_eq!(summary.rows, 30_000 + 10 + 1, "{summary:?}");
    eprintln!("streamed: {summary:?}");
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_streamed_transactions_and_subtransactions_leave_no_trace() {
    let (source, target, running) = streaming_pair().await;
    // A whole streamed transaction rolled back.
    source.execute_script(&format!("begin; {} rollback;", rows(1, 10_000))).await;
    // Subtransactions rolled back inside a streamed transaction that commits: a plain one,
    // and one whose released child goes with it.
    let script = format!(
        "begin; {first} savepoint a; {second} rollback to savepoint a; \
         savepoint b; {third} savepoint c; {fourth} release savepoint c; rollback to savepoint b; \
         {last} commit;",
        first = rows(1, 5_000),
        second = rows(5_001, 10_000),
        third = rows(10_001, 15_000),
        fourth = rows(15_001, 20_000),
        last = rows(20_001, 20_003),
    );
    source.execute_script(&script).await;
    settle(&source, &target, 1).await;
    assert_eq!(count(&target, "big").await, 5_003);
    wait_same(&source, &target, &["big"]).await;
    let summary = running.stop().await;
    streamed_and_spilled(&summary);
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_transactions_committed_during_a_streamed_one_keep_commit_order() {
    let (source, target, running) = streaming_pair().await;
    let big = source.connect().await;
    big.batch_execute(&format!("begin; {}", rows(1, 5_000))).await.unwrap();
    source.execute_script("insert into small values (1, 'during')").await;
    big.batch_execute(&rows(5_001, 10_000)).await.unwrap();
    source.execute_script("insert into small values (2, 'during')").await;
    big.batch_execute("insert into small values (3, 'in the big one'); commit").await.unwrap();
    // After the big commit: changes to its rows must find them on the target.
    source
        .execute_script(
            "update big set v = 'after' where id = 1; update small set note = 'after' where id = 3",
        )
        .await;
    settle(&source, &target, 2).await;
    wait_same(&source, &target, &["big", "small"]).await;
    let row = target.client().query_one("select v from big where id = 1", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "after");
    let summary = running.stop().await;
    streamed_and_spilled(&summary);
    // The small ones before, the big one, the update after, the marker.
    assert_eq!(summary.transactions, 5, "{summary:?}");
    drop_slots(&source).await;
}
