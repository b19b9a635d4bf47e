//! `godwit replicate` applies every source transaction exactly once under faults, with writes
//! running (issue 6, acceptance): one test per fault, each running randomized trials.
//!
//! A trial: a fresh pair of databases with the same tables and rows (see `workload`: keyed
//! and keyless tables, inserts, updates, key changes, deletes, numbered multi-statement
//! transactions raising a counter); the real `godwit replicate` binary streaming from its own
//! slot; two writers on the source for [`WRITE_FOR`], during which one or two faults strike
//! at uniformly random instants:
//!
//! - `sigkill`: SIGKILL godwit, restart it after a random pause;
//! - `restart_source`: restart the source cluster (`fast` or `immediate` shutdown,
//!   alternating, down for a random pause); godwit must reconnect by itself;
//! - `restart_target`: the same for the target cluster;
//! - `terminate`: `pg_terminate_backend` of godwit's walsender on the source, of its sessions
//!   on the target, or both; godwit must reconnect by itself.
//!
//! When the writers have stopped, the target is drained (its counter equals the source's),
//! godwit is stopped with SIGTERM (exit 0), `godwit::verify::verify` must report no
//! difference, and the exactly-once checks of `harness::assert_exactly_once` must hold. The
//! trial's slot and databases are then dropped.
//!
//! Each test starts two clusters of its own (the shared test cluster is never restarted): the
//! source with `synchronous_commit = on`, the target with `off`, which godwit's apply session
//! must override (see `harness::Clusters::start`).
//!
//! `GODWIT_REPLICATE_FAULT_TRIALS` sets the number of trials per fault (default 2; the
//! acceptance run is `GODWIT_REPLICATE_FAULT_TRIALS=20`); `GODWIT_REPLICATE_FAULT_SEED`
//! replays a printed seed (the same faults, instants and pauses; the
//! interleaving of the writers is not replayed). Each test prints its seed and two lines per
//! trial (the faults, then the outcome); a failure message includes godwit's output.
#![allow(clippy::print_stderr)]

pub(crate) mod harness;
mod workload;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use godwit::cluster::Shutdown;
use harness::{Clusters, Godwit, Trial};
use workload::{Shared, Written};

use crate::crash::SplitMix64;

/// How long the writers run in a trial.
const WRITE_FOR: Duration = Duration::from_secs(3);

/// Concurrent writers on the source.
const WRITERS: i32 = 2;

/// What strikes during a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Sigkill,
    RestartSource,
    RestartTarget,
    Terminate,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_sigkill_godwit_loses_and_repeats_nothing() {
    run(Fault::Sigkill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_source_restart_loses_and_repeats_nothing() {
    run(Fault::RestartSource).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_target_restart_loses_and_repeats_nothing() {
    run(Fault::RestartTarget).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_terminated_sessions_lose_and_repeat_nothing() {
    run(Fault::Terminate).await;
}

/// Run the trials of one fault.
async fn run(fault: Fault) {
    let trials: usize = std::env::var("GODWIT_REPLICATE_FAULT_TRIALS").map_or(2, |v| {
        v.parse().unwrap_or_else(|_| panic!("GODWIT_REPLICATE_FAULT_TRIALS={v:?} is not a number"))
    });
    let seed = std::env::var("GODWIT_REPLICATE_FAULT_SEED").map_or_else(
        |_| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                as u64
        },
        |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("GODWIT_REPLICATE_FAULT_SEED={v:?} is not a number"))
        },
    );
    eprintln!(
        "replicate faults ({fault:?}): {trials} trials, seed {seed} \
         (GODWIT_REPLICATE_FAULT_SEED={seed} replays)"
    );
    let started = Instant::now();
    let clusters = Clusters::start().await;
    let logs = tempfile::Builder::new().prefix("godwit-replicate-faults-").tempdir().unwrap();
    let mut rng = SplitMix64(seed);
    let mut transactions = 0;
    for n in 0..trials {
        transactions += trial(fault, n, &mut rng, &clusters, logs.path()).await;
    }
    eprintln!(
        "replicate faults ({fault:?}): {trials} trials, {transactions} source transactions, \
         {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
}

/// One trial; returns the number of source transactions it replicated.
async fn trial(
    fault: Fault,
    n: usize,
    rng: &mut SplitMix64,
    clusters: &Clusters,
    logs: &std::path::Path,
) -> i64 {
    let started = Instant::now();
    let name = format!("{}_{n}", format!("{fault:?}").to_lowercase());
    let trial = Trial::create(clusters, &name, logs).await;
    let mut godwit = Godwit::spawn(&trial);
    harness::wait_streaming(&trial, &mut godwit).await;
    let shared = Shared {
        url: trial.source_url.clone(),
        stop: Arc::new(AtomicBool::new(false)),
        next_seq: Arc::new(AtomicI64::new(1)),
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(workload::writer(w, rng.next_u64(), shared.clone())))
        .collect();
    let story = strike(fault, n, rng, clusters, &trial, &mut godwit).await;
    eprintln!("trial {name}: {story}");
    shared.stop.store(true, Ordering::SeqCst);
    let mut written: Vec<Written> = Vec::new();
    for w in writers {
        written.push(w.await.unwrap());
    }
    let count = check(&trial, godwit, &written).await;
    eprintln!("trial {name}: done in {:.1} s", started.elapsed().as_secs_f64());
    trial.drop(clusters).await;
    count
}

/// Drain, stop godwit, verify, check exactly once; returns the number of transactions.
async fn check(trial: &Trial, mut godwit: Godwit, written: &[Written]) -> i64 {
    let started = Instant::now();
    let count = harness::drain(trial, &mut godwit).await;
    let drained = started.elapsed();
    let stopped = godwit.terminate().await;
    harness::assert_verified(trial).await;
    harness::assert_exactly_once(trial, count, written).await;
    let in_doubt: usize = written.iter().map(|w| w.in_doubt.len()).sum();
    let rolled_back: usize = written.iter().map(|w| w.rolled_back).sum();
    let reconnects = stopped.rsplit(", ").next().unwrap_or("?");
    eprintln!(
        "trial {}: {count} transactions ({in_doubt} in doubt, {rolled_back} rolled back), \
         drained in {:.2} s, last run: {reconnects}; verified, exactly once",
        trial.name,
        drained.as_secs_f64(),
    );
    count
}

/// Strike 1-2 times at random instants while the writers run for [`WRITE_FOR`]; returns
/// what was done.
async fn strike(
    fault: Fault,
    n: usize,
    rng: &mut SplitMix64,
    clusters: &Clusters,
    trial: &Trial,
    godwit: &mut Godwit,
) -> String {
    let start = Instant::now();
    let mut at: Vec<Duration> = (0..1 + rng.next_u64() % 2)
        .map(|_| WRITE_FOR.mul_f64(0.1 + 0.8 * rng.next_f64()))
        .collect();
    at.sort();
    let mut story = String::new();
    for (i, instant) in at.into_iter().enumerate() {
        tokio::time::sleep_until((start + instant).into()).await;
        let pause = Duration::from_millis(rng.next_u64() % 800);
        let did = match fault {
            Fault::Sigkill => {
                godwit.kill().await;
                tokio::time::sleep(pause).await;
                *godwit = Godwit::spawn(trial);
                format!("SIGKILL (restarted after {} ms)", pause.as_millis())
            }
            Fault::RestartSource => restart(&clusters.source, shutdown(n + i), pause),
            Fault::RestartTarget => restart(&clusters.target, shutdown(n + i), pause),
            Fault::Terminate => terminate(rng, trial).await,
        };
        let _ = write!(story, "{did} at {:.2} s; ", instant.as_secs_f64());
    }
    tokio::time::sleep_until((start + WRITE_FOR).into()).await;
    story
}

/// Fast and immediate shutdowns alternate (by trial and strike), so that even two trials
/// see both: a fast shutdown ends the walsender's stream with `CommandComplete` after the
/// client confirmed everything; an immediate one drops the connection and the server
/// recovers from WAL.
fn shutdown(k: usize) -> Shutdown {
    if k % 2 == 0 { Shutdown::Fast } else { Shutdown::Immediate }
}

/// Shut `cluster` down with `mode`, wait `pause`, start it again.
fn restart(cluster: &godwit::cluster::LocalCluster, mode: Shutdown, pause: Duration) -> String {
    tokio::task::block_in_place(|| {
        cluster.shut_down(mode).unwrap_or_else(|e| panic!("shutting down: {e}"));
        std::thread::sleep(pause);
        cluster.start_again().unwrap_or_else(|e| panic!("starting again: {e}"));
    });
    format!("{mode:?} restart (down {} ms)", pause.as_millis())
}

/// `pg_terminate_backend` of godwit's walsender, its target sessions, or both.
async fn terminate(rng: &mut SplitMix64, trial: &Trial) -> String {
    let source = format!(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity \
         where backend_type = 'walsender' and datname = '{}'",
        trial.name
    );
    // The writers only connect to the source; the checks are not running now.
    let target = format!(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity \
         where backend_type = 'client backend' and datname = '{}' and pid <> pg_backend_pid()",
        trial.name
    );
    let which = rng.next_u64() % 3;
    let mut killed = (0, 0);
    if which != 1 {
        killed.0 = harness::query_i64(&trial.source_url, &source).await.unwrap_or(0);
    }
    if which != 0 {
        killed.1 = harness::query_i64(&trial.target_url, &target).await.unwrap_or(0);
    }
    format!("terminated {} walsender(s), {} target session(s)", killed.0, killed.1)
}
