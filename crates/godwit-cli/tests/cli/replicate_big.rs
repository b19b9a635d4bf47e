//! `godwit replicate` applies one 2M-row source transaction with bounded memory (issue 6,
//! acceptance: "a single 2M-row transaction streams with bounded memory").
//!
//! The real binary (the debug build the tests use) replicates from its own slot; the source
//! commits ONE transaction inserting [`DEFAULT_ROWS`] rows of about 80 bytes of values each
//! (like `bench/replicate-big.sql`: 2M rows are ~200 MB of values, more in memory), then a
//! marker row in a second transaction. Once the marker is on the target, the big transaction
//! is too (transactions are applied in commit order): the target must then hold the same rows
//! (count and an order-independent digest of every row's text), and godwit's peak resident
//! memory (`VmHWM` of `/proc/<pid>/status`, read before it is stopped) must stay under
//! [`RSS_LIMIT_MIB`], the RSS target, which holding the transaction's rows would exceed.
//!
//! Two runs, each a test:
//! - protocol 1 (the default): the walsender sends the transaction after its commit, godwit
//!   applies it while it arrives; nothing is streamed in progress, nothing spilled;
//! - `--stream-in-progress --spill-size 8MiB`: the walsender streams the transaction in chunks
//!   while it runs (once it outgrows `logical_decoding_work_mem`, 64 MB by default); godwit
//!   holds 8 MiB of them in memory and spills the rest to temporary files until Stream
//!   Commit. The summary printed at SIGTERM must count the transaction as streamed and report
//!   bytes spilled to disk.
//!
//! With fewer rows than the default, the source database's `logical_decoding_work_mem` is
//! lowered in proportion (at least 64 kB, PostgreSQL's minimum; the walsender reads it from
//! the database's settings), so that the walsender still streams in about as many chunks.
//!
//! Each test prints its figures (source insert, drain after the source commit, peak RSS) to
//! stderr, timings that include whatever else runs at the time; see them with
//! `-- --nocapture`. `GODWIT_REPLICATE_BIG_ROWS` sets the number of rows (default
//! 2,000,000).
#![allow(clippy::print_stderr)]

use std::time::{Duration, Instant};

use godwit_test_support::{TestDb, test_db};

use crate::replicate::harness::Godwit;

/// Rows of the big transaction unless `GODWIT_REPLICATE_BIG_ROWS` says otherwise.
const DEFAULT_ROWS: i64 = 2_000_000;

/// The peak RSS target for godwit.
const RSS_LIMIT_MIB: u64 = 256;

/// Longest wait for the slot, for the drain and for the exit after SIGTERM (debug build).
const LIMIT: Duration = Duration::from_secs(15 * 60);

/// The same on both sides.
const DDL: &str = "
create table big (id bigint primary key, k int not null, label text not null,
                  at timestamptz not null);
create table marker (id int primary key);
";

/// One implicit transaction of `{rows}` rows, as `bench/replicate-big.sql`.
const BIG_TRANSACTION: &str = "
insert into big
select g, g % 1000, 'label ' || md5(g::text), timestamptz '2026-01-01' + g * interval '1 ms'
from generate_series(1, {rows}) g";

/// Row count and an order-independent digest of every row's text.
const DIGEST: &str = "
select count(*)::text || ' ' ||
       coalesce(sum(('x' || left(md5(b::text), 16))::bit(64)::bigint::numeric), 0)::text
from big b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_transaction_applies_with_bounded_memory() {
    let run = run("protocol 1", &[]).await;
    assert_eq!((run.streamed, run.spilled_bytes), (0, 0), "{}", run.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_transaction_streamed_in_progress_spills_with_bounded_memory() {
    let run = run("streamed in progress", &["--stream-in-progress", "--spill-size", "8MiB"]).await;
    assert!(run.streamed >= 1, "the transaction was not streamed in progress: {}", run.summary);
    assert!(run.spilled_bytes > 0, "nothing spilled to disk: {}", run.summary);
}

/// What a run's summary line (printed at SIGTERM) says.
struct Run {
    summary: String,
    streamed: u64,
    spilled_bytes: u64,
}

/// Replicate one big transaction with `extra` flags; checks contents and peak memory.
async fn run(label: &str, extra: &[&str]) -> Run {
    let rows: i64 = std::env::var("GODWIT_REPLICATE_BIG_ROWS").map_or(DEFAULT_ROWS, |v| {
        v.parse().unwrap_or_else(|_| panic!("GODWIT_REPLICATE_BIG_ROWS={v:?} is not a number"))
    });
    let (source, target) = (test_db().await, test_db().await);
    source.execute_script(DDL).await;
    if rows < DEFAULT_ROWS {
        // As many chunks as at the default size, so that a smaller run streams too.
        let kib = (64 * 1024 * rows / DEFAULT_ROWS).max(64);
        let sql =
            format!("alter database {} set logical_decoding_work_mem = '{kib}kB'", source.name());
        source.execute_script(&sql).await;
    }
    target.execute_script(DDL).await;
    let logs = tempfile::Builder::new().prefix("godwit-replicate-big-").tempdir().unwrap();
    let args = [&["--log-format", "json"], extra].concat();
    let log = logs.path().join("godwit.log");
    let mut godwit = Godwit::start(&source.url(), &target.url(), &args, &log);
    wait_for(&mut godwit, "the slot to be recorded", &target, async |t| {
        count(t, "select count(*) from _godwit.replication where applied_lsn is not null").await
            == 1
    })
    .await;

    let started = Instant::now();
    source.execute_script(&BIG_TRANSACTION.replace("{rows}", &rows.to_string())).await;
    let written = started.elapsed();
    source.execute_script("insert into marker values (1)").await;
    let committed = Instant::now();
    wait_for(&mut godwit, "the marker on the target", &target, async |t| {
        count(t, "select count(*) from marker").await == 1
    })
    .await;
    let drained = committed.elapsed();
    let peak_kib = godwit.peak_rss_kib();

    let (want, got) = (digest(&source).await, digest(&target).await);
    assert_eq!(got, want, "{label}: the target's rows differ from the source's");
    assert!(want.starts_with(&format!("{rows} ")), "{label}: source holds {want}");
    let summary = godwit.terminate().await;
    drop_slot(&source).await;
    eprintln!(
        "replicate big ({label}): {rows} rows in one transaction; written on the source in \
         {:.1} s, on the target {:.1} s after the source commit; godwit peak RSS {} MiB \
         (limit {RSS_LIMIT_MIB} MiB); {summary}",
        written.as_secs_f64(),
        drained.as_secs_f64(),
        peak_kib / 1024,
    );
    assert!(
        peak_kib < RSS_LIMIT_MIB * 1024,
        "{label}: godwit's peak RSS {peak_kib} KiB exceeds {RSS_LIMIT_MIB} MiB"
    );
    parse_summary(&summary)
}

/// `(count, digest)` of `big`, as one string.
async fn digest(db: &TestDb) -> String {
    db.client().query_one(DIGEST, &[]).await.unwrap().get(0)
}

/// The first column of a one-row query; -1 if it fails (e.g. `_godwit` not created yet).
async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).await.map_or(-1, |r| r.get(0))
}

/// The slot godwit left for a next run; the database cannot be dropped while it exists.
async fn drop_slot(source: &TestDb) {
    source
        .execute_script(
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots \
             where database = current_database()",
        )
        .await;
}

/// The streamed and spilled figures of `replicate stopped: ... N transactions (S streamed
/// while in progress, B bytes spilled to disk) ...`.
fn parse_summary(summary: &str) -> Run {
    let figure = |before: &str| -> u64 {
        let head = summary
            .split_once(before)
            .unwrap_or_else(|| panic!("no {before:?} in the summary: {summary}"))
            .0;
        let word = head.rsplit([' ', '(']).next().unwrap_or_default();
        word.parse().unwrap_or_else(|_| panic!("{word:?} before {before:?}: {summary}"))
    };
    Run {
        summary: summary.to_owned(),
        streamed: figure(" streamed while in progress"),
        spilled_bytes: figure(" bytes spilled to disk"),
    }
}

/// Poll `check` every 100 ms until it holds; fails with godwit's output if godwit ends by
/// itself or after [`LIMIT`].
async fn wait_for(
    godwit: &mut Godwit,
    what: &str,
    db: &TestDb,
    mut check: impl AsyncFnMut(&TestDb) -> bool,
) {
    let started = Instant::now();
    while !check(db).await {
        godwit.assert_running();
        assert!(
            started.elapsed() < LIMIT,
            "timed out waiting for {what}; godwit:\n{}",
            tail(godwit)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last lines of godwit's output (progress events come once a second).
fn tail(godwit: &Godwit) -> String {
    let text = godwit.output();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}
