//! Fetch -> replicate: sequence-numbered write transactions run before, during and after a CDC
//! fetch; replicate then takes the fetch's slot with no options, and the target ends with every
//! number exactly once and the same rows as the source.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use godwit::fetch::FetchOptions;
use godwit::replicate::ReplicateOptions;
use tokio_postgres::Client;

use super::{drop_slots, pair, start, wait_same, wait_until};
use crate::fetch::fetch_with;
use crate::fetch::handoff::DDL;

const DATA: &str = "
insert into items select i, 0 from generate_series(1, 2000) i;
insert into bulk select i, repeat(md5(i::text), 4) from generate_series(1, 100000) i;
analyze;
";

/// Transaction `seq`: its number in the ledger, and an insert, update or delete of `items`.
fn write(seq: i64) -> String {
    let change = match seq % 3 {
        0 => format!("insert into items values ({}, {seq})", 10_000 + seq),
        1 => format!("update items set v = {seq} where id = {}", seq % 2000 + 1),
        _ => format!("delete from items where id = {}", 10_000 + seq - 2),
    };
    format!("begin; insert into ledger values ({seq}); {change}; commit;")
}

pub(super) async fn writer(client: Client, stop: Arc<AtomicBool>, last: Arc<AtomicI64>) -> i64 {
    let mut seq = 0;
    while !stop.load(Ordering::SeqCst) {
        seq += 1;
        client.batch_execute(&write(seq)).await.unwrap();
        last.store(seq, Ordering::SeqCst);
    }
    seq
}

async fn at_least(last: &AtomicI64, n: i64) {
    wait_until(Duration::from_secs(30), "writes", || async { last.load(Ordering::SeqCst) >= n })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_fetch_are_applied_once() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let stop = Arc::new(AtomicBool::new(false));
    let last = Arc::new(AtomicI64::new(0));
    let writing =
        tokio::spawn(writer(source.connect().await, Arc::clone(&stop), Arc::clone(&last)));
    at_least(&last, 20).await;
    let options = FetchOptions { cdc: true, shard_bytes: 1024 * 1024, ..FetchOptions::default() };
    let fetched = fetch_with(&source, &target, &options).await;
    let handoff = fetched.handoff.expect("a CDC fetch hands a slot over");
    let running = start(&source, &target, ReplicateOptions::default());
    let during = last.load(Ordering::SeqCst);
    at_least(&last, during + 200).await;
    stop.store(true, Ordering::SeqCst);
    let n = writing.await.unwrap();
    wait_same(&source, &target, &["ledger", "items", "bulk"]).await;
    let summary = running.stop().await;
    assert_eq!(summary.slot, handoff.slot, "replicate took the fetch's slot");
    assert_eq!(Some(summary.start_lsn.clone()), handoff.consistent_lsn);
    let row = target
        .client()
        .query_one("select count(*), min(seq), max(seq) from ledger", &[])
        .await
        .unwrap();
    let (count, min, max): (i64, Option<i64>, Option<i64>) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((count, min, max), (n, Some(1), Some(n)), "every write exactly once");
    eprintln!("handoff: {n} writes, {} applied by replicate", summary.transactions);
    assert!(summary.transactions > 0);
    drop_slots(&source).await;
}
