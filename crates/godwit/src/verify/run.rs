//! The orchestration of a verification: introspect both sides, compare the schemas, take one
//! instant per side, plan key ranges, compare them on a pool of `--jobs` workers and gather
//! one [`TableOutcome`] per table.
//!
//! ```text
//!  coordinators                     workers (--jobs N), each with one reader per side
//!  source: BEGIN REPEATABLE READ;   source: SET TRANSACTION SNAPSHOT '<id>'   (or AOST)
//!          pg_export_snapshot()     target: SET TRANSACTION SNAPSHOT '<id>'   (or AOST)
//!  target: the same                 per range: both COPY streams, merge-joined (`rows`)
//!  (open until every range is done)
//! ```
//!
//! A worker keeps its two readers for all the ranges it compares (one transaction per side,
//! inside the snapshot), so a range costs two COPY statements, not two connections. Workers
//! spread over tables while several have ranges left (two scans of one table compete for
//! its pages), and a range that fails records its error on its table and the run goes on: the
//! table's report then says it could not be fully checked.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::MissedTickBehavior;

use super::report::{Report, SchemaDifference, TableReport};
use super::rows::{self, Limits, Live, RangeOutcome, Reader, SOURCE, TARGET, TableCheck};
use super::{MAX_DIFFS, Method, Mode, TableOutcome, VerifyOptions, hash, schema_diff};
use crate::conn::{self, ConnParams, Connection};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::fetch::plan::{self, Range};
use crate::schema::model::Schema;
use crate::schema::{Filter, introspect};

/// How often progress of the tables in flight is reported.
const TICK: Duration = Duration::from_millis(250);

/// What a comparison found, with what `recheck` and `fix` need to go on from it.
#[derive(Debug)]
pub(crate) struct Compared {
    /// Schema differences.
    pub schema: Vec<SchemaDifference>,
    /// How each table was compared, in the order of `outcomes`.
    pub checks: Vec<TableCheck>,
    /// One outcome per compared table, sorted by schema and name.
    pub outcomes: Vec<TableOutcome>,
}

impl Compared {
    /// The report of this comparison (no run id, no fix: the caller adds those).
    pub(crate) fn report(&self, mode: Mode) -> Report {
        Report {
            run_id: String::new(),
            mode: match mode {
                Mode::Rows => "rows".into(),
                Mode::Hash => "hash".into(),
            },
            schema: self.schema.clone(),
            tables: self.outcomes.iter().map(|o| o.report.clone()).collect(),
            fix: None,
        }
    }
}

/// The comparison behind [`super::verify`] (`flow`), keeping the differing rows.
pub(crate) async fn compare(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    events: &dyn EventSink,
) -> Result<Compared> {
    if opts.jobs == 0 {
        return Err(Error::config("verify needs at least one job (--jobs 1 or more)"));
    }
    let started = Instant::now();
    let src = conn::connect(source).await?;
    let tgt = conn::connect(target).await?;
    events.emit(Event::Step {
        phase: "verify".into(),
        message: format!("comparing {} with {}", src.target(), tgt.target()),
    });
    let (src_schema, tgt_schema) = read_schemas(&src, &tgt, opts).await?;
    let names = selected_names(&src_schema, &tgt_schema, opts);
    let mut schema =
        schema_diff::compare(&src_schema, src.dialect(), &tgt_schema, tgt.dialect(), &names);
    schema.extend(
        schema_diff::sequence_differences(&src, &tgt, &src_schema, &tgt_schema, &names).await?,
    );
    let checks = table_checks(&src_schema, &tgt_schema, opts);
    let snapshots =
        [rows::take_snapshot(&src, "source").await?, rows::take_snapshot(&tgt, "target").await?];
    let jobs = plan_jobs(&src, &checks, opts.shard_bytes).await?;
    let limits = Limits { samples: opts.samples, diffs: MAX_DIFFS };
    let mut shared = Shared::new(checks, jobs, limits, [source.clone(), target.clone()], snapshots);
    shared.hash = (opts.mode == Mode::Hash).then(|| {
        let sides = [&src, &tgt].map(|c| (c.dialect(), c.version()));
        let flavor = hash::Flavor::for_pair(sides, opts.hash_portable);
        hash::HashRun::new(flavor, shared.checks.len())
    });
    let (checks, outcomes) = run_pool(shared, opts.jobs, events).await?;
    drop((src, tgt));
    let differing = outcomes.iter().filter(|o| o.report.has_differences()).count();
    events.emit(Event::Done {
        phase: "verify".into(),
        message: format!(
            "{} tables compared, {differing} with differences; {} schema differences",
            outcomes.len(),
            schema.len()
        ),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(Compared { schema, checks, outcomes })
}

async fn read_schemas(
    src: &Connection,
    tgt: &Connection,
    opts: &VerifyOptions,
) -> Result<(Schema, Schema)> {
    let filter = if opts.schemas.is_empty() {
        Filter::all()
    } else {
        Filter::only(opts.schemas.iter().cloned())
    };
    let s = introspect(src.client(), src.dialect(), &filter)
        .await
        .map_err(|e| e.context("reading the source schema"))?;
    let t = introspect(tgt.client(), tgt.dialect(), &filter)
        .await
        .map_err(|e| e.context("reading the target schema"))?;
    Ok((s, t))
}

/// Tables on either side selected by the filters, for the schema check.
fn selected_names(src: &Schema, tgt: &Schema, opts: &VerifyOptions) -> Vec<(String, String)> {
    let mut names: Vec<_> = src
        .tables
        .iter()
        .chain(&tgt.tables)
        .filter(|t| opts.tables.selects(&t.schema, &t.name))
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// One check per selected source table that holds rows and exists on the target.
fn table_checks(src: &Schema, tgt: &Schema, opts: &VerifyOptions) -> Vec<TableCheck> {
    let mut tables = plan::copyable_tables(src);
    tables.retain(|t| opts.tables.selects(&t.schema, &t.name));
    tables.retain(|t| tgt.table(&t.schema, &t.name).is_some());
    plan::select_tables(&tables, tgt)
        .into_iter()
        .filter_map(|p| {
            let s = src.table(&p.schema, &p.name)?;
            let t = tgt.table(&p.schema, &p.name)?;
            Some(TableCheck::new((s, src), (t, tgt), p, opts.typed_only))
        })
        .collect()
}

/// One comparison job: a range of a table.
#[derive(Debug)]
struct Job {
    table: usize,
    index: usize,
    range: Range,
}

/// The ranges of every table, planned inside the source snapshot held by `coordinator`.
async fn plan_jobs(
    coordinator: &Connection,
    checks: &[TableCheck],
    shard_bytes: u64,
) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for (table, check) in checks.iter().enumerate() {
        let ranges = match check.method {
            Method::Multiset => vec![Range::default()],
            Method::Key => {
                let planned = plan::plan_ranges(coordinator, &check.plan, shard_bytes).await?;
                check.byte_ordered(planned)
            }
        };
        jobs.extend(ranges.into_iter().enumerate().map(|(index, range)| Job {
            table,
            index,
            range,
        }));
    }
    Ok(jobs)
}

/// What the workers share.
#[derive(Debug)]
struct Shared {
    checks: Vec<TableCheck>,
    queue: Mutex<Queue>,
    live: Vec<Live>,
    limits: Limits,
    params: [ConnParams; 2],
    snapshots: [String; 2],
    /// Ranges per table.
    ranges: Vec<usize>,
    /// Hash mode's checksum family and per-table state; `None` in rows mode.
    hash: Option<hash::HashRun>,
}

#[derive(Debug)]
struct Queue {
    jobs: VecDeque<Job>,
    in_flight: Vec<usize>,
}

impl Shared {
    fn new(
        checks: Vec<TableCheck>,
        jobs: Vec<Job>,
        limits: Limits,
        params: [ConnParams; 2],
        snapshots: [String; 2],
    ) -> Self {
        let mut ranges = vec![0; checks.len()];
        for j in &jobs {
            ranges[j.table] += 1;
        }
        let live = checks.iter().map(|_| Live::default()).collect();
        let queue = Queue { jobs: jobs.into(), in_flight: vec![0; checks.len()] };
        Shared {
            checks,
            queue: Mutex::new(queue),
            live,
            limits,
            params,
            snapshots,
            ranges,
            hash: None,
        }
    }

    /// The next job, preferring a table no worker is on.
    fn take(&self) -> Option<Job> {
        let mut q = self.queue.lock().ok()?;
        let idle = q.jobs.iter().position(|j| q.in_flight[j.table] == 0);
        let job = q.jobs.remove(idle.unwrap_or(0))?;
        q.in_flight[job.table] += 1;
        Some(job)
    }

    fn finished(&self, table: usize) {
        if let Ok(mut q) = self.queue.lock() {
            q.in_flight[table] -= 1;
        }
    }
}

/// What workers tell the coordinator.
#[derive(Debug)]
enum Msg {
    /// A worker started a range of this table.
    Started(usize),
    /// A range is done.
    Done { table: usize, index: usize, result: Result<RangeOutcome> },
}

async fn worker(shared: Arc<Shared>, tx: mpsc::UnboundedSender<Msg>) {
    let mut readers: Option<[Reader; 2]> = None;
    while let Some(job) = shared.take() {
        // The coordinator outlives the workers; a send can only fail once it gave up.
        let _ = tx.send(Msg::Started(job.table));
        let result = compare_job(&shared, &mut readers, &job).await;
        if result.is_err() {
            // The readers may be mid-COPY or in an aborted transaction: open new ones.
            readers = None;
        }
        shared.finished(job.table);
        let _ = tx.send(Msg::Done { table: job.table, index: job.index, result });
    }
}

async fn compare_job(
    shared: &Shared,
    readers: &mut Option<[Reader; 2]>,
    job: &Job,
) -> Result<RangeOutcome> {
    let r = match readers {
        Some(r) => r,
        None => {
            let (s, t) = tokio::try_join!(
                Reader::open(&shared.params[SOURCE], &shared.snapshots[SOURCE], "source"),
                Reader::open(&shared.params[TARGET], &shared.snapshots[TARGET], "target"),
            )?;
            readers.insert([s, t])
        }
    };
    let check = &shared.checks[job.table];
    let live = &shared.live[job.table];
    if let Some(run) = &shared.hash {
        let table = (run, job.table);
        return hash::compare_range(check, [&r[0], &r[1]], &job.range, table, shared.limits, live)
            .await;
    }
    rows::compare_range(check, [&r[0], &r[1]], &job.range, [None, None], shared.limits, live).await
}

/// Per-table bookkeeping of the coordinator.
#[derive(Debug)]
struct TableState {
    remaining: usize,
    started: Option<Instant>,
    /// Outcomes of ranges that finished before an earlier range did.
    pending: BTreeMap<usize, RangeOutcome>,
    /// The next range to absorb (outcomes are absorbed in range order, so samples and
    /// diffs come in key order).
    next: usize,
    outcome: RangeOutcome,
    error: Option<String>,
    reported: (u64, u64),
}

/// Run every job on `jobs` workers; returns the checks and their outcomes, sorted by name.
async fn run_pool(
    shared: Shared,
    jobs: usize,
    events: &dyn EventSink,
) -> Result<(Vec<TableCheck>, Vec<TableOutcome>)> {
    let mut states: Vec<_> = shared
        .checks
        .iter()
        .zip(&shared.ranges)
        .map(|(c, &n)| TableState {
            remaining: n,
            started: None,
            pending: BTreeMap::new(),
            next: 0,
            outcome: RangeOutcome::new(c.columns.len()),
            error: None,
            reported: (0, 0),
        })
        .collect();
    let shared = Arc::new(shared);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut set = JoinSet::new();
    for _ in 0..jobs.min(shared.ranges.iter().sum::<usize>()) {
        set.spawn(worker(Arc::clone(&shared), tx.clone()));
    }
    drop(tx);
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                None => break,
                Some(Msg::Started(t)) => start_table(&shared, t, &mut states[t], events),
                Some(Msg::Done { table, index, result }) => {
                    account(&shared, table, index, result, &mut states[table], events);
                }
            },
            _ = ticker.tick() => report_progress(&shared, &mut states, events),
        }
    }
    while set.join_next().await.is_some() {}
    let shared = Arc::into_inner(shared)
        .ok_or_else(|| Error::internal("a verify worker outlived the pool"))?;
    Ok(finish(shared.checks, states, shared.limits))
}

fn start_table(shared: &Shared, t: usize, state: &mut TableState, events: &dyn EventSink) {
    if state.started.is_some() {
        return;
    }
    state.started = Some(Instant::now());
    let check = &shared.checks[t];
    events.emit(Event::TableStarted {
        table: check.display(),
        shards: shared.ranges[t] as u64,
        rows_estimate: estimate(check),
    });
}

fn estimate(check: &TableCheck) -> Option<u64> {
    u64::try_from(check.plan.estimated_rows).ok().filter(|&r| r > 0)
}

/// Take in a finished range; absorb the outcomes now in range order; emit the table's end.
fn account(
    shared: &Shared,
    t: usize,
    index: usize,
    result: Result<RangeOutcome>,
    state: &mut TableState,
    events: &dyn EventSink,
) {
    state.remaining -= 1;
    match result {
        Ok(outcome) => {
            state.pending.insert(index, outcome);
        }
        Err(e) => {
            let message = e.to_string();
            events.emit(Event::Warning {
                message: format!("{} range {index}: {message}", shared.checks[t].display()),
            });
            state.error.get_or_insert(message);
            state.pending.insert(index, RangeOutcome::new(shared.checks[t].columns.len()));
        }
    }
    while let Some(next) = state.pending.remove(&state.next) {
        state.outcome.absorb(next, shared.limits);
        state.next += 1;
    }
    if state.remaining > 0 {
        return;
    }
    let check = &shared.checks[t];
    let seconds = state.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    let o = &state.outcome;
    events.emit(Event::Progress {
        phase: "verify".into(),
        table: check.display(),
        rows: o.source_rows,
        bytes: o.bytes,
        rows_estimate: estimate(check),
        seconds,
    });
    events.emit(Event::TableDone {
        table: check.display(),
        shards: shared.ranges[t] as u64,
        rows: o.source_rows,
        bytes: o.bytes,
        seconds,
        failed: state.error.is_some(),
    });
}

fn report_progress(shared: &Shared, states: &mut [TableState], events: &dyn EventSink) {
    for (t, state) in states.iter_mut().enumerate().filter(|(_, s)| s.remaining > 0) {
        let Some(started) = state.started else { continue };
        let now = shared.live[t].read();
        if now == state.reported {
            continue;
        }
        state.reported = now;
        let check = &shared.checks[t];
        events.emit(Event::Progress {
            phase: "verify".into(),
            table: check.display(),
            rows: now.0,
            bytes: now.1,
            rows_estimate: estimate(check),
            seconds: started.elapsed().as_secs_f64(),
        });
    }
}

/// The outcomes, with the checks, sorted by schema and name.
fn finish(
    checks: Vec<TableCheck>,
    states: Vec<TableState>,
    limits: Limits,
) -> (Vec<TableCheck>, Vec<TableOutcome>) {
    let mut pairs: Vec<_> = checks
        .into_iter()
        .zip(states)
        .map(|(check, mut state)| {
            // Ranges never reported (a worker died): the table was not fully checked.
            for (_, rest) in std::mem::take(&mut state.pending) {
                state.outcome.absorb(rest, limits);
            }
            if state.remaining > 0 && state.error.is_none() {
                state.error = Some(format!("{} ranges were not compared", state.remaining));
            }
            let outcome = table_outcome(&check, state.outcome, state.error);
            (check, outcome)
        })
        .collect();
    pairs.sort_by(|a, b| (&a.0.schema, &a.0.name).cmp(&(&b.0.schema, &b.0.name)));
    pairs.into_iter().unzip()
}

fn table_outcome(check: &TableCheck, o: RangeOutcome, error: Option<String>) -> TableOutcome {
    let mut report = TableReport::new(&check.schema, &check.name, check.method);
    report.source_rows = o.source_rows;
    report.target_rows = o.target_rows;
    report.matched = o.matched;
    report.missing = o.missing;
    report.extraneous = o.extraneous;
    report.mismatched = o.mismatched;
    report.mismatched_columns = check
        .columns
        .iter()
        .zip(&o.mismatched_columns)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (c.name.clone(), *n))
        .collect();
    report.samples = o.samples;
    report.error = error;
    TableOutcome { report, diffs: o.diffs, diffs_truncated: o.diffs_truncated }
}
