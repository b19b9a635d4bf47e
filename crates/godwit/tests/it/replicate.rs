//! `replicate` between two databases of the shared test cluster (`wal_level=logical`): changes
//! of every kind arrive exactly once, from a slot of its own or from a CDC fetch's handoff,
//! across stops, kills of the task and restarts.

use std::time::{Duration, Instant};

use godwit::replicate::{ReplicateOptions, ReplicateSummary, replicate};
use godwit_test_support::TestDb;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_postgres::Client;

use super::fetch::{fingerprint, pair, params};

mod changes;
mod compact;
mod copy;
mod drift;
mod handoff;
mod restart;
mod streaming;

/// A replicate run in the background.
pub(super) struct Running {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<godwit::Result<ReplicateSummary>>,
}

impl Running {
    /// Ask it to stop; returns its summary (panics on error).
    pub(super) async fn stop(self) -> ReplicateSummary {
        let _ = self.stop.send(());
        self.handle.await.unwrap().unwrap()
    }

    /// Its error once it fails by itself.
    pub(super) async fn failure(self) -> godwit::Error {
        let result = tokio::time::timeout(Duration::from_secs(30), self.handle).await;
        let _keep = self.stop;
        result.expect("replicate did not fail in time").unwrap().unwrap_err()
    }

    /// End it abruptly, as a crash would (no rollback, no confirmation).
    pub(super) async fn kill(self) {
        self.handle.abort();
        let _ = self.handle.await;
    }
}

/// Start replicating `source` into `target` with `opts`.
pub(super) fn start(source: &TestDb, target: &TestDb, opts: ReplicateOptions) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let (source, target) = (params(source), params(target));
    let handle = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
        };
        let sink = |e: godwit::event::Event| eprintln!("replicate event: {e:?}");
        let result = replicate(&source, &target, &opts, &sink, stop).await;
        if let Err(e) = &result {
            eprintln!("replicate failed: {}", godwit_test_support::chain(e));
        }
        result
    });
    Running { stop, handle }
}

/// Start with default options and wait until the slot exists (changes after this are streamed).
pub(super) async fn start_ready(source: &TestDb, target: &TestDb) -> Running {
    let running = start(source, target, ReplicateOptions::default());
    wait_until(Duration::from_secs(20), "the slot to be recorded", || async {
        recorded_lsn(target.client()).await.is_some()
    })
    .await;
    running
}

/// The applied LSN recorded on the target (the only slot's), if any.
pub(super) async fn recorded_lsn(target: &Client) -> Option<String> {
    let sql = "select applied_lsn from _godwit.replication limit 1";
    match target.query_opt(sql, &[]).await {
        Ok(Some(row)) => row.get(0),
        _ => None,
    }
}

/// Poll `check` until it holds; panics naming `what` after `limit`.
pub(super) async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait until every table in `tables` has the same content on both sides.
pub(super) async fn wait_same(source: &TestDb, target: &TestDb, tables: &[&str]) {
    let limit = Duration::from_secs(60);
    for table in tables {
        wait_until(limit, table, || async {
            fingerprint(source.client(), table).await == fingerprint(target.client(), table).await
        })
        .await;
    }
}

/// Drop this database's replication slots (a database with a slot cannot be dropped).
pub(super) async fn drop_slots(source: &TestDb) {
    let sql = "select count(*) from (select pg_drop_replication_slot(slot_name) \
               from pg_replication_slots where database = current_database() and not active) s";
    wait_until(Duration::from_secs(20), "slots to be dropped", || async {
        let _ = source.client().query_one(sql, &[]).await;
        let left = "select count(*) from pg_replication_slots where database = current_database()";
        source.client().query_one(left, &[]).await.unwrap().get::<_, i64>(0) == 0
    })
    .await;
}
