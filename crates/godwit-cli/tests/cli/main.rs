//! The `godwit` binary end to end: exit codes, one-line errors, results on stdout.
//!
//! Each failure case asserts exit code 2, a single `godwit: error:` line naming the cause, and
//! no panic or backtrace (DESIGN.md, "Exit codes").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod progress;
mod replicate;
mod replicate_big;
mod replicate_signal;
mod status;
mod verify;

use assert_cmd::Command;
use godwit_test_support::{cluster, test_db};

fn godwit() -> Command {
    let mut cmd = Command::cargo_bin("godwit").expect("binary built");
    for var in ["GODWIT_SOURCE", "GODWIT_TARGET", "PGPASSWORD", "PGHOST", "PGPORT", "PGUSER"] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_BACKTRACE", "1");
    cmd
}

/// Run and assert the contract for user errors; returns the error line.
fn fails_with_exit_2(cmd: &mut Command) -> String {
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(!stderr.contains("stack backtrace"), "backtrace: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("godwit: error:")).collect();
    assert_eq!(lines.len(), 1, "exactly one error line expected: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout for a failure");
    lines[0].to_owned()
}

#[test]
fn malformed_url_exits_2() {
    let line =
        fails_with_exit_2(godwit().args(["inspect", "--source", "postgresql://h:notaport/db"]));
    assert!(line.contains("port"), "{line}");
}

#[test]
fn unreachable_host_exits_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgresql://postgres@127.0.0.1:{port}/x?connect_timeout=3");
    let line = fails_with_exit_2(godwit().args(["inspect", "--source", &url]));
    assert!(line.contains("could not connect"), "{line}");
    assert!(line.contains(&port.to_string()), "{line}");
}

#[tokio::test]
async fn wrong_password_exits_2_and_hides_it() {
    let db = test_db().await;
    let role = format!("carol_{}", db.name());
    db.execute_script(&format!("create role {role} login password 'good'")).await;
    let url = format!("postgresql://{role}:B4dPa55@127.0.0.1:{}/{}", cluster().port(), db.name());
    let line = fails_with_exit_2(godwit().args(["inspect", "--source", &url]));
    assert!(line.contains("password authentication failed"), "{line}");
    assert!(line.contains("28P01"), "{line}");
    assert!(!line.contains("B4dPa55"), "password leaked: {line}");
}

#[test]
fn unknown_database_exits_2() {
    let url = format!("postgresql://postgres@127.0.0.1:{}/nope_db", cluster().port());
    let line = fails_with_exit_2(godwit().args(["inspect", "--source", &url]));
    assert!(line.contains("nope_db") && line.contains("3D000"), "{line}");
}

#[test]
fn missing_postgres_binaries_exits_2_naming_the_package() {
    let line = fails_with_exit_2(godwit().args(["demo"]).env("PG_BINDIR", "/nonexistent/bin"));
    assert!(line.contains("postgresql-15"), "{line}");
}

#[test]
fn bad_flag_exits_2() {
    let out = godwit().args(["inspect", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn inspect_prints_inventory_and_json() {
    let db = test_db().await;
    db.execute_script(
        "create table t (id int primary key, v text); \
         create table nokey (v text); \
         create function f() returns trigger language plpgsql as $$begin return new; end$$; \
         create trigger trg before insert on t for each row execute function f();",
    )
    .await;
    let out = godwit().args(["inspect", "--source", &db.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("PostgreSQL 15"), "{text}");
    assert!(text.contains("public.nokey"), "table without a key is listed: {text}");
    assert!(text.contains("public.t.trg") || text.contains("trg"), "{text}");

    let out = godwit().args(["inspect", "--json", "--source", &db.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let tables = doc["schema"]["tables"].as_array().expect("tables array");
    let names: Vec<&str> = tables.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["nokey", "t"]);
    assert_eq!(doc["source"]["dialect"], "postgres");
}

#[tokio::test]
async fn source_from_environment_variable() {
    let db = test_db().await;
    let out = godwit().args(["inspect", "--json"]).env("GODWIT_SOURCE", db.url()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn demo_runs_end_to_end_and_logs_json_lines() {
    let out = godwit().args(["demo", "--log-format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    for expected in ["shop.orders", "shop.page_views", "partitioning", "triggers", "enums"] {
        assert!(stdout.contains(expected), "inventory lacks {expected}: {stdout}");
    }
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let phases: Vec<&str> = events.iter().filter_map(|e| e["phase"].as_str()).collect();
    assert!(stdout.contains("run fetch-") && stdout.contains("50000"), "fetch ledger: {stdout}");
    for phase in ["cluster", "load", "inspect", "assess", "apply", "fetch", "cleanup"] {
        assert!(phases.contains(&phase), "missing phase {phase}: {stderr}");
    }
}

fn fixture(path: &str) -> String {
    format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn assess_a_schema_file_exits_1_on_blockers_in_every_format() {
    let file = fixture("pg-schemas/pagila-2017-inheritance.sql");
    for format in ["text", "json", "markdown", "html"] {
        let out = godwit()
            .args(["assess", "--schema-file", &file, "--source-dialect", "postgres"])
            .args(["--target-dialect", "cockroach", "--format", format])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("rule.unsupported"), "{format}: {stdout}");
        match format {
            "json" => {
                let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                let first = &doc["findings"][0];
                assert_eq!(first["severity"], "blocker");
                assert!(first["location"]["line"].as_u64().unwrap() > 0);
            }
            "html" => assert!(stdout.starts_with("<!doctype html>") && stdout.contains("</html>")),
            _ => {}
        }
    }
}

#[test]
fn assess_is_target_version_aware() {
    let file = fixture("crdb-ddl/triggers_all.sql");
    let run = |version: &str| {
        let out = godwit()
            .args(["assess", "--schema-file", &file, "--source-dialect", "cockroach"])
            .args(["--target-dialect", "postgres", "--target-version", version, "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(run("15")["target"]["version"]["major"], 15);
    let pg_db = godwit()
        .args([
            "assess",
            "--schema-file",
            &fixture("pg-schemas/pagila.sql"),
            "--source-dialect",
            "pg",
        ])
        .args(["--target-dialect", "crdb", "--target-version", "24.1", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&pg_db.stdout).unwrap();
    let rules: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"trigger.requires-v24.3"), "triggers block before v24.3: {rules:?}");
}

#[test]
fn a_schema_file_with_errors_reports_each_with_file_line_column_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("broken.sql");
    std::fs::write(
        &file,
        "CREATE TABLE public.a (id INT8 PRIMARY KEY);\nCREATE TABLE public.b (id INT8 PRIMARY KEY,);\nCREATE TABLE public.c (id INT8 PRIMARY KEY);\nCREATE TABEL public.d (x INT8);\n",
    )
    .unwrap();
    let out = godwit()
        .args(["assess", "--schema-file", file.to_str().unwrap(), "--source-dialect", "cockroach"])
        .args(["--target-dialect", "postgres", "--format", "json", "--log-format", "text"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"));
    let cited: Vec<&str> = stderr.lines().filter(|l| l.contains("broken.sql:")).collect();
    assert_eq!(cited.len(), 2, "{stderr}");
    assert!(cited[0].contains("broken.sql:2:") && cited[1].contains("broken.sql:4:"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["findings"].is_array(), "the readable statements are still assessed");
}

#[tokio::test]
async fn convert_then_schema_apply_is_rerunnable_and_names_failures() {
    let source = test_db().await;
    source
        .execute_script("create table p (id int primary key); create table c (id int primary key, p int references p);")
        .await;
    let target = test_db().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = godwit()
        .args([
            "convert",
            "--source",
            &source.url(),
            "--target-dialect",
            "postgres",
            "--target-version",
            "15",
        ])
        .args(["--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for file in ["pre-data.sql", "post-data.sql", "unsupported.sql", "report.json", "report.md"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    for _ in 0..2 {
        let out = godwit()
            .args(["schema", "apply", "--target", &target.url(), "--dir", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let fks: i64 = target
        .client()
        .query_one("select count(*) from pg_constraint where contype = 'f' and convalidated", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(fks, 1);

    std::fs::write(
        dir.join("post-data.sql"),
        "-- godwit:statement index public.nope\nCREATE INDEX nope ON public.missing (x);\n",
    )
    .unwrap();
    let out = godwit()
        .args([
            "schema",
            "apply",
            "--target",
            &target.url(),
            "--dir",
            dir.to_str().unwrap(),
            "--section",
            "post",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("post-data.sql:2")
            && stdout.contains("42P01")
            && stdout.contains("index public.nope"),
        "{stdout}"
    );
}

/// `godwit inspect --json` on pagila-2017 reports every table, view, function, trigger, rule,
/// domain, enum and sequence, counted independently from pg_catalog.
#[tokio::test]
async fn inspect_json_reports_all_of_pagila_2017() {
    let db = test_db().await;
    let psql = cluster().bindir().join("psql");
    let file = fixture("pg-schemas/pagila-2017-inheritance.sql");
    let load = std::process::Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url(), "-f", &file])
        .output()
        .unwrap();
    assert!(load.status.success(), "{}", String::from_utf8_lossy(&load.stderr));
    let out = godwit().args(["inspect", "--json", "--source", &db.url()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let len = |key: &str| doc["schema"][key].as_array().map_or(0, Vec::len) as i64;
    let types = |key: &str| doc["schema"]["types"][key].as_array().map_or(0, Vec::len) as i64;
    let catalog = |sql: &str| {
        let sql = sql.to_owned();
        let client = db.client();
        async move { client.query_one(&sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    let user =
        "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'";
    let not_ext = "not exists (select from pg_depend d where d.objid = c.oid and d.deptype = 'e')";
    let checks = [
        (
            "tables",
            len("tables"),
            format!(
                "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and {user}"
            ),
        ),
        (
            "views",
            len("views"),
            format!(
                "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('v', 'm') and {user}"
            ),
        ),
        (
            "sequences",
            len("sequences"),
            format!(
                "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'S' and {user}"
            ),
        ),
        (
            "routines",
            len("routines"),
            format!(
                "select count(*) from pg_proc c join pg_namespace n on n.oid = c.pronamespace where {user} and {not_ext}"
            ),
        ),
        (
            "triggers",
            len("triggers"),
            "select count(*) from pg_trigger where not tgisinternal".to_owned(),
        ),
        (
            "rules",
            len("rules"),
            "select count(*) from pg_rules where schemaname = 'public'".to_owned(),
        ),
        (
            "domains",
            types("domains"),
            format!(
                "select count(*) from pg_type c join pg_namespace n on n.oid = c.typnamespace where c.typtype = 'd' and {user}"
            ),
        ),
        (
            "enums",
            types("enums"),
            format!(
                "select count(*) from pg_type c join pg_namespace n on n.oid = c.typnamespace where c.typtype = 'e' and {user}"
            ),
        ),
    ];
    for (kind, reported, sql) in checks {
        let expected = catalog(&sql).await;
        assert!(expected > 0, "{kind}: pagila-2017 has some");
        assert_eq!(reported, expected, "{kind}");
    }
}

#[tokio::test]
async fn fetch_copies_into_prepared_tables_and_refuses_missing_ones() {
    let source = test_db().await;
    source
        .execute_script("create table t (id bigint primary key, v text); insert into t select g, 'v' || g from generate_series(1, 1000) g;")
        .await;
    let target = test_db().await;
    let out = godwit()
        .args(["fetch", "--source", &source.url(), "--target", &target.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "no tables on the target yet");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("public.t"), "names the missing table: {stderr}");

    target.execute_script("create table t (id bigint primary key, v text);").await;
    let out = godwit()
        .args(["fetch", "--source", &source.url(), "--target", &target.url(), "--jobs", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("public.t") && stdout.contains("1000"), "{stdout}");
    let copied: i64 =
        target.client().query_one("select count(*) from t", &[]).await.unwrap().get(0);
    assert_eq!(copied, 1000);
}
