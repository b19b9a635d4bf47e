//! Shard jobs and the worker pool: at most `jobs` shards in flight (a [`JoinSet`] kept at that
//! size), retries of transient errors, per-table ledgers and events.
//!
//! Workers own their connections (one source reader in the snapshot, one target writer per
//! shard attempt), so a transient failure that killed a connection is retried on fresh ones.
//! Failures and events are handled by the coordinating task only, on the state connection.
//!
//! Progress costs the copy nothing per row: workers add to per-table atomic counters once per
//! 256 KiB batch ([`LiveCounters`]), and the coordinator reads them on a 250 ms ticker and
//! emits an [`Event::Progress`] for each table in flight whose counts moved.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::copy::{self, CopyContext, LiveCounters, ShardJob, ShardOutcome};
use super::deferred::Builder;
use super::plan::{self, TablePlan};
use super::state;
use super::{FetchOptions, TableLedger};
use crate::conn::Connection;
use crate::error::{Error, Result, Retry};
use crate::event::{Event, EventSink, ShardStatus};

/// How often progress of the tables in flight is reported.
const TICK: Duration = Duration::from_millis(250);

/// Backoff before each retry of a transient error.
const BACKOFF: [Duration; 3] =
    [Duration::from_millis(100), Duration::from_millis(400), Duration::from_millis(1600)];

/// The tables of a run and the shards still to copy.
#[derive(Debug)]
pub struct Work {
    tables: Vec<Arc<TablePlan>>,
    jobs: Vec<ShardJob>,
}

/// Shards to copy: stored ones that are not `done` (resume), or new ones planned inside the
/// snapshot on `coordinator` and recorded as `pending`.
pub async fn shard_jobs(
    coordinator: &Connection,
    state_conn: &Connection,
    run_id: &str,
    tables: Vec<TablePlan>,
    options: &FetchOptions,
) -> Result<Work> {
    let stored = state::shards_of_run(state_conn.client(), run_id).await?;
    let tables: Vec<_> = tables.into_iter().map(Arc::new).collect();
    let mut jobs = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let mine: Vec<_> =
            stored.iter().filter(|s| s.schema == table.schema && s.table == table.name).collect();
        if mine.is_empty() {
            let ranges = plan::plan_ranges(coordinator, table, options.shard_bytes).await?;
            let new = plan::to_stored(table, &ranges);
            state::insert_shards(state_conn.client(), run_id, &new).await?;
            jobs.extend(ranges.into_iter().zip(0..).map(|(range, shard)| ShardJob {
                table_index: index,
                table: Arc::clone(table),
                shard,
                range,
            }));
        } else {
            for s in mine.into_iter().filter(|s| s.status != "done") {
                let range = plan::from_stored(table, s)?;
                let table = Arc::clone(table);
                jobs.push(ShardJob { table_index: index, table, shard: s.shard, range });
            }
        }
    }
    Ok(Work { tables, jobs })
}

/// Per-table progress while shards are in flight.
#[derive(Debug)]
struct Progress {
    remaining: usize,
    /// Shards of the table being copied right now.
    in_flight: usize,
    ledger: TableLedger,
    started: Option<Instant>,
    failed: bool,
    /// Counters the table's workers add to.
    live: Arc<LiveCounters>,
    /// (rows, bytes) of the last progress event.
    reported: (u64, u64),
    /// The planner's row estimate, if any.
    rows_estimate: Option<u64>,
}

/// Copy every job with at most `options.jobs` in flight; returns ledgers and failed tables.
pub async fn run(
    state_conn: &Connection,
    ctx: CopyContext,
    work: Work,
    options: &FetchOptions,
    mut deferred: Option<&mut Builder>,
    events: &dyn EventSink,
) -> Result<(Vec<TableLedger>, Vec<String>)> {
    let ctx = Arc::new(ctx);
    let mut progress = initial_progress(&work);
    if let Some(builder) = deferred.as_deref_mut() {
        // Tables an earlier run completed: their deferred objects may still be missing.
        for p in progress.iter().filter(|p| p.remaining == 0) {
            builder.table_done(&p.ledger.schema, &p.ledger.table);
        }
    }
    announce(&ctx.run_id, &progress, work.jobs.len(), events);
    let mut queue: VecDeque<_> = work.jobs.into();
    let mut set = JoinSet::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut done_shards = 0usize;
    loop {
        fill(&mut set, &mut queue, &mut progress, &ctx, options.jobs, events);
        let joined = tokio::select! {
            biased;
            joined = set.join_next() => joined,
            _ = ticker.tick() => {
                report_progress(&mut progress, events);
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let (job, result) =
            joined.map_err(|e| Error::internal(format!("a copy worker failed to finish: {e}")))?;
        let p = &mut progress[job.table_index];
        p.in_flight -= 1;
        account(state_conn, &ctx.run_id, &job, result, p, events).await?;
        if let (0, false, Some(builder)) = (p.remaining, p.failed, deferred.as_deref_mut()) {
            builder.table_done(&p.ledger.schema, &p.ledger.table);
        }
        done_shards += 1;
        if options.fail_after_shards.is_some_and(|k| done_shards >= k) {
            set.abort_all();
            while set.join_next().await.is_some() {}
            return Err(Error::internal(format!(
                "run {} stopped after {done_shards} shards by the fail_after_shards test hook",
                ctx.run_id
            )));
        }
    }
    let failed = progress.iter().filter(|p| p.failed).map(|p| name(&p.ledger)).collect();
    Ok((progress.into_iter().map(|p| p.ledger).collect(), failed))
}

/// Emit the run's [`Event::FetchStarted`]: tables with shards left, and those shards.
fn announce(run_id: &str, progress: &[Progress], shards: usize, events: &dyn EventSink) {
    events.emit(Event::FetchStarted {
        run_id: run_id.to_owned(),
        tables: progress.iter().filter(|p| p.remaining > 0).count() as u64,
        shards: shards as u64,
    });
}

/// Start queued shards until `jobs` are in flight.
/// Start shards until `jobs` are in flight. Workers spread over different tables while there
/// are several left: two writers in key ranges of one table contend for its relation extension
/// lock and split its index pages (measured: the same load 10–15 % slower on PostgreSQL), so a
/// table's shards run side by side only once it is the last one with shards to go.
fn fill(
    set: &mut JoinSet<(ShardJob, Result<ShardOutcome>)>,
    queue: &mut VecDeque<ShardJob>,
    progress: &mut [Progress],
    ctx: &Arc<CopyContext>,
    jobs: usize,
    events: &dyn EventSink,
) {
    while set.len() < jobs {
        let idle = queue.iter().position(|j| progress[j.table_index].in_flight == 0);
        let Some(job) = queue.remove(idle.unwrap_or(0)) else { break };
        let p = &mut progress[job.table_index];
        p.in_flight += 1;
        start_table(p, events);
        set.spawn(with_retry(Arc::clone(ctx), job, Arc::clone(&p.live)));
    }
}

fn initial_progress(work: &Work) -> Vec<Progress> {
    let mut progress: Vec<_> = work
        .tables
        .iter()
        .map(|t| Progress {
            remaining: 0,
            in_flight: 0,
            ledger: TableLedger {
                schema: t.schema.clone(),
                table: t.name.clone(),
                shards: 0,
                rows: 0,
                bytes: 0,
                seconds: 0.0,
            },
            started: None,
            failed: false,
            live: Arc::default(),
            reported: (0, 0),
            rows_estimate: u64::try_from(t.estimated_rows).ok().filter(|&r| r > 0),
        })
        .collect();
    for job in &work.jobs {
        progress[job.table_index].remaining += 1;
    }
    progress
}

fn start_table(p: &mut Progress, events: &dyn EventSink) {
    if p.started.is_none() {
        p.started = Some(Instant::now());
        events.emit(Event::TableStarted {
            table: name(&p.ledger),
            shards: p.remaining as u64,
            rows_estimate: p.rows_estimate,
        });
    }
}

/// Emit progress for every table in flight whose counts moved since its last event.
fn report_progress(progress: &mut [Progress], events: &dyn EventSink) {
    for p in progress.iter_mut().filter(|p| p.remaining > 0) {
        let Some(started) = p.started else { continue };
        let now = p.live.read();
        if now != p.reported {
            p.reported = now;
            events.emit(progress_event(p, now, started.elapsed().as_secs_f64()));
        }
    }
}

fn progress_event(p: &Progress, (rows, bytes): (u64, u64), seconds: f64) -> Event {
    Event::Progress {
        phase: "fetch".into(),
        table: name(&p.ledger),
        rows,
        bytes,
        rows_estimate: p.rows_estimate,
        seconds,
    }
}

/// Copy a shard, retrying transient errors with backoff.
async fn with_retry(
    ctx: Arc<CopyContext>,
    job: ShardJob,
    live: Arc<LiveCounters>,
) -> (ShardJob, Result<ShardOutcome>) {
    let mut attempt = 0;
    loop {
        match copy::copy_shard(&ctx, &job, &live).await {
            Err(e) if e.kind().retry() == Retry::Timed && attempt < BACKOFF.len() => {
                tokio::time::sleep(BACKOFF[attempt]).await;
                attempt += 1;
            }
            result => return (job, result),
        }
    }
}

/// Record a finished shard: ledger on success, `failed` state and exception otherwise; emit
/// the table's event when its last shard is in.
async fn account(
    state_conn: &Connection,
    run_id: &str,
    job: &ShardJob,
    result: Result<ShardOutcome>,
    p: &mut Progress,
    events: &dyn EventSink,
) -> Result<()> {
    let outcome = match result {
        Ok(outcome) => {
            if !outcome.skipped {
                p.ledger.shards += 1;
            }
            p.ledger.rows += outcome.rows;
            p.ledger.bytes += outcome.bytes;
            outcome
        }
        Err(error) => {
            state::mark_failed(state_conn.client(), run_id, &job.key(), &error).await?;
            p.failed = true;
            events.emit(Event::Warning {
                message: format!("{} failed: {}", job.key(), state::describe(&error)),
            });
            return shard_done(job, None, p, events);
        }
    };
    shard_done(job, Some(outcome), p, events)
}

/// Emit the shard's event, and the table's when its last shard is in (`None`: failed).
fn shard_done(
    job: &ShardJob,
    outcome: Option<ShardOutcome>,
    p: &mut Progress,
    events: &dyn EventSink,
) -> Result<()> {
    let status = match outcome {
        Some(o) if o.skipped => ShardStatus::Skipped,
        Some(_) => ShardStatus::Copied,
        None => ShardStatus::Failed,
    };
    let o = outcome.unwrap_or_default();
    events.emit(Event::ShardDone {
        table: name(&p.ledger),
        shard: job.shard,
        status,
        rows: o.rows,
        bytes: o.bytes,
    });
    p.remaining -= 1;
    if p.remaining == 0 {
        finish_table(p, events);
    }
    Ok(())
}

fn finish_table(p: &mut Progress, events: &dyn EventSink) {
    let seconds = p.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0);
    p.ledger.seconds = seconds;
    let l = &p.ledger;
    events.emit(progress_event(p, (l.rows, l.bytes), seconds));
    events.emit(Event::TableDone {
        table: name(l),
        shards: l.shards as u64,
        rows: l.rows,
        bytes: l.bytes,
        seconds,
        failed: p.failed,
    });
}

fn name(l: &TableLedger) -> String {
    format!("{}.{}", l.schema, l.table)
}
