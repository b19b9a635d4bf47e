//! The demo's live phase: `replicate` from fetch's slot while the source takes writes, the lag
//! falling to zero once the writes stop, and a clean verification.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{DATABASE, done, step};
use crate::cluster::LocalCluster;
use crate::conn::{self, ConnParams, Connection, Environment};
use crate::error::{Error, Result};
use crate::event::EventSink;
use crate::replicate::{self, ReplicateOptions, ReplicateSummary};
use crate::verify::{self, Report, VerifyOptions};

/// How long the demo writes to the source while replicating.
const WRITING: Duration = Duration::from_secs(3);

/// What the live phase did.
#[derive(Debug)]
pub struct Live {
    /// Where replication stopped.
    pub replication: ReplicateSummary,
    /// Write transactions committed on the source while replicating.
    pub writes: u64,
    /// Seconds from the last source write to the target holding it (the lag falling to zero).
    pub drained_seconds: f64,
    /// The verification after the drain.
    pub verification: Report,
}

/// Replicate while writing, drain, stop, verify.
pub(super) async fn replicate_while_writing(
    source: &LocalCluster,
    target: &LocalCluster,
    events: &dyn EventSink,
) -> Result<Live> {
    let env = Environment::from_process();
    let from = ConnParams::resolve(&source.url(DATABASE), &env)?;
    let into = ConnParams::resolve(&target.url(DATABASE), &env)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ReplicateOptions::default();
    let replication = replicate::replicate(&from, &into, &options, events, async move {
        let _ = stopped.await;
    });
    let driver = async {
        let driven = drive(&from, &into, events).await;
        let _ = stop.send(());
        driven
    };
    let (replication, driven) = tokio::join!(replication, driver);
    let (writes, drained_seconds) = driven?;
    let replication = replication?;
    let verification = verify::verify(&from, &into, &VerifyOptions::default(), events).await?;
    Ok(Live { replication, writes, drained_seconds, verification })
}

/// Wait for the stream, write for [`WRITING`], then wait until the target holds every write.
async fn drive(from: &ConnParams, into: &ConnParams, events: &dyn EventSink) -> Result<(u64, f64)> {
    let mut source = conn::connect(from).await?;
    let target = conn::connect(into).await?;
    wait(Duration::from_secs(30), "replication to start streaming", || async {
        scalar(&source, "select count(*) from pg_replication_slots where active").await > 0
    })
    .await?;
    let writing = Instant::now();
    events.emit(step("write", "writing to the source while replicating (3 s)"));
    let writes = write(&mut source).await?;
    events.emit(done("write", format!("{writes} write transactions on the source"), writing));
    let draining = Instant::now();
    events.emit(step("drain", "waiting for the target to catch up"));
    let count = "select count(*) from shop.page_views where path = '/live'";
    wait(Duration::from_secs(60), "the target to catch up", || async {
        scalar(&target, count).await == i64::try_from(writes).unwrap_or(i64::MAX)
    })
    .await?;
    let drained = draining.elapsed().as_secs_f64();
    events.emit(done("drain", "the target holds every write (lag 0)", draining));
    Ok((writes, drained))
}

/// Small transactions for [`WRITING`]; returns how many committed.
async fn write(source: &mut Connection) -> Result<u64> {
    let context = "writing the demo workload";
    let started = Instant::now();
    let mut n: i64 = 0;
    while started.elapsed() < WRITING {
        n += 1;
        let tx = source.client_mut().transaction().await.map_err(|e| Error::db(context, e))?;
        let (order, customer, second) = (n % 25_000 + 1, n % 10_000 + 1, n as f64);
        tx.execute(include_str!("pay_order.sql"), &[&order])
            .await
            .map_err(|e| Error::db(context, e))?;
        tx.execute(include_str!("page_view.sql"), &[&customer, &second])
            .await
            .map_err(|e| Error::db(context, e))?;
        tx.commit().await.map_err(|e| Error::db(context, e))?;
    }
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn scalar(conn: &Connection, sql: &str) -> i64 {
    match conn.client().query_one(sql, &[]).await {
        Ok(row) => row.get(0),
        Err(_) => -1,
    }
}

async fn wait<F, Fut>(limit: Duration, what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        if started.elapsed() > limit {
            return Err(Error::internal(format!("the demo timed out waiting for {what}")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
