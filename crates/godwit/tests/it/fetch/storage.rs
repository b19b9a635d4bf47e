//! `fetch --storage`: PostgreSQL to PostgreSQL through `file://` and through a real S3
//! protocol server (s3s-fs, in process, SigV4 checked), export-only then import-only in a
//! second call (into a target that never saw the export), a failed import resumed, a crashed
//! export resumed, bad URLs. Content is compared with order-independent hashes.

use std::path::Path;
use std::sync::{Arc, Mutex};

use godwit::error::ErrorKind;
use godwit::event::Event;
use godwit::fetch::{FetchOptions, FetchResult, StorageMode, fetch, import};
use godwit_test_support::TestDb;
use tokio_postgres::Client;

use super::{fingerprint, pair, params};

const DDL: &str = r#"
create schema "Sales";
create table "Sales"."Order Lines" (order_id int, line int, "Qty" numeric(12,3),
    primary key (order_id, line));
create table public.nokey (a int, b text);
create table public.empty (id int primary key);
create table public.big (id int primary key, payload text);
create table public.kinds (id int primary key, "user" text, j jsonb, b bytea, u uuid,
    ts timestamptz, f float8, arr text[], g int generated always as (id * 2) stored);
"#;

const DATA: &str = r#"
insert into "Sales"."Order Lines" select i / 10, i % 10, i * 1.5 from generate_series(1, 5000) i;
insert into public.nokey select i % 7, 'x' || i from generate_series(1, 3000) i;
insert into public.big select i, md5(i::text) || repeat('p', i % 80) from generate_series(1, 200000) i;
insert into public.kinds (id, "user", j, b, u, ts, f, arr)
select i, case when i % 5 = 0 then null when i % 5 = 1 then '' else e'tab\there "q" \\ ' || i end,
       jsonb_build_object('k', i, 'a', jsonb_build_array(i, 'two')),
       decode(md5(i::text), 'hex'), gen_random_uuid(), now() - i * interval '1 min',
       case when i = 1 then 'Infinity'::float8 else i / 3.0 end,
       array['a,b', null, 'c"d', i::text]
from generate_series(1, 3000) i;
analyze;
"#;

const TABLES: [&str; 5] =
    [r#""Sales"."Order Lines""#, "public.nokey", "public.empty", "public.big", "public.kinds"];

fn options(storage: &str) -> FetchOptions {
    FetchOptions {
        storage: Some(storage.to_owned()),
        shard_bytes: 2 * 1024 * 1024,
        ..FetchOptions::default()
    }
}

fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

async fn assert_same(source: &TestDb, target: &TestDb) {
    for table in TABLES {
        let want = fingerprint(source.client(), table).await;
        assert_eq!(fingerprint(target.client(), table).await, want, "{table}");
    }
}

async fn run_status(client: &Client, run_id: &str) -> String {
    client
        .query_one("select status from _godwit.runs where run_id = $1", &[&run_id])
        .await
        .unwrap()
        .get(0)
}

fn report(label: &str, result: &FetchResult) {
    let big = result.tables.iter().find(|t| t.table == "big").unwrap();
    eprintln!(
        "{label}: big {} rows, {:.1} MB in {:.2} s ({:.1} MB/s), {} shards",
        big.rows,
        big.bytes as f64 / 1e6,
        big.seconds,
        big.bytes as f64 / 1e6 / big.seconds.max(1e-9),
        big.shards
    );
}

/// Every object of the run, relative to the storage root.
fn objects(root: &Path, run_id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(run_id)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn file_storage_round_trip() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(dir.path());
    let result = fetch(&params(&source), &params(&target), &options(&url), &godwit::event::Discard)
        .await
        .unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    assert_same(&source, &target).await;
    report("file:// export+import", &result);
    assert_eq!(run_status(target.client(), &result.run_id).await, "done");

    let files = objects(dir.path(), &result.run_id);
    assert!(files.contains(&format!("{}/manifest.json", result.run_id)), "{files:?}");
    let shards: Vec<_> = files.iter().filter(|f| f.ends_with(".pgcopy.gz")).collect();
    let exported: i64 = target
        .client()
        .query_one("select count(*) from _godwit.exports where run_id = $1", &[&result.run_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(shards.len() as i64, exported);
    assert!(files.iter().any(|f| f.contains("Sales.Order_Lines-")), "{files:?}");
    let first = std::fs::read(dir.path().join(shards[0])).unwrap();
    assert_eq!(&first[..2], &[0x1f, 0x8b], "gzip magic");

    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(&result.run_id).join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["format"], "pg_binary");
    assert_eq!(manifest["source_dialect"], "postgres");
    assert!(manifest["cursor"].is_null());
    let kinds =
        manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "kinds").unwrap();
    let types: Vec<_> =
        kinds["columns"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["int4", "text", "jsonb", "bytea", "uuid", "timestamptz", "float8", "_text"]);
    let rows: i64 =
        kinds["shards"].as_array().unwrap().iter().map(|s| s["rows"].as_i64().unwrap()).sum();
    assert_eq!(rows, 3000);
    let total = |key: &str| -> i64 {
        let tables = manifest["tables"].as_array().unwrap();
        let shards = tables.iter().flat_map(|t| t["shards"].as_array().unwrap());
        shards.map(|s| s[key].as_i64().unwrap()).sum()
    };
    let (gz, raw) = (total("bytes"), total("raw_bytes"));
    assert!(gz > 0 && gz < raw, "compressed {gz} of {raw}");
    eprintln!("objects: {gz} bytes gzip for {raw} bytes of binary COPY");
    let big = manifest["tables"].as_array().unwrap().iter().find(|t| t["table"] == "big").unwrap();
    assert!(big["shards"].as_array().unwrap().len() > 1, "big is sharded");
}

#[tokio::test]
async fn export_only_then_import_only_elsewhere() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(dir.path());
    let export = FetchOptions { storage_mode: StorageMode::ExportOnly, ..options(&url) };
    let exported =
        fetch(&params(&source), &params(&target), &export, &godwit::event::Discard).await.unwrap();
    assert!(exported.failed.is_empty());
    assert_eq!(run_status(target.client(), &exported.run_id).await, "exported");
    assert_eq!(fingerprint(target.client(), "public.big").await.0, 0, "nothing loaded yet");

    // A second call, with no source at all, into a target that never saw the export.
    let elsewhere = godwit_test_support::test_db().await;
    elsewhere.execute_script(DDL).await;
    let import_opts = FetchOptions { storage_mode: StorageMode::ImportOnly, ..options(&url) };
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = Arc::clone(&events);
        move |e: Event| events.lock().unwrap().push(e)
    };
    let imported = import(&params(&elsewhere), &import_opts, &sink).await.unwrap();
    assert_eq!(imported.run_id, exported.run_id, "the newest manifest is found");
    assert!(imported.failed.is_empty(), "{:?}", imported.failed);
    assert_same(&source, &elsewhere).await;
    report("file:// import-only", &imported);
    assert_eq!(run_status(elsewhere.client(), &imported.run_id).await, "done");
    let warned = events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Event::Warning { message } if message.contains("sequences")));
    assert!(warned, "import-only says it did not sync sequences");

    // And into the export's own target, where the run is recorded as exported.
    let again = import(&params(&target), &import_opts, &godwit::event::Discard).await.unwrap();
    assert!(again.failed.is_empty());
    assert_same(&source, &target).await;
}

#[tokio::test]
async fn a_failed_import_resumes_without_duplicates() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(dir.path());
    let export = FetchOptions { storage_mode: StorageMode::ExportOnly, ..options(&url) };
    let run = fetch(&params(&source), &params(&target), &export, &godwit::event::Discard)
        .await
        .unwrap()
        .run_id;
    // The target refuses some rows of one table: that table's shards fail, the others load.
    target.execute_script("alter table public.big add constraint small check (id < 150000);").await;
    let import_opts = FetchOptions {
        storage_mode: StorageMode::ImportOnly,
        resume: Some(run.clone()),
        ..options(&url)
    };
    let first = import(&params(&target), &import_opts, &godwit::event::Discard).await.unwrap();
    assert_eq!(first.failed, ["public.big"]);
    assert_eq!(run_status(target.client(), &run).await, "failed");
    let big_before = fingerprint(target.client(), "public.big").await.0;
    assert!(
        big_before > 0 && big_before < 150_000,
        "only the shards below the limit: {big_before}"
    );

    target.execute_script("alter table public.big drop constraint small;").await;
    let second = import(&params(&target), &import_opts, &godwit::event::Discard).await.unwrap();
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_same(&source, &target).await;
    let redone: usize = second.tables.iter().filter(|t| t.table != "big").map(|t| t.shards).sum();
    assert_eq!(redone, 0, "tables done by the first import are not imported again");
}

#[tokio::test]
async fn a_crashed_export_resumes() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(dir.path());
    let crash = FetchOptions { fail_after_shards: Some(3), jobs: 1, ..options(&url) };
    let err = fetch(&params(&source), &params(&target), &crash, &godwit::event::Discard)
        .await
        .unwrap_err();
    assert!(err.message().contains("fail_after_shards"), "{err}");
    let run: String =
        target.client().query_one("select run_id from _godwit.runs", &[]).await.unwrap().get(0);
    assert!(!dir.path().join(&run).join("manifest.json").exists(), "no manifest for a half export");
    let before = export_stamps(target.client(), &run).await;
    assert_eq!(before.len(), 3);

    let result = fetch(&params(&source), &params(&target), &options(&url), &godwit::event::Discard)
        .await
        .unwrap();
    assert_eq!(result.run_id, run, "the unfinished run is resumed");
    assert!(result.resumed_from_new_snapshot);
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    assert_same(&source, &target).await;
    let after = export_stamps(target.client(), &run).await;
    for shard in &before {
        assert!(after.contains(shard), "{shard:?} was exported again");
    }
}

#[tokio::test]
async fn s3_storage_round_trip() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let dir = tempfile::tempdir().unwrap();
    let endpoint = s3_server(dir.path(), "migrations").await;
    let url = format!(
        "s3://migrations/runs/pg?AWS_ACCESS_KEY_ID=godwit-test&AWS_SECRET_ACCESS_KEY=s3cr3t%2Fkey\
         &AWS_ENDPOINT={endpoint}&AWS_ALLOW_HTTP=true&AWS_REGION=us-east-1"
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = Arc::clone(&events);
        move |e: Event| events.lock().unwrap().push(e)
    };
    let result = fetch(&params(&source), &params(&target), &options(&url), &sink).await.unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    assert_same(&source, &target).await;
    report("s3:// (s3s-fs) export+import", &result);
    let manifest = dir.path().join("migrations/runs/pg").join(&result.run_id).join("manifest.json");
    assert!(manifest.exists(), "{}", manifest.display());
    let shown = format!("{:?}", events.lock().unwrap());
    assert!(!shown.contains("s3cr3t"), "credentials in events: {shown}");
    assert!(shown.contains("s3://migrations/runs/pg"), "{shown}");

    let wrong = url.replace("s3cr3t", "wrong");
    let other = godwit_test_support::test_db().await;
    other.execute_script(DDL).await;
    let refused =
        fetch(&params(&source), &params(&other), &options(&wrong), &godwit::event::Discard)
            .await
            .unwrap();
    assert_eq!(refused.failed.len(), TABLES.len(), "a wrong secret fails every upload");
    let messages: Vec<String> = other
        .client()
        .query("select message from _godwit.exceptions", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!messages.is_empty());
    for m in &messages {
        assert!(!m.contains("wrong") && !m.contains("s3cr3t"), "{m}");
    }
}

#[tokio::test]
async fn bad_storage_urls_are_configuration_errors() {
    let (source, target) = pair(DDL).await;
    for (url, says) in [
        ("ftp://host/dir", "unsupported scheme"),
        ("file://relative/dir", "local directory"),
        ("s3://bucket/p?AWS_SECRET_ACCESS_KEY=hunter2&no_such_option=1", "no_such_option"),
        ("/just/a/path", "scheme://"),
    ] {
        let err = fetch(&params(&source), &params(&target), &options(url), &godwit::event::Discard)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url}: {err}");
        assert!(err.to_string().contains(says), "{url}: {err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    let import_opts =
        FetchOptions { storage_mode: StorageMode::ImportOnly, ..FetchOptions::default() };
    let err = import(&params(&target), &import_opts, &godwit::event::Discard).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let empty = tempfile::tempdir().unwrap();
    let none =
        FetchOptions { storage_mode: StorageMode::ImportOnly, ..options(&file_url(empty.path())) };
    let err = import(&params(&target), &none, &godwit::event::Discard).await.unwrap_err();
    assert!(err.to_string().contains("no finished export"), "{err}");
}

/// An S3 server (s3s-fs over `root`, SigV4 with one key pair) on a loopback port; returns
/// its endpoint URL.
async fn s3_server(root: &Path, bucket: &str) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;

    std::fs::create_dir_all(root.join(bucket)).unwrap();
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single("godwit-test", "s3cr3t/key"));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { continue };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

/// CockroachDB live: PostgreSQL -> CockroachDB direct (COPY text) and through `file://`
/// storage served over HTTP to `IMPORT INTO`, then CockroachDB -> PostgreSQL direct (reads
/// `AS OF SYSTEM TIME`, converted per value). Runs only when `GODWIT_TEST_COCKROACH` names a
/// `cockroach` binary; otherwise it prints why and passes.
#[tokio::test]
async fn cockroach_live_paths() {
    let Some(binary) = std::env::var_os("GODWIT_TEST_COCKROACH").filter(|v| !v.is_empty()) else {
        eprintln!(
            "skipping: set GODWIT_TEST_COCKROACH to a cockroach binary to run CockroachDB live tests"
        );
        return;
    };
    const CRDB_DDL: &[&str] = &[
        "create table t (id int8 primary key, s string, f float8, ok bool, ts timestamptz, j jsonb, b bytes)",
    ];
    const PG_DDL: &str = "create table t (id bigint primary key, s text, f float8, ok bool, ts timestamptz, j jsonb, b bytea);";
    let node = live::Cockroach::start(Path::new(&binary));
    let admin = node.connect("defaultdb").await;
    let env = godwit::conn::Environment::default();
    let crdb = |db: &str| godwit::conn::ConnParams::resolve(&node.url(db), &env).unwrap();
    for db in ["direct", "imported"] {
        admin.client().batch_execute(&format!("create database {db}")).await.unwrap();
        let c = node.connect(db).await;
        for stmt in CRDB_DDL {
            c.client().batch_execute(stmt).await.unwrap();
        }
    }
    let source = godwit_test_support::test_db().await;
    source.execute_script(PG_DDL).await;
    source
        .execute_script(
            "insert into t select i, case when i % 4 = 0 then null else 'v' || i end, i / 7.0, i % 2 = 0, \
             now() - i * interval '1 s', jsonb_build_object('i', i), decode(md5(i::text), 'hex') \
             from generate_series(1, 20000) i; analyze;",
        )
        .await;
    let want = sum(source.client()).await;

    let direct =
        fetch(&params(&source), &crdb("direct"), &FetchOptions::default(), &godwit::event::Discard)
            .await
            .unwrap();
    assert!(direct.failed.is_empty(), "{:?}", direct.failed);
    assert_eq!(sum(node.connect("direct").await.client()).await, want);

    let dir = tempfile::tempdir().unwrap();
    let via = FetchOptions {
        storage_http_addr: Some("127.0.0.1:0".parse().unwrap()),
        ..options(&file_url(dir.path()))
    };
    let imported =
        fetch(&params(&source), &crdb("imported"), &via, &godwit::event::Discard).await.unwrap();
    assert!(imported.failed.is_empty(), "{:?}", imported.failed);
    assert_eq!(sum(node.connect("imported").await.client()).await, want);

    let back = godwit_test_support::test_db().await;
    back.execute_script(PG_DDL).await;
    let result =
        fetch(&crdb("direct"), &params(&back), &FetchOptions::default(), &godwit::event::Discard)
            .await
            .unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let snapshot: String =
        back.client().query_one("select snapshot from _godwit.runs", &[]).await.unwrap().get(0);
    assert!(snapshot.contains('.'), "an HLC timestamp is the run's cursor: {snapshot}");
    assert_eq!(fingerprint(back.client(), "t").await, fingerprint(source.client(), "t").await);
}

/// (table, shard, exported_at) of every exported shard of `run`.
async fn export_stamps(c: &Client, run: &str) -> Vec<(String, i32, String)> {
    let sql = "select table_name, shard, exported_at::text from _godwit.exports \
               where run_id = $1 order by 1, 2";
    let rows = c.query(sql, &[&run]).await.unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
}

/// Count, key sum, non-null count and byte total: the same text on both dialects.
async fn sum(c: &Client) -> (i64, String, i64, String) {
    let sql = "select count(*), sum(id)::text, count(s), sum(length(b))::text from t";
    let r = c.query_one(sql, &[]).await.unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

/// A throwaway single-node CockroachDB (the same guard as `schema_crdb`'s).
mod live {
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use godwit::conn::{self, Connection};

    pub struct Cockroach {
        child: Child,
        port: u16,
        _dir: tempfile::TempDir,
    }

    impl Drop for Cockroach {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port()
    }

    impl Cockroach {
        pub fn start(binary: &Path) -> Cockroach {
            let dir = tempfile::tempdir().unwrap();
            let (port, http) = (free_port(), free_port());
            let child = Command::new(binary)
                .args(["start-single-node", "--insecure", "--store=type=mem,size=1GiB"])
                .arg(format!("--listen-addr=127.0.0.1:{port}"))
                .arg(format!("--http-addr=127.0.0.1:{http}"))
                .arg(format!("--log-dir={}", dir.path().join("logs").display()))
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Cockroach { child, port, _dir: dir }
        }

        pub fn url(&self, database: &str) -> String {
            format!("postgresql://root@127.0.0.1:{}/{database}?sslmode=disable", self.port)
        }

        pub async fn connect(&self, database: &str) -> Connection {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                match conn::connect_str(&self.url(database)).await {
                    Ok(c) => return c,
                    Err(e) if Instant::now() > deadline => panic!("cockroach: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
                }
            }
        }
    }
}
