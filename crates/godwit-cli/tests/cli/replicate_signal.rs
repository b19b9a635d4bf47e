//! `godwit replicate` as a process: SIGTERM stops it cleanly (exit 0, position on stdout), a
//! restart continues exactly there, `status` shows the stream and `verify` finds both equal.

use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use godwit_test_support::{TestDb, test_db};

use super::godwit;

const DDL: &str = "create table items (id int primary key, note text, n int not null default 0)";

fn start(source: &TestDb, target: &TestDb) -> Child {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("godwit"));
    cmd.args(["replicate", "--source", &source.url(), "--target", &target.url()])
        .args(["--log-format", "json"])
        .env_remove("GODWIT_SOURCE")
        .env_remove("GODWIT_TARGET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("godwit starts")
}

/// SIGTERM, then the exit code and stdout; stderr must hold `replication` progress events.
fn terminate(child: Child) -> (Option<i32>, String) {
    let pid = child.id().to_string();
    let killed = StdCommand::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(killed.success());
    let out = child.wait_with_output().expect("godwit exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let progress = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .rfind(|e| e["event"] == "replication")
        .unwrap_or_else(|| panic!("no replication event: {stderr}"));
    assert!(progress["applied_lsn"].as_str().is_some_and(|l| l.contains('/')), "{progress}");
    assert!(progress["transactions"].as_u64().is_some(), "{progress}");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.client().query_one(sql, &[]).await.map(|r| r.get(0)).unwrap_or(-1)
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_a_restart_continues_exactly_there() {
    let (source, target) = (test_db().await, test_db().await);
    source.execute_script(DDL).await;
    target.execute_script(DDL).await;
    let first = start(&source, &target);
    wait_for("the slot", async || {
        count(&target, "select count(*) from _godwit.replication where applied_lsn is not null")
            .await
            == 1
    })
    .await;
    source
        .execute_script("insert into items select g, 'n' || g from generate_series(1, 100) g")
        .await;
    wait_for("100 rows", async || count(&target, "select count(*) from items").await == 100).await;
    let (code, stdout) = terminate(first);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.starts_with("replicate stopped: slot godwit_"), "{stdout}");

    // Written while nothing replicates: applied once by the next run.
    source
        .execute_script(
            "insert into items select g, 'm' || g from generate_series(101, 150) g;
             update items set n = n + 1 where id <= 10;
             delete from items where id = 150;",
        )
        .await;
    let second = start(&source, &target);
    wait_for("the backlog", async || {
        count(&target, "select count(*) + sum(n) from items").await == 159
    })
    .await;
    let (code, stdout) = terminate(second);
    assert_eq!(code, Some(0), "{stdout}");

    let status = godwit().args(["status", "--target", &target.url()]).output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("replication from slot godwit_"), "{status}");
    let verify = godwit()
        .args(["verify", "--source", &source.url(), "--target", &target.url(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0), "{}", String::from_utf8_lossy(&verify.stdout));
    source
        .execute_script(
            "select pg_drop_replication_slot(slot_name) from pg_replication_slots \
             where database = current_database()",
        )
        .await;
}
