//! `godwit status` shows each replication stream's tables: a table paused by schema drift with
//! its reason, column, fix and held changes, in text and in `--json`.

use godwit_test_support::test_db;

use super::godwit;

/// A stream's state as `replicate` records it: one table paused, one replicating.
const STATE: &str = r#"
insert into _godwit.replication (slot_name, publication, origin, source, start_lsn, applied_lsn,
    applied_at, transactions, rows)
values ('godwit_s', 'godwit_s', 'replicate', 'postgres://src', '0/10', '0/40', now(), 3, 3);
insert into _godwit.replication_tables (slot_name, schema_name, table_name, state, reason,
    column_name, hint, since_lsn, since, held, applied_rows, last_applied_lsn)
values ('godwit_s', 'public', 'a', 'paused',
        'column "c" of table "public"."a" is on the source but not on the target', 'c',
        'ALTER TABLE "public"."a" ADD COLUMN "c" integer', '0/20', now(), 3, 1, '0/18'),
       ('godwit_s', 'public', 'b', 'replicating', null, null, null, null, null, 0, 2, '0/40');
"#;

#[tokio::test]
async fn status_names_a_paused_table_its_column_and_the_fix() {
    let target = test_db().await;
    godwit::replicate::checkpoint::ensure_schema(target.client()).await.unwrap();
    target.execute_script(STATE).await;
    let out = godwit().args(["status", "--target", &target.url()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 tables PAUSED by schema drift"), "{text}");
    assert!(
        text.contains(r#"public.a paused: column "c" of table "public"."a" is on the source"#),
        "{text}"
    );
    assert!(text.contains(r#"fix: ALTER TABLE "public"."a" ADD COLUMN "c" integer"#), "{text}");
    let out = godwit().args(["status", "--target", &target.url(), "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stream = &json["replication"][0];
    assert_eq!(stream["paused_tables"], 1);
    let a = &stream["tables"][0];
    assert_eq!((a["table"].as_str(), a["state"].as_str()), (Some("public.a"), Some("paused")));
    assert_eq!((a["column"].as_str(), a["held"].as_i64()), (Some("c"), Some(3)));
    let b = &stream["tables"][1];
    assert_eq!((b["state"].as_str(), b["applied_rows"].as_i64()), (Some("replicating"), Some(2)));
}
