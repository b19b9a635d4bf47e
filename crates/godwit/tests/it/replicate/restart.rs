//! Stop, kill and restart while the source keeps writing: a counter raised by one per source
//! transaction (each also writing its number to a ledger) must end equal on both sides, every
//! number exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use godwit::replicate::ReplicateOptions;
use tokio_postgres::Client;

use super::{drop_slots, pair, start, start_ready, wait_same, wait_until};

const DDL: &str = "
create table counter (id int primary key, n bigint not null);
create table ledger (seq bigint primary key, at_n bigint not null);
insert into counter values (1, 0);
";

async fn writer(client: Client, stop: Arc<AtomicBool>, last: Arc<AtomicI64>) -> i64 {
    let mut seq = 0;
    while !stop.load(Ordering::SeqCst) {
        seq += 1;
        let sql = format!(
            "begin; update counter set n = n + 1 where id = 1; \
             insert into ledger select {seq}, n from counter where id = 1; commit;"
        );
        client.batch_execute(&sql).await.unwrap();
        last.store(seq, Ordering::SeqCst);
        if seq % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    seq
}

async fn progressed(target: &Client, beyond: i64) {
    wait_until(Duration::from_secs(30), "progress on the target", || async {
        let row = target.query_one("select n from counter", &[]).await.unwrap();
        row.get::<_, i64>(0) > beyond
    })
    .await;
}

async fn counter(target: &Client) -> i64 {
    target.query_one("select n from counter", &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stops_and_kills_while_writing_lose_and_repeat_nothing() {
    let (source, target) = pair(DDL).await;
    let small_groups = || ReplicateOptions {
        group_max_rows: 20,
        group_max_delay: Duration::from_millis(30),
        ..ReplicateOptions::default()
    };
    let mut running = start_ready(&source, &target).await;
    let stop = Arc::new(AtomicBool::new(false));
    let last = Arc::new(AtomicI64::new(0));
    let writing =
        tokio::spawn(writer(source.connect().await, Arc::clone(&stop), Arc::clone(&last)));
    let (mut stops, mut skipped) = (0, 0);
    for round in 0..6 {
        let seen = counter(target.client()).await;
        progressed(target.client(), seen).await;
        if round % 2 == 0 {
            running.kill().await;
        } else {
            let summary = running.stop().await;
            assert!(summary.transactions > 0, "{summary:?}");
            stops += 1;
            skipped += summary.skipped;
        }
        // A moment with writes and nothing applying, then continue.
        tokio::time::sleep(Duration::from_millis(100)).await;
        running = start(&source, &target, small_groups());
    }
    stop.store(true, Ordering::SeqCst);
    let n = writing.await.unwrap();
    wait_same(&source, &target, &["counter", "ledger"]).await;
    running.stop().await;
    assert_eq!(counter(target.client()).await, n);
    let row = target
        .client()
        .query_one("select count(*), count(*) filter (where seq = at_n) from ledger", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (n, n));
    assert_eq!(stops, 3);
    // The server itself skips transactions committed before the requested start (the
    // recorded position), so the client-side skip is a second line of defence here.
    eprintln!("restart: {n} source transactions through 3 kills and 3 stops, {skipped} skipped");
    drop_slots(&source).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_confirms_its_position_to_the_source() {
    let (source, target) = pair(DDL).await;
    let running = start_ready(&source, &target).await;
    source.execute_script("update counter set n = 5").await;
    wait_same(&source, &target, &["counter"]).await;
    let summary = running.stop().await;
    let slot = godwit::cdc::slot::state(source.client(), &summary.slot).await.unwrap().unwrap();
    let confirmed = slot.confirmed_flush_lsn.unwrap();
    let lsn = |t: &str| godwit::cdc::pgoutput::Lsn::parse(t).unwrap();
    assert!(lsn(&confirmed) >= lsn(&summary.applied_lsn), "{confirmed} < {}", summary.applied_lsn);
    // Restarting continues from the recorded position and applies nothing twice.
    let again = start(&source, &target, ReplicateOptions::default());
    source.execute_script("update counter set n = n + 1").await;
    wait_same(&source, &target, &["counter"]).await;
    let second = again.stop().await;
    assert_eq!(second.slot, summary.slot);
    assert_eq!(counter(target.client()).await, 6);
    drop_slots(&source).await;
}

/// `pg_terminate_backend` on godwit's walsender and target sessions while writes run: the
/// run reconnects by itself and still applies every transaction once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_sessions_reconnect_and_lose_nothing() {
    let (source, target) = pair(DDL).await;
    let running = start(&source, &target, ReplicateOptions::default());
    wait_until(Duration::from_secs(20), "the slot", || async {
        super::recorded_lsn(target.client()).await.is_some()
    })
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let last = Arc::new(AtomicI64::new(0));
    let writing =
        tokio::spawn(writer(source.connect().await, Arc::clone(&stop), Arc::clone(&last)));
    let kill_source = "select count(pg_terminate_backend(pid)) from pg_stat_activity \
                       where backend_type = 'walsender' and datname = current_database()";
    let kill_target = "select count(pg_terminate_backend(pid)) from pg_stat_activity \
                       where datname = current_database() and pid <> pg_backend_pid()";
    for round in 0..4 {
        let seen = counter(target.client()).await;
        progressed(target.client(), seen).await;
        let sql = if round % 2 == 0 { kill_source } else { kill_target };
        let (db, sql) = if round % 2 == 0 { (&source, sql) } else { (&target, sql) };
        db.client().query_one(sql, &[]).await.unwrap();
    }
    let seen = counter(target.client()).await;
    progressed(target.client(), seen).await;
    stop.store(true, Ordering::SeqCst);
    let n = writing.await.unwrap();
    wait_same(&source, &target, &["counter", "ledger"]).await;
    let summary = running.stop().await;
    assert!(summary.reconnects >= 2, "{summary:?}");
    assert_eq!(counter(target.client()).await, n);
    eprintln!("terminate: {n} transactions, {} reconnects", summary.reconnects);
    drop_slots(&source).await;
}
