//! Shard jobs and the worker pool: at most `jobs` shards in flight (a [`JoinSet`] kept at that
//! size), retries of transient errors, per-table ledgers and events.
//!
//! Workers own their connections (one source reader in the snapshot, one target writer per
//! shard attempt), so a transient failure that killed a connection is retried on fresh ones.
//! Failures and events are handled by the coordinating task only, on the state connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::copy::{self, CopyContext, ShardJob, ShardOutcome};
use super::plan::{self, Range, TablePlan};
use super::state::{self, StoredShard};
use super::{FetchOptions, TableLedger};
use crate::conn::Connection;
use crate::error::{Error, Result, Retry};
use crate::event::{Event, EventSink};

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
            let ranges = plan_ranges(coordinator, table, options.shard_rows).await?;
            let new = stored_shards(table, &ranges);
            state::insert_shards(state_conn.client(), run_id, &new).await?;
            jobs.extend(ranges.into_iter().zip(0..).map(|(range, shard)| ShardJob {
                table_index: index,
                table: Arc::clone(table),
                shard,
                range,
            }));
        } else {
            for s in mine.into_iter().filter(|s| s.status != "done") {
                let range = Range { lower: parse_bound(&s.lower)?, upper: parse_bound(&s.upper)? };
                let table = Arc::clone(table);
                jobs.push(ShardJob { table_index: index, table, shard: s.shard, range });
            }
        }
    }
    Ok(Work { tables, jobs })
}

async fn plan_ranges(coordinator: &Connection, table: &TablePlan, rows: i64) -> Result<Vec<Range>> {
    let Some(key) = table.key.as_deref().filter(|_| table.estimated_rows > rows) else {
        return Ok(plan::split(None, 0, rows));
    };
    let sql = include_str!("sql/key_range.sql")
        .trim_end()
        .replace("{key}", &crate::dialect::quote_ident(key))
        .replace("{table}", &table.quoted());
    let row = coordinator.client().query_one(&sql, &[]).await.map_err(|e| {
        Error::db(format!("reading the key range of {}.{}", table.schema, table.name), e)
    })?;
    let bounds: Option<(i64, i64)> = match (row.get(0), row.get(1)) {
        (Some(min), Some(max)) => Some((min, max)),
        _ => None,
    };
    Ok(plan::split(bounds, table.estimated_rows, rows))
}

fn stored_shards(table: &TablePlan, ranges: &[Range]) -> Vec<StoredShard> {
    ranges
        .iter()
        .zip(0..)
        .map(|(r, shard)| StoredShard {
            schema: table.schema.clone(),
            table: table.name.clone(),
            shard,
            lower: r.lower.map(|v| v.to_string()),
            upper: r.upper.map(|v| v.to_string()),
            status: "pending".into(),
        })
        .collect()
}

fn parse_bound(bound: &Option<String>) -> Result<Option<i64>> {
    bound
        .as_deref()
        .map(|b| b.parse::<i64>().map_err(|_| Error::internal(format!("bad shard bound {b:?}"))))
        .transpose()
}

/// Per-table progress while shards are in flight.
#[derive(Debug)]
struct Progress {
    remaining: usize,
    ledger: TableLedger,
    started: Option<Instant>,
    failed: bool,
}

/// Copy every job with at most `options.jobs` in flight; returns ledgers and failed tables.
pub async fn run(
    state_conn: &Connection,
    ctx: CopyContext,
    work: Work,
    options: &FetchOptions,
    events: &dyn EventSink,
) -> Result<(Vec<TableLedger>, Vec<String>)> {
    let ctx = Arc::new(ctx);
    let mut progress = initial_progress(&work);
    let mut queue = work.jobs.into_iter();
    let mut set = JoinSet::new();
    let mut done_shards = 0usize;
    loop {
        while set.len() < options.jobs {
            let Some(job) = queue.next() else { break };
            start_table(&mut progress[job.table_index], events);
            set.spawn(with_retry(Arc::clone(&ctx), job));
        }
        let Some(joined) = set.join_next().await else { break };
        let (job, result) =
            joined.map_err(|e| Error::internal(format!("a copy worker failed to finish: {e}")))?;
        let p = &mut progress[job.table_index];
        account(state_conn, &ctx.run_id, &job, result, p, events).await?;
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

fn initial_progress(work: &Work) -> Vec<Progress> {
    let mut progress: Vec<_> = work
        .tables
        .iter()
        .map(|t| Progress {
            remaining: 0,
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
        events.emit(Event::Step {
            phase: "fetch".into(),
            message: format!("copying {} ({} shards)", name(&p.ledger), p.remaining),
        });
    }
}

/// Copy a shard, retrying transient errors with backoff.
async fn with_retry(ctx: Arc<CopyContext>, job: ShardJob) -> (ShardJob, Result<ShardOutcome>) {
    let mut attempt = 0;
    loop {
        match copy::copy_shard(&ctx, &job).await {
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
    match result {
        Ok(outcome) => {
            if !outcome.skipped {
                p.ledger.shards += 1;
            }
            p.ledger.rows += outcome.rows;
            p.ledger.bytes += outcome.bytes;
        }
        Err(error) => {
            state::mark_failed(state_conn.client(), run_id, &job.key(), &error).await?;
            p.failed = true;
            events.emit(Event::Warning {
                message: format!("{} failed: {}", job.key(), state::describe(&error)),
            });
        }
    }
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
    let mb = l.bytes as f64 / 1e6;
    let rate = if seconds > 0.0 { mb / seconds } else { 0.0 };
    let verdict = if p.failed { "FAILED" } else { "copied" };
    events.emit(Event::Done {
        phase: "fetch".into(),
        message: format!(
            "{verdict} {}: {} rows, {mb:.1} MB in {seconds:.2} s ({rate:.1} MB/s), {} shards",
            name(l),
            l.rows,
            l.shards
        ),
        seconds,
    });
}

fn name(l: &TableLedger) -> String {
    format!("{}.{}", l.schema, l.table)
}
