//! The pieces of a fault trial: two restartable clusters of the test's own, a fresh pair of
//! databases per trial, the `godwit replicate` process, and the checks after the drain.
//!
//! Connections for checks are opened per query and retried, because the fault under test may
//! just have restarted the server they go to.

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use godwit::cluster::{ClusterOptions, LocalCluster};
use godwit::conn::{ConnParams, Environment};
use godwit::verify::{VerifyOptions, verify};
use tokio_postgres::{Client, NoTls};

use super::workload::{DDL, Written};

/// Longest wait for the slot to exist, for the drain, and for a stopped run to exit.
const LIMIT: Duration = Duration::from_secs(120);

/// A source and a target cluster that only this test uses, so they may be restarted.
pub(super) struct Clusters {
    pub(super) source: LocalCluster,
    pub(super) target: LocalCluster,
}

impl Clusters {
    /// Start both. The source runs with `synchronous_commit = on` (a real server's default;
    /// `LocalCluster` turns it off), so that an immediate shutdown keeps every commit the
    /// writers saw acknowledged. The target keeps `off`: godwit's apply session must make its
    /// commits durable itself before it confirms them to the source, or a target crash loses
    /// confirmed transactions for good.
    pub(super) async fn start() -> Clusters {
        let source = tokio::task::spawn_blocking(|| {
            let options = ClusterOptions {
                settings: vec![("synchronous_commit".into(), "on".into())],
                ..ClusterOptions::default()
            };
            LocalCluster::start(&options).unwrap_or_else(|e| panic!("starting a cluster: {e}"))
        });
        let target = tokio::task::spawn_blocking(|| {
            LocalCluster::start(&ClusterOptions::default())
                .unwrap_or_else(|e| panic!("starting a cluster: {e}"))
        });
        Clusters { source: source.await.unwrap(), target: target.await.unwrap() }
    }
}

/// The databases of one trial, created with the same tables and rows on both sides.
pub(super) struct Trial {
    pub(super) name: String,
    pub(super) source_url: String,
    pub(super) target_url: String,
    pub(super) log: PathBuf,
}

impl Trial {
    pub(super) async fn create(clusters: &Clusters, name: &str, logs: &Path) -> Trial {
        let trial = Trial {
            name: name.to_owned(),
            source_url: clusters.source.url(name),
            target_url: clusters.target.url(name),
            log: logs.join(format!("{name}.log")),
        };
        for cluster in [&clusters.source, &clusters.target] {
            let admin = connect(&cluster.url("postgres")).await;
            admin.batch_execute(&format!("create database {name}")).await.unwrap();
            connect(&cluster.url(name)).await.batch_execute(DDL).await.unwrap();
        }
        trial
    }

    /// Drop the trial's slots (once godwit has let go of them) and both databases.
    pub(super) async fn drop(self, clusters: &Clusters) {
        let slots = format!(
            "select count(pg_drop_replication_slot(slot_name)) from pg_replication_slots \
             where database = '{}' and not active",
            self.name
        );
        let left =
            format!("select count(*) from pg_replication_slots where database = '{}'", self.name);
        let admin_source = clusters.source.url("postgres");
        wait_until("the trial's slots to be dropped", async || {
            let _ = query_i64(&admin_source, &slots).await;
            query_i64(&admin_source, &left).await == Some(0)
        })
        .await;
        let drop = format!("drop database {} with (force)", self.name);
        for cluster in [&clusters.source, &clusters.target] {
            connect(&cluster.url("postgres")).await.batch_execute(&drop).await.unwrap();
        }
    }
}

/// A `godwit replicate` process (the real binary: SIGKILL is real), its output appended to a
/// log file (a pipe nobody reads could fill up and stall it).
pub(crate) struct Godwit {
    child: tokio::process::Child,
    log: PathBuf,
}

impl Godwit {
    /// Replicating the trial's databases, into the trial's log.
    pub(super) fn spawn(trial: &Trial) -> Godwit {
        Godwit::start(&trial.source_url, &trial.target_url, &[], &trial.log)
    }

    /// `godwit replicate --source source --target target extra..`, its output appended to `log`.
    pub(crate) fn start(source: &str, target: &str, extra: &[&str], log: &Path) -> Godwit {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_godwit"));
        cmd.args(["replicate", "--source", source, "--target", target]).args(extra);
        for var in ["GODWIT_SOURCE", "GODWIT_TARGET", "PGPASSWORD", "PGHOST", "PGPORT", "PGUSER"] {
            cmd.env_remove(var);
        }
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        cmd.stdin(Stdio::null()).stdout(out.try_clone().unwrap()).stderr(out).kill_on_drop(true);
        Godwit { child: cmd.spawn().expect("the godwit binary starts"), log: log.to_owned() }
    }

    /// Its peak resident set size so far, in KiB (`VmHWM` of `/proc/<pid>/status`).
    pub(crate) fn peak_rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("godwit is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in status");
        let kib = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim();
        kib.parse().unwrap_or_else(|_| panic!("unreadable {line:?}"))
    }

    /// SIGKILL, and wait for the process to be gone.
    pub(super) async fn kill(&mut self) {
        self.assert_running();
        self.child.start_kill().unwrap();
        let status = self.child.wait().await.unwrap();
        assert_eq!(status.signal(), Some(9), "godwit ended with {status}");
    }

    /// Fail the test, with godwit's output, if the process ended by itself.
    pub(crate) fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("godwit replicate ended by itself with {status}:\n{}", self.output());
        }
    }

    /// SIGTERM: it must exit 0, without a panic, and say where it stopped; returns that line.
    pub(crate) async fn terminate(mut self) -> String {
        self.assert_running();
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(LIMIT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("godwit did not stop on SIGTERM:\n{}", self.output()))
            .unwrap();
        let output = self.output();
        assert_eq!(status.code(), Some(0), "godwit replicate after SIGTERM:\n{output}");
        assert!(!output.contains("panicked"), "{output}");
        let stopped = output.lines().rev().find(|l| l.starts_with("replicate stopped:"));
        stopped.unwrap_or_else(|| panic!("no summary line:\n{output}")).to_owned()
    }

    /// What it wrote so far.
    pub(crate) fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Connect (no retry); panics with the server's message.
async fn connect(url: &str) -> Client {
    godwit_test_support::connect_url(url).await
}

/// The first column of a one-row query as `i64`, retried (with new connections) until the
/// server answers; `None` after [`LIMIT`].
pub(super) async fn query_i64(url: &str, sql: &str) -> Option<i64> {
    let started = Instant::now();
    loop {
        if let Ok((client, conn)) = tokio_postgres::connect(url, NoTls).await {
            tokio::spawn(conn);
            if let Ok(row) = client.query_one(sql, &[]).await {
                return row.get::<_, Option<i64>>(0);
            }
        }
        assert!(started.elapsed() < LIMIT, "no answer from {url} to {sql}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Poll `check` every 100 ms until it holds; panics naming `what` after [`LIMIT`].
pub(super) async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < LIMIT, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const COUNTER: &str = "select n from counter where id = 1";

/// Wait until godwit streams (its slot's position is recorded on the target).
pub(super) async fn wait_streaming(trial: &Trial, godwit: &mut Godwit) {
    let sql = "select count(*) from _godwit.replication where applied_lsn is not null";
    wait_until("the slot to be recorded", async || {
        godwit.assert_running();
        let (client, conn) = tokio_postgres::connect(&trial.target_url, NoTls).await.unwrap();
        tokio::spawn(conn);
        client.query_one(sql, &[]).await.is_ok_and(|r| r.get::<_, i64>(0) == 1)
    })
    .await;
}

/// After the writers stopped: wait until the target's counter equals the source's. Every
/// source transaction raises the counter (holding its row lock to the commit), so the
/// transaction that wrote the final value committed last; transactions are applied in commit
/// order, so the target then has them all. Returns the counter.
pub(super) async fn drain(trial: &Trial, godwit: &mut Godwit) -> i64 {
    let want = query_i64(&trial.source_url, COUNTER).await.unwrap();
    let started = Instant::now();
    loop {
        godwit.assert_running();
        let got = query_i64(&trial.target_url, COUNTER).await;
        if got == Some(want) {
            return want;
        }
        assert!(
            started.elapsed() < LIMIT,
            "{}: the target's counter is {got:?} after {LIMIT:?}, the source's {want}; godwit:\n{}",
            trial.name,
            godwit.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `godwit::verify::verify` finds no difference (the report is printed if it does).
pub(super) async fn assert_verified(trial: &Trial) {
    let env = Environment { os_user: Some("postgres".into()), ..Environment::default() };
    let source = ConnParams::resolve(&trial.source_url, &env).unwrap();
    let target = ConnParams::resolve(&trial.target_url, &env).unwrap();
    let report = verify(&source, &target, &VerifyOptions::default(), &godwit::event::Discard)
        .await
        .unwrap_or_else(|e| panic!("verify failed: {e}"));
    assert!(
        !report.has_differences(),
        "verify found differences in {}:\n{}",
        trial.name,
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert!(report.tables.len() >= 5, "verify compared too few tables: {}", report.tables.len());
}

/// Exactly once, beyond verify: the counter equals the number of transactions on the target,
/// each counter value was produced once, every acknowledged transaction is there and nothing
/// but acknowledged or in-doubt ones; no `journal` row (keyless) was applied twice.
pub(super) async fn assert_exactly_once(trial: &Trial, n: i64, written: &[Written]) {
    let target = connect(&trial.target_url).await;
    let row = target
        .query_one("select count(*), count(distinct at_n), min(at_n), max(at_n) from ledger", &[])
        .await
        .unwrap();
    let ledger: (i64, i64, Option<i64>, Option<i64>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!(ledger, (n, n, Some(1).filter(|_| n > 0), Some(n).filter(|_| n > 0)));
    let seqs: std::collections::HashSet<i64> = target
        .query("select seq from ledger", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut problems = String::new();
    for w in written {
        for seq in w.committed.iter().filter(|s| !seqs.contains(s)) {
            let _ = write!(problems, "acknowledged transaction {seq} missing; ");
        }
    }
    let known: std::collections::HashSet<i64> =
        written.iter().flat_map(|w| w.committed.iter().chain(&w.in_doubt)).copied().collect();
    for seq in seqs.iter().filter(|s| !known.contains(s)) {
        let _ = write!(problems, "transaction {seq} on the target was never written; ");
    }
    assert!(problems.is_empty(), "{}: {problems}", trial.name);
    let twice = "select count(*) from (select from journal group by seq having count(*) > 1) d";
    let doubled: i64 = target.query_one(twice, &[]).await.unwrap().get(0);
    assert_eq!(doubled, 0, "{}: journal rows applied more than once", trial.name);
}
