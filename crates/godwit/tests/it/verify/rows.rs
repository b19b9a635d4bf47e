//! `--mode rows` on PostgreSQL to PostgreSQL: the matrix compared equal, the injected
//! differences found exactly, the typed path, and large identical tables.

use std::sync::Mutex;

use godwit::event::Event;
use godwit::verify::{Method, Mode, VerifyOptions, verify};
use godwit_test_support::matrix::{MATRIX_DATA, MATRIX_DDL, MATRIX_TABLES};
use godwit_test_support::test_db;

use super::fixture::{assert_report, inject};
use super::{options, params, run};

async fn matrix_pair() -> (godwit_test_support::TestDb, godwit_test_support::TestDb) {
    let source = test_db().await;
    let target = test_db().await;
    for db in [&source, &target] {
        db.execute_script(MATRIX_DDL).await;
        db.execute_script(MATRIX_DATA).await;
    }
    (source, target)
}

#[tokio::test]
async fn identical_matrices_have_no_differences() {
    let (source, target) = matrix_pair().await;
    let report = run(&source, &target, &options(Mode::Rows)).await;
    assert_eq!(report.tables.len(), MATRIX_TABLES.len(), "{:#?}", report.tables);
    for (t, m) in report.tables.iter().zip({
        let mut sorted = MATRIX_TABLES.to_vec();
        sorted.sort_by_key(|m| (m.schema, m.name));
        sorted
    }) {
        assert_eq!((t.schema.as_str(), t.name.as_str()), (m.schema, m.name));
        assert_eq!(
            (t.source_rows, t.target_rows, t.matched),
            (m.rows as u64, m.rows as u64, m.rows as u64),
            "{t:?}"
        );
        let method = if m.key.is_empty() { Method::Multiset } else { Method::Key };
        assert_eq!(t.method, method, "{}", m.name);
    }
    assert!(!report.has_differences(), "{report:#?}");
}

#[tokio::test]
async fn reports_exactly_the_injected_differences() {
    let (source, target) = matrix_pair().await;
    let expected = inject(&source, &target).await;
    let report = run(&source, &target, &options(Mode::Rows)).await;
    assert_report(&report, &expected);
    assert!(report.has_differences());
    super::repairs_then_verifies_equal(&source, &target, Mode::Rows).await;
}

/// The whole matrix through the typed path (each column's canonical text form, as against
/// CockroachDB): identical data compares equal, and every injected change is found except the
/// `json` key order, which canonical JSON does not see (CockroachDB has only `JSONB`).
#[tokio::test]
async fn the_typed_path_finds_the_same_differences_but_json_key_order() {
    let (source, target) = matrix_pair().await;
    let opts = VerifyOptions { typed_only: true, ..options(Mode::Rows) };
    let report = run(&source, &target, &opts).await;
    assert!(!report.has_differences(), "{report:#?}");
    let mut expected = inject(&source, &target).await;
    expected.changes.retain(|c| !(c.table == "matrix.documents" && c.columns == ["j"]));
    let report = run(&source, &target, &opts).await;
    assert_report(&report, &expected);
}

/// Different but compatible column types on the target (int4 -> int8, text -> varchar,
/// numeric -> numeric(20,1), same scale) force the typed path: equal values still compare equal, and a
/// changed one is found, in the right column.
#[tokio::test]
async fn the_typed_path_compares_values_not_spellings() {
    let source = test_db().await;
    let target = test_db().await;
    source
        .execute_script(
            "create table t (id int primary key, name text, amount numeric, at timestamptz);",
        )
        .await;
    target
        .execute_script(
            "create table t (id bigint primary key, name varchar(40), amount numeric(20,1),
                at timestamptz);",
        )
        .await;
    let data = "insert into t select i, 'name ' || i, i * 1.5, '2020-01-01 00:00+00'::timestamptz
        + i * interval '1 minute' from generate_series(1, 3000) i;";
    source.execute_script(data).await;
    target.execute_script(data).await;
    let opts = options(Mode::Rows);
    let report = run(&source, &target, &opts).await;
    let t = &report.tables[0];
    assert_eq!((t.source_rows, t.matched, t.mismatched), (3000, 3000, 0), "{t:?}");
    target.execute_script("update t set name = 'changed' where id = 2000;").await;
    let report = run(&source, &target, &opts).await;
    let t = &report.tables[0];
    assert_eq!((t.matched, t.mismatched), (2999, 1), "{t:?}");
    assert_eq!(t.samples.mismatched, vec![vec![Some("2000".to_owned())]]);
    assert_eq!(t.mismatched_columns.keys().collect::<Vec<_>>(), vec!["name"]);
}

/// Large identical tables compare equal. `GODWIT_VERIFY_ROWS` sets the row count (the
/// acceptance size is 3000000); the default keeps the debug test suite quick.
#[tokio::test]
async fn large_identical_tables_have_no_differences() {
    let rows: u64 =
        std::env::var("GODWIT_VERIFY_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let source = test_db().await;
    let target = test_db().await;
    let ddl = "create table big (id bigint primary key, name text, n numeric, f float8,
        at timestamptz, flag bool, j jsonb);
        create table big_text (k text primary key, v int);";
    let data = format!(
        "insert into big select i, md5(i::text), i / 7.0, i * 0.1, '2020-01-01 00:00+00'::timestamptz
            + i * interval '1 second', i % 2 = 0, jsonb_build_object('i', i)
            from generate_series(1, {rows}) i;
         insert into big_text select md5(i::text), i from generate_series(1, {}) i;
         analyze;",
        rows / 10
    );
    for db in [&source, &target] {
        db.execute_script(ddl).await;
        db.execute_script(&data).await;
    }
    let mut opts = options(Mode::Rows);
    opts.shard_bytes = 8 * 1024 * 1024;
    opts.jobs = 2;
    let events = Mutex::new(Vec::new());
    let sink = |e: Event| events.lock().unwrap().push(e);
    let report = verify(&params(&source), &params(&target), &opts, &sink).await.unwrap();
    assert!(!report.has_differences(), "{report:#?}");
    let events = events.into_inner().unwrap();
    let table_done = events.iter().find_map(|e| match e {
        Event::TableDone { table, rows, failed, .. } if table == "public.big" => {
            Some((*rows, *failed))
        }
        _ => None,
    });
    assert_eq!(table_done, Some((rows, false)), "{events:#?}");
    for wanted in ["step", "done", "table_started", "progress"] {
        let found = events.iter().any(|e| {
            let json = serde_json::to_value(e).unwrap();
            json["event"] == wanted && json.get("phase").is_none_or(|p| p == "verify")
        });
        assert!(found, "no {wanted} event: {events:#?}");
    }
    let big = report.tables.iter().find(|t| t.name == "big").unwrap();
    assert_eq!(big.matched, rows);
    let text = report.tables.iter().find(|t| t.name == "big_text").unwrap();
    assert_eq!(text.matched, rows / 10);
}
