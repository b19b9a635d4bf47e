//! Observability of `godwit fetch`: JSON lines on a non-terminal stderr and the Prometheus
//! endpoint of `--metrics-addr`.
//!
//! One table's COPY is held mid-way by an open target transaction that inserted the source's
//! last key (COPY waits on that key), so the metrics can be scraped at a known point: the
//! other table done, this one in flight. Rolling the transaction back lets the run finish.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use godwit_test_support::{TestDb, test_db};

const A_ROWS: u64 = 1_000;
const B_ROWS: u64 = 40_000;

async fn prepared() -> (TestDb, TestDb) {
    let ddl = "create table a (id int primary key, v text); \
               create table b (id int primary key, v text);";
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(ddl).await;
    target.execute_script(ddl).await;
    source
        .execute_script(&format!(
            "insert into a select i, 'a' || i from generate_series(1, {A_ROWS}) i;
             insert into b select i, repeat('b', 30) || i from generate_series(1, {B_ROWS}) i;
             analyze;"
        ))
        .await;
    (source, target)
}

/// `godwit fetch` with piped stderr, and a channel of its stderr lines.
fn spawn_fetch(source: &TestDb, target: &TestDb, extra: &[&str]) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["fetch", "--source", &source.url(), "--target", &target.url(), "--no-cdc"])
        .args(extra)
        .env_remove("GODWIT_SOURCE")
        .env_remove("GODWIT_TARGET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Read stderr lines until one parses as an event satisfying `want`; returns every line read.
fn lines_until(rx: &Receiver<String>, want: impl Fn(&serde_json::Value) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).unwrap_or_else(|_| panic!("no such event: {lines:#?}"));
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        lines.push(line);
        if want(&event) {
            return lines;
        }
    }
}

fn scrape(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_once('/').unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
        "{response}"
    );
    assert!(response.contains("text/plain; version=0.0.4"), "{response}");
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default()
}

/// The value of one series in an exposition, e.g. `godwit_fetch_tables_done`.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .filter_map(|l| l.strip_prefix(series))
        .find_map(|rest| rest.strip_prefix(' ').and_then(|v| v.parse().ok()))
}

fn is(event: &serde_json::Value, kind: &str, table: &str) -> bool {
    event["event"] == kind && event["table"] == table
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_serves_metrics_and_logs_json_lines() {
    let (source, target) = prepared().await;
    let blocker = target.connect().await;
    blocker
        .batch_execute(&format!("begin; insert into b values ({B_ROWS}, 'holds')"))
        .await
        .unwrap();
    let (mut child, rx) =
        spawn_fetch(&source, &target, &["--jobs", "2", "--metrics-addr", "127.0.0.1:0"]);

    let mut lines = lines_until(&rx, |e| e["event"] == "listening");
    let listening: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(listening["service"], "metrics");
    let url = listening["url"].as_str().unwrap().to_owned();
    lines.extend(lines_until(&rx, |e| is(e, "table_done", "public.a")));
    lines.extend(lines_until(&rx, |e| {
        is(e, "progress", "public.b") && e["rows"].as_u64().is_some_and(|r| r > 0)
    }));

    let body = scrape(&url);
    assert_eq!(
        sample(&body, r#"godwit_fetch_rows_total{table="public.a"}"#),
        Some(A_ROWS as f64),
        "{body}"
    );
    assert_eq!(
        sample(&body, r#"godwit_fetch_shards_done_total{table="public.a"}"#),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, r#"godwit_fetch_rows_total{table="public.b"}"#),
        Some(0.0),
        "b is in flight: {body}"
    );
    assert_eq!(sample(&body, "godwit_fetch_tables_total"), Some(2.0), "{body}");
    assert_eq!(sample(&body, "godwit_fetch_tables_done"), Some(1.0), "{body}");
    assert_eq!(sample(&body, "godwit_fetch_shards_failed_total"), Some(0.0), "{body}");
    assert!(body.contains("# TYPE godwit_fetch_rows_total counter"), "{body}");
    assert!(
        sample(&body, r#"godwit_fetch_bytes_total{table="public.a"}"#).is_some_and(|b| b > 0.0)
    );

    blocker.batch_execute("rollback").await.unwrap();
    let status = child.wait().unwrap();
    lines.extend(rx.iter());
    assert_eq!(status.code(), Some(0), "{lines:#?}");
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(
        stdout.contains("public.b") && stdout.contains(&B_ROWS.to_string()),
        "ledger: {stdout}"
    );

    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for (table, rows) in [("public.a", A_ROWS), ("public.b", B_ROWS)] {
        let progress = events.iter().filter(|e| is(e, "progress", table)).count();
        assert!(progress >= 1, "progress for {table}: {lines:#?}");
        let done = events.iter().find(|e| is(e, "table_done", table)).expect("table_done");
        assert_eq!(done["rows"], rows, "{done}");
        assert_eq!(done["failed"], false);
        assert!(done["bytes"].as_u64().unwrap() > 0 && done["seconds"].as_f64().is_some());
    }
    let started = events.iter().find(|e| e["event"] == "fetch_started").expect("fetch_started");
    assert_eq!((started["tables"].as_u64(), started["shards"].as_u64()), (Some(2), Some(2)));
}

#[tokio::test]
async fn quiet_json_keeps_only_warnings_and_results() {
    let (source, target) = prepared().await;
    let out = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["fetch", "--source", &source.url(), "--target", &target.url(), "--no-cdc"])
        .args(["--quiet", "--log-format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for line in stderr.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["event"], "warning", "{line}");
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("public.b"));
}

#[tokio::test]
async fn text_lines_off_a_terminal_name_each_table() {
    let (source, target) = prepared().await;
    let out = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["fetch", "--source", &source.url(), "--target", &target.url(), "--no-cdc"])
        .args(["--log-format", "text", "--verbose"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for table in ["public.a", "public.b"] {
        assert!(stderr.contains(&format!("… copying {table} (1 shards")), "{stderr}");
        assert!(
            stderr.contains(&format!("{table} shard 0: copied")),
            "verbose shard line: {stderr}"
        );
        assert!(stderr.contains(&format!("✓ copied {table}: ")), "{stderr}");
    }
    assert!(!stderr.contains('\u{1b}'), "no terminal escapes off a terminal: {stderr}");
}

#[test]
fn a_bad_metrics_address_exits_2_naming_the_flag() {
    for addr in ["nonsense", "127.0.0.1:notaport", "203.0.113.1:9187"] {
        let out = Command::new(env!("CARGO_BIN_EXE_godwit"))
            .args(["fetch", "--source", "postgresql://h/db", "--target", "postgresql://h/db"])
            .args(["--metrics-addr", addr])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{addr}: {stderr}");
        let errors: Vec<&str> =
            stderr.lines().filter(|l| l.starts_with("godwit: error:")).collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains(&format!("--metrics-addr {addr}")), "{stderr}");
    }
}

#[test]
fn a_taken_metrics_port_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_godwit"))
        .args(["fetch", "--source", "postgresql://h/db", "--target", "postgresql://h/db"])
        .args(["--metrics-addr", &addr])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot listen") && stderr.contains(&addr), "{stderr}");
}
