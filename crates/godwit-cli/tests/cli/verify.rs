//! `godwit verify` end to end: exit codes, clean JSON on stdout, `--out`, `--fix print|apply`.

use godwit_test_support::{TestDb, test_db};

use super::{fails_with_exit_2, godwit};

const DDL: &str = "create schema shop;
    create table shop.items (id int primary key, name text, price numeric(10,2), tags jsonb);
    create table shop.log (at timestamptz, line text);";

const DATA: &str = "insert into shop.items
        select g, 'item ' || g, g * 1.25, jsonb_build_object('n', g) from generate_series(1, 200) g;
    insert into shop.log values ('2026-01-01 00:00:00+00', 'a'), ('2026-01-02 00:00:00+00', 'b');";

async fn pair() -> (TestDb, TestDb) {
    let (source, target) = (test_db().await, test_db().await);
    for db in [&source, &target] {
        db.execute_script(DDL).await;
        db.execute_script(DATA).await;
    }
    (source, target)
}

/// Run `godwit verify` with `args`; returns (exit code, stdout, stderr).
fn verify(source: &TestDb, target: &TestDb, args: &[&str]) -> (i32, String, String) {
    let out = godwit()
        .args(["verify", "--source", &source.url(), "--target", &target.url(), "--quiet"])
        .args(args)
        .output()
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn equal_databases_exit_0_with_clean_json() {
    let (source, target) = pair().await;
    let (code, stdout, stderr) = verify(&source, &target, &["--format", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is one JSON document");
    let items = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "items").unwrap();
    assert_eq!(items["matched"], 200);
    assert_eq!(items["method"], "key");
    let log = report["tables"].as_array().unwrap().iter().find(|t| t["name"] == "log").unwrap();
    assert_eq!(log["method"], "multiset");
    assert_eq!(log["source_rows"], 2);
    let stored = target
        .client()
        .query_one(
            "select status, tables from _godwit.verifications where run_id = $1",
            &[&report["run_id"].as_str().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(stored.get::<_, String>(0), "equal");
    assert_eq!(stored.get::<_, i32>(1), 2);
}

#[tokio::test]
async fn differences_exit_1_then_fix_print_changes_nothing_and_fix_apply_repairs() {
    let (source, target) = pair().await;
    target
        .execute_script(
            "delete from shop.items where id = 7;
             update shop.items set price = 99 where id = 8;
             insert into shop.items values (500, 'extra', 1, null);
             insert into shop.log values (null, 'extra line');",
        )
        .await;
    let (code, stdout, _) = verify(&source, &target, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("shop.items missing keys: 7"), "{stdout}");
    assert!(stdout.contains("shop.items mismatched columns: price (1)"), "{stdout}");
    assert!(stdout.contains("shop.items extraneous keys: 500"), "{stdout}");
    assert!(stdout.contains("shop.log extraneous rows: (NULL, extra line)"), "{stdout}");

    let (code, stdout, _) = verify(&source, &target, &["--fix", "print"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(r#"DELETE FROM "shop"."items" WHERE "id" = '500'::integer;"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#"UPDATE "shop"."items" SET "price" = '10.00'::numeric(10,2) WHERE "id" = '8'::integer;"#), "{stdout}");
    let (code, _, _) = verify(&source, &target, &[]);
    assert_eq!(code, 1, "print must not change the target");

    let (code, stdout, stderr) = verify(&source, &target, &["--fix", "apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("DIFFERENT, REPAIRED"), "{stdout}");
    assert!(
        stdout
            .contains("fix applied: 1 inserts, 1 updates, 2 deletes; 0 repaired rows still differ"),
        "{stdout}"
    );
    let (code, stdout, _) = verify(&source, &target, &[]);
    assert_eq!(code, 0, "{stdout}");
}

#[tokio::test]
async fn a_missing_table_is_a_schema_difference_and_out_writes_a_file() {
    let (source, target) = pair().await;
    target.execute_script("drop table shop.log").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.md");
    let (code, stdout, _) =
        verify(&source, &target, &["--format", "markdown", "--out", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("# Verification verify-"), "{written}");
    assert!(written.contains("| error | shop.log"), "{written}");
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let line = fails_with_exit_2(godwit().args([
        "verify",
        "--source",
        "postgresql://127.0.0.1:1/x",
        "--target",
        "postgresql://127.0.0.1:1/y",
        "--live-recheck",
        "5 parsecs",
    ]));
    assert!(line.contains("--live-recheck"), "{line}");
}

#[tokio::test]
async fn status_shows_nothing_then_the_latest_verification() {
    let (source, target) = pair().await;
    let status = |json: bool| {
        let mut cmd = godwit();
        cmd.args(["status", "--target", &target.url()]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(status(false).contains("nothing recorded"), "{}", status(false));
    target.execute_script("update shop.items set name = 'changed' where id = 3").await;
    let (code, _, _) = verify(&source, &target, &[]);
    assert_eq!(code, 1);
    let text = status(false);
    assert!(text.contains("latest verification verify-"), "{text}");
    assert!(text.contains("(rows mode): different"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&status(true)).unwrap();
    let tables = json["verification"]["tables"].as_array().unwrap();
    let items = tables.iter().find(|t| t["table"] == "shop.items").unwrap();
    assert_eq!(items["mismatched"], 1);
    assert_eq!(items["mismatched_columns"], "name");
}
