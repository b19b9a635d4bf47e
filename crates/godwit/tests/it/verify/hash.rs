//! `--mode hash` on PostgreSQL to PostgreSQL, with the native checksums and with the portable
//! ones (what pairs involving CockroachDB use) forced: the matrix compared equal, exactly the
//! injected differences found (the same as rows mode finds), the typed path, and large
//! tables where only the differing buckets are compared row by row.

use godwit::verify::{Method, Mode, Report, VerifyOptions};
use godwit_test_support::matrix::{MATRIX_DATA, MATRIX_DDL, MATRIX_TABLES};
use godwit_test_support::{TestDb, test_db};

use super::fixture::{assert_report, inject};
use super::{options, run};

async fn matrix_pair() -> (TestDb, TestDb) {
    let source = test_db().await;
    let target = test_db().await;
    for db in [&source, &target] {
        db.execute_script(MATRIX_DDL).await;
        db.execute_script(MATRIX_DATA).await;
    }
    (source, target)
}

fn hash_options(portable: bool) -> VerifyOptions {
    VerifyOptions { hash_portable: portable, ..options(Mode::Hash) }
}

fn assert_matrix_equal(report: &Report) {
    assert_eq!(report.mode, "hash");
    assert_eq!(report.tables.len(), MATRIX_TABLES.len(), "{:#?}", report.tables);
    for m in MATRIX_TABLES {
        let t = report.tables.iter().find(|t| t.schema == m.schema && t.name == m.name).unwrap();
        let rows = m.rows as u64;
        assert_eq!((t.source_rows, t.target_rows, t.matched), (rows, rows, rows), "{t:?}");
        let method = if m.key.is_empty() { Method::Multiset } else { Method::Key };
        assert_eq!(t.method, method, "{}", m.name);
    }
    assert!(!report.has_differences(), "{report:#?}");
}

#[tokio::test]
async fn identical_matrices_have_equal_checksums() {
    let (source, target) = matrix_pair().await;
    assert_matrix_equal(&run(&source, &target, &hash_options(false)).await);
    assert_matrix_equal(&run(&source, &target, &hash_options(true)).await);
}

#[tokio::test]
async fn native_checksums_find_exactly_the_injected_differences() {
    let (source, target) = matrix_pair().await;
    let expected = inject(&source, &target).await;
    let hash = run(&source, &target, &hash_options(false)).await;
    assert_report(&hash, &expected);
    let rows = run(&source, &target, &options(Mode::Rows)).await;
    assert_eq!(hash.tables, rows.tables);
    super::repairs_then_verifies_equal(&source, &target, Mode::Hash).await;
}

#[tokio::test]
async fn portable_checksums_find_exactly_the_injected_differences() {
    let (source, target) = matrix_pair().await;
    let expected = inject(&source, &target).await;
    assert_report(&run(&source, &target, &hash_options(true)).await, &expected);
}

/// Compatible but different column types (int4 -> int8, text -> varchar, numeric ->
/// numeric(20,4)) are hashed through their text; the drill-down then decides as rows mode
/// does (which counts `1.5` against `1.5000` as different), and a changed value is found in
/// the right column.
#[tokio::test]
async fn the_typed_path_agrees_with_rows_mode() {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script("create table t (id int primary key, name text, amount numeric);").await;
    target
        .execute_script(
            "create table t (id bigint primary key, name varchar(40), amount numeric(20,4));",
        )
        .await;
    let data = "insert into t select i, 'name ' || i, i * 1.5 from generate_series(1, 3000) i;";
    source.execute_script(data).await;
    target.execute_script(data).await;
    target.execute_script("update t set name = 'changed' where id = 2000;").await;
    let rows = run(&source, &target, &options(Mode::Rows)).await;
    for portable in [false, true] {
        let hash = run(&source, &target, &hash_options(portable)).await;
        assert_eq!(hash.tables, rows.tables);
        let t = &hash.tables[0];
        assert_eq!(t.source_rows, 3000);
        assert_eq!(t.mismatched_columns.get("name"), Some(&1), "{t:?}");
    }
}

/// Values swapped between two rows leave every column's multiset of values unchanged: a
/// checksum that summed unseeded per-column hashes would miss it.
#[tokio::test]
async fn values_swapped_between_rows_are_found() {
    let source = test_db().await;
    let target = test_db().await;
    for db in [&source, &target] {
        db.execute_script(
            "create table s (id int primary key, v text);
             insert into s select i, 'v' || i from generate_series(1, 1000) i;
             create table k (a int, b text);
             insert into k select i, 'v' || i from generate_series(1, 100) i;",
        )
        .await;
    }
    target
        .execute_script(
            "update s set v = case id when 10 then 'v20' else 'v10' end where id in (10, 20);
             update k set b = case a when 1 then 'v2' else 'v1' end where a in (1, 2);",
        )
        .await;
    for portable in [false, true] {
        let report = run(&source, &target, &hash_options(portable)).await;
        let s = report.tables.iter().find(|t| t.name == "s").unwrap();
        assert_eq!((s.matched, s.mismatched), (998, 2), "{s:?}");
        let k = report.tables.iter().find(|t| t.name == "k").unwrap();
        assert_eq!((k.matched, k.missing, k.extraneous), (98, 2, 2), "{k:?}");
    }
}

/// A big table split into ranges, identical, then with a few scattered changes: the counts
/// come from the checksums, the differences from the drilled buckets. `GODWIT_VERIFY_ROWS`
/// sets the row count (3000000 for the acceptance size).
#[tokio::test]
async fn large_tables_are_checksummed_and_drilled_into() {
    let rows: u64 =
        std::env::var("GODWIT_VERIFY_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let source = test_db().await;
    let target = test_db().await;
    let data = format!(
        "create table big (id bigint primary key, name text, n numeric, f float8,
            at timestamptz, flag bool, j jsonb);
         insert into big select i, md5(i::text), i / 7.0, i * 0.1,
            '2020-01-01 00:00+00'::timestamptz + i * interval '1 second', i % 2 = 0,
            jsonb_build_object('i', i) from generate_series(1, {rows}) i;
         update big set f = 0 where id = 7;
         analyze;"
    );
    for db in [&source, &target] {
        db.execute_script(&data).await;
    }
    let mut opts = hash_options(false);
    opts.shard_bytes = 8 * 1024 * 1024;
    opts.jobs = 2;
    let report = run(&source, &target, &opts).await;
    assert!(!report.has_differences(), "{report:#?}");
    assert_eq!(report.tables[0].matched, rows);
    target
        .execute_script(&format!(
            "update big set f = '-0' where id = 7;
             update big set j = '{{\"i\": 1.0}}' where id = 1;
             delete from big where id = {rows};
             insert into big values ({rows} + 1, 'x', 1, 1, null, null, null);
             update big set n = n * 1.0 where id = {};",
            rows / 2
        ))
        .await;
    let report = run(&source, &target, &opts).await;
    let t = &report.tables[0];
    assert_eq!(
        (t.source_rows, t.target_rows, t.matched, t.missing, t.extraneous, t.mismatched),
        (rows, rows, rows - 4, 1, 1, 3),
        "{t:?}"
    );
    let columns: Vec<_> = t.mismatched_columns.keys().cloned().collect();
    assert_eq!(columns, vec!["f", "j", "n"]);
}
