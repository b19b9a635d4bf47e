//! Progress events of a fetch: live while a shard is in flight, exact when tables finish.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use godwit::event::{Event, ShardStatus};
use godwit::fetch::{FetchOptions, fetch};
use tokio::sync::Notify;

use super::{pair, params};

const ROWS: i64 = 60_000;

/// Every event a sink saw.
type Seen = Arc<Mutex<Vec<Event>>>;

/// The events a sink saw, and a notifier for the first progress with rows on `blocked`.
fn recorder(blocked: &'static str) -> (Seen, Arc<Notify>, impl Fn(Event) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let moving = Arc::new(Notify::new());
    let sink = {
        let (seen, moving) = (Arc::clone(&seen), Arc::clone(&moving));
        move |e: Event| {
            if matches!(&e, Event::Progress { table, rows, .. } if table == blocked && *rows > 0) {
                moving.notify_one();
            }
            seen.lock().unwrap().push(e);
        }
    };
    (seen, moving, sink)
}

/// A target row inserted by an open transaction with the source's last key makes the COPY
/// into `public.b` wait on that key after every other row was sent: progress must be
/// reported while the shard is still in flight, and the totals must be exact at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_live_while_a_shard_is_in_flight_and_exact_at_the_end() {
    let ddl =
        "create table a (id int primary key, v text); create table b (id int primary key, v text);";
    let (source, target) = pair(ddl).await;
    source
        .execute_script(&format!(
            "insert into a select i, 'a' || i from generate_series(1, 1000) i;
             insert into b select i, repeat('b', 40) || i from generate_series(1, {ROWS}) i;
             analyze;"
        ))
        .await;
    let blocker = target.connect().await;
    blocker
        .batch_execute(&format!("begin; insert into b values ({ROWS}, 'blocks')"))
        .await
        .unwrap();
    let (seen, moving, sink) = recorder("public.b");
    let options = FetchOptions { cdc: false, ..FetchOptions::default() };
    let (source_params, target_params) = (params(&source), params(&target));
    let run =
        tokio::spawn(async move { fetch(&source_params, &target_params, &options, &sink).await });
    tokio::time::timeout(Duration::from_secs(30), moving.notified())
        .await
        .expect("a progress event with rows for public.b while its COPY waits");
    let in_flight = seen
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Event::TableDone { table, .. } if table == "public.b"));
    assert!(!in_flight, "public.b cannot be done while the blocking transaction is open");
    blocker.batch_execute("rollback").await.unwrap();
    let result = run.await.unwrap().unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);

    let events = seen.lock().unwrap().clone();
    let started: Vec<_> =
        events.iter().filter(|e| matches!(e, Event::FetchStarted { .. })).collect();
    assert!(
        matches!(started[..], [Event::FetchStarted { tables: 2, shards: 2, .. }]),
        "{started:?}"
    );
    for ledger in &result.tables {
        let name = format!("{}.{}", ledger.schema, ledger.table);
        let mine: Vec<&Event> = events.iter().filter(|e| table_of(e) == Some(&name)).collect();
        assert!(matches!(mine.first(), Some(Event::TableStarted { .. })), "{name}: {mine:?}");
        let progress: Vec<(u64, u64)> = mine
            .iter()
            .filter_map(|e| match e {
                Event::Progress { rows, bytes, .. } => Some((*rows, *bytes)),
                _ => None,
            })
            .collect();
        assert_eq!(
            progress.last(),
            Some(&(ledger.rows, ledger.bytes)),
            "{name}: last progress is exact"
        );
        let shard_rows: u64 = mine
            .iter()
            .filter_map(|e| match e {
                Event::ShardDone { status: ShardStatus::Copied, rows, .. } => Some(*rows),
                _ => None,
            })
            .sum();
        assert_eq!(shard_rows, ledger.rows, "{name}");
        match mine.last() {
            Some(Event::TableDone { rows, bytes, failed: false, .. }) => {
                assert_eq!((*rows, *bytes), (ledger.rows, ledger.bytes), "{name}");
            }
            other => panic!("{name}: last event {other:?}"),
        }
    }
    let b = result.tables.iter().find(|t| t.table == "b").unwrap();
    assert_eq!(b.rows, ROWS as u64);
}

fn table_of(e: &Event) -> Option<&String> {
    match e {
        Event::TableStarted { table, .. }
        | Event::Progress { table, .. }
        | Event::ShardDone { table, .. }
        | Event::TableDone { table, .. } => Some(table),
        _ => None,
    }
}
