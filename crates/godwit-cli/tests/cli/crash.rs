//! Crash safety of `godwit fetch` (DESIGN.md, "State"): the real binary is killed with SIGKILL
//! at random instants, from before its first shard to nearly done, and resumed with
//! `fetch --resume` (possibly killed again) until it exits 0. The target must then equal the
//! source table by table (row count and an order-independent content hash) with no key
//! twice; the target tables have no primary key, so a doubled row would be kept, not
//! rejected.
//!
//! `GODWIT_CRASH_TRIALS` sets the number of trials (default 3; the acceptance run is
//! `GODWIT_CRASH_TRIALS=20`); `GODWIT_CRASH_SEED` replays a printed seed (the same kill
//! points as fractions of an uninterrupted run, which is timed first: the delays are uniform
//! between 0 and its duration). Each trial uses a fresh source and target. The source is
//! quiet, which is what makes a resume (which reads the remaining shards from a new snapshot)
//! consistent. The runs use `--no-cdc`, the copy this test is about: with CDC a killed run
//! leaves a logical replication slot on the source, which also keeps its database from being
//! dropped.
#![allow(clippy::print_stderr)]

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use godwit_test_support::{TestDb, test_db};

const SOURCE_DDL: &str = r#"
create table public.orders (id bigint primary key, customer int, amount numeric(12,2),
    note text, at timestamptz);
create table public.events (id int primary key, payload text);
create schema "Crash Test";
create table "Crash Test"."Line Items" (order_id int, line int, qty int,
    primary key (order_id, line));
create table public.log (at int, msg text);
create table public.nothing (id int primary key);
"#;

/// The same tables without keys: a row copied twice stays visible.
const TARGET_DDL: &str = r#"
create table public.orders (id bigint, customer int, amount numeric(12,2), note text,
    at timestamptz);
create table public.events (id int, payload text);
create schema "Crash Test";
create table "Crash Test"."Line Items" (order_id int, line int, qty int);
create table public.log (at int, msg text);
create table public.nothing (id int);
"#;

const SOURCE_DATA: &str = r#"
insert into public.orders
select i, i % 1000, i * 0.37, case when i % 9 = 0 then null else 'note ' || i end,
       timestamptz '2024-01-01 00:00+00' + i * interval '1 second'
from generate_series(1, 150000) i;
insert into public.events select i, md5(i::text) || repeat('e', i % 40)
from generate_series(1, 100000) i;
insert into "Crash Test"."Line Items" select i / 10, i % 10, i from generate_series(1, 30000) i;
insert into public.log select i % 100, 'm' || (i % 7) from generate_series(1, 20000) i;
analyze;
"#;

/// Each table and its key columns (empty: no key, compared as a multiset).
const TABLES: [(&str, &str); 5] = [
    ("public.orders", "id"),
    ("public.events", "id"),
    (r#""Crash Test"."Line Items""#, "order_id, line"),
    ("public.log", ""),
    ("public.nothing", "id"),
];

/// Shard size: every table but the empty one splits (integer keys into about 12 and 10
/// shards, the composite key and the keyless table into a few).
const SHARD_SIZE: &str = "1MiB";

/// After this many kills in one trial the last resume runs to the end.
const MAX_KILLS: usize = 4;

/// Longest an attempt may run before the test gives up on it.
const ATTEMPT_LIMIT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_resume_until_equal() {
    let trials: usize = std::env::var("GODWIT_CRASH_TRIALS").map_or(3, |v| {
        v.parse().unwrap_or_else(|_| panic!("GODWIT_CRASH_TRIALS={v:?} is not a number"))
    });
    let seed = std::env::var("GODWIT_CRASH_SEED").map_or_else(
        |_| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
                as u64
        },
        |v| v.parse().unwrap_or_else(|_| panic!("GODWIT_CRASH_SEED={v:?} is not a number")),
    );
    eprintln!("crash test: {trials} trials, seed {seed} (GODWIT_CRASH_SEED={seed} replays)");
    let logs = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let full = calibrate(logs.path()).await;
    eprintln!("uninterrupted fetch: {:.2} s", full.as_secs_f64());
    let mut rng = SplitMix64(seed);
    let mut kills = 0;
    for trial in 0..trials {
        kills += run_trial(trial, &mut rng, full, logs.path()).await;
    }
    eprintln!(
        "crash test: {trials} trials, {kills} kills, {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    assert!(trials == 0 || kills > 0, "no run was ever killed: the test proved nothing");
}

/// One uninterrupted run, checked like the others; returns its duration, which bounds the
/// kill delays.
async fn calibrate(logs: &Path) -> Duration {
    let (source, target) = fresh_pair().await;
    let started = Instant::now();
    match attempt(&source, &target, false, None, &logs.join("calibrate.log")).await {
        Attempt::Exited => {}
        Attempt::Killed => unreachable!("no kill was asked for"),
    }
    let took = started.elapsed();
    assert_same(&source, &target).await;
    took
}

/// Kill and resume until a run finishes; check the target; returns the number of kills.
async fn run_trial(trial: usize, rng: &mut SplitMix64, full: Duration, logs: &Path) -> usize {
    let (source, target) = fresh_pair().await;
    let mut story = String::new();
    let mut kills = 0;
    for n in 0.. {
        let delay = (kills < MAX_KILLS).then(|| full.mul_f64(rng.next_f64()));
        let log = logs.join(format!("trial{trial}-attempt{n}.log"));
        let started = Instant::now();
        match attempt(&source, &target, n > 0, delay, &log).await {
            Attempt::Exited => {
                let _ = write!(story, "finished in {:.2} s", started.elapsed().as_secs_f64());
                break;
            }
            Attempt::Killed => {
                kills += 1;
                let (done, total, status) = progress(&target).await;
                let at = delay.unwrap_or_default().as_secs_f64();
                let _ =
                    write!(story, "killed at {at:.2} s ({done}/{total} shards, run {status}); ");
                if status == "done" {
                    // Killed after the run was recorded as done: nothing is left to resume.
                    story.push_str("already done");
                    break;
                }
            }
        }
    }
    eprintln!("trial {trial}: {story}");
    assert_same(&source, &target).await;
    kills
}

async fn fresh_pair() -> (TestDb, TestDb) {
    let (source, target) = (test_db().await, test_db().await);
    source.execute_script(SOURCE_DDL).await;
    source.execute_script(SOURCE_DATA).await;
    target.execute_script(TARGET_DDL).await;
    (source, target)
}

/// How an attempt ended.
enum Attempt {
    /// Exit code 0.
    Exited,
    /// Killed by the test.
    Killed,
}

/// Run `godwit fetch` (with `--resume` when `resume`), SIGKILLed after `kill_after` if it is
/// still running then. Any exit other than 0 fails the test with the attempt's output.
async fn attempt(
    source: &TestDb,
    target: &TestDb,
    resume: bool,
    kill_after: Option<Duration>,
    log: &Path,
) -> Attempt {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_godwit"));
    cmd.args(["fetch", "--source", &source.url(), "--target", &target.url()]).args([
        "--jobs",
        "2",
        "--shard-size",
        SHARD_SIZE,
        "--no-cdc",
    ]);
    if resume {
        cmd.arg("--resume");
    }
    for var in ["GODWIT_SOURCE", "GODWIT_TARGET", "PGPASSWORD", "PGHOST", "PGPORT", "PGUSER"] {
        cmd.env_remove(var);
    }
    let out = std::fs::File::create(log).unwrap();
    cmd.stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out).kill_on_drop(true);
    let mut child = cmd.spawn().expect("the godwit binary starts");
    let waited = match kill_after {
        Some(delay) => tokio::time::timeout(delay, child.wait()).await.ok(),
        None => None,
    };
    let status = match waited {
        Some(status) => status.unwrap(),
        None if kill_after.is_some() => {
            child.start_kill().unwrap();
            child.wait().await.unwrap()
        }
        None => tokio::time::timeout(ATTEMPT_LIMIT, child.wait())
            .await
            .unwrap_or_else(|_| panic!("fetch ran longer than {ATTEMPT_LIMIT:?}; log {log:?}"))
            .unwrap(),
    };
    match (status.code(), status.signal()) {
        (Some(0), _) => Attempt::Exited,
        (None, Some(9)) if kill_after.is_some() => Attempt::Killed,
        _ => {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            panic!("godwit fetch (resume: {resume}) ended with {status}:\n{output}")
        }
    }
}

/// `(done shards, all shards, latest run status)` from the target's `_godwit` state, with
/// `?` where there is no state yet.
async fn progress(target: &TestDb) -> (String, String, String) {
    let unknown = || ("?".to_owned(), "?".to_owned(), "none".to_owned());
    let Ok(row) = target
        .client()
        .query_one(
            "select (select count(*) filter (where status = 'done') from _godwit.shards)::text,
                    (select count(*) from _godwit.shards)::text,
                    coalesce((select status from _godwit.runs order by started_at desc limit 1),
                             'none')",
            &[],
        )
        .await
    else {
        return unknown();
    };
    (row.get(0), row.get(1), row.get(2))
}

/// Per table: same row count and content hash as the source, and no key twice.
async fn assert_same(source: &TestDb, target: &TestDb) {
    for (table, key) in TABLES {
        let want = fingerprint(source, table).await;
        let got = fingerprint(target, table).await;
        assert_eq!(got, want, "{table}: (rows, content hash) on the target vs the source");
        if !key.is_empty() {
            let sql = format!(
                "select count(*) from (select from {table} group by {key} having count(*) > 1) d"
            );
            let doubled: i64 = target.client().query_one(&sql, &[]).await.unwrap().get(0);
            assert_eq!(doubled, 0, "{table}: keys copied more than once");
        }
    }
}

/// Row count and an order-independent hash of every row's text (a multiset hash).
async fn fingerprint(db: &TestDb, table: &str) -> (i64, Option<String>) {
    let sql = format!(
        "select count(*), md5(string_agg(md5(t::text), '' order by md5(t::text))) from {table} t"
    );
    let row = db.client().query_one(&sql, &[]).await.unwrap();
    (row.get(0), row.get(1))
}

/// A small seeded generator (SplitMix64), so that a printed seed replays the same kills.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
