//! Exact SQL text and parameters for both dialects.

use bytes::Bytes;

use super::*;
use crate::cdc::pgoutput::RelationColumn;
use crate::error::ErrorKind;

const PG: Dialect = Dialect::Postgres;
const CRDB: Dialect = Dialect::Cockroach;

fn relation(identity: ReplicaIdentity, columns: &[(&str, bool)]) -> Relation {
    Relation {
        xid: None,
        relid: 16384,
        namespace: "App".into(),
        name: "order".into(),
        replica_identity: identity,
        columns: columns
            .iter()
            .map(|(name, key)| RelationColumn {
                flags: u8::from(*key),
                name: (*name).into(),
                type_oid: 25,
                type_modifier: -1,
            })
            .collect(),
    }
}

fn types(n: usize) -> Vec<SqlType> {
    let mut all = vec![
        SqlType::new("pg_catalog", "int8"),
        SqlType::new("pg_catalog", "text"),
        SqlType::new("pg_catalog", "numeric"),
        SqlType::new("pg_catalog", "int4").array_of(),
    ];
    all.truncate(n);
    all
}

/// `"App"."order"` (id int8 key, "Name" text, "select" numeric).
fn keyed() -> TableShape {
    let rel =
        relation(ReplicaIdentity::Default, &[("id", true), ("Name", false), ("select", false)]);
    TableShape::from_relation(&rel, &["id"], types(3)).unwrap()
}

/// The same table without key, `REPLICA IDENTITY FULL`.
fn keyless() -> TableShape {
    let rel = relation(ReplicaIdentity::Full, &[("id", false), ("Name", false), ("select", false)]);
    TableShape::from_relation(&rel, &[], types(3)).unwrap()
}

fn t(s: &str) -> Value {
    Value::Text(Bytes::copy_from_slice(s.as_bytes()))
}

fn row(values: &[Value]) -> Tuple {
    Tuple(values.to_vec())
}

fn p(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_owned)).collect()
}

const I8: &str = "\"pg_catalog\".\"int8\"";
const TX: &str = "\"pg_catalog\".\"text\"";
const NU: &str = "\"pg_catalog\".\"numeric\"";

#[test]
fn insert_postgres_is_on_conflict_upsert() {
    let s = insert(PG, &keyed(), &row(&[t("1"), t(""), Value::Null])).unwrap();
    assert_eq!(
        s.sql,
        format!(
            "INSERT INTO \"App\".\"order\" (\"id\", \"Name\", \"select\") VALUES ($1::{I8}, \
             $2::{TX}, $3::{NU}) ON CONFLICT (\"id\") DO UPDATE SET \"Name\" = EXCLUDED.\"Name\", \
             \"select\" = EXCLUDED.\"select\""
        )
    );
    // Empty string and NULL stay different.
    assert_eq!(s.params, p(&[Some("1"), Some(""), None]));
    assert_eq!(s.expect, Expect::Exactly(1));
}

#[test]
fn insert_cockroach_is_upsert() {
    // https://www.cockroachlabs.com/docs/stable/upsert: `UPSERT INTO t (a, b, c) VALUES (1, 2, 3)`
    // uses the primary key as arbiter and writes the listed columns.
    let s = insert(CRDB, &keyed(), &row(&[t("1"), t("x"), t("2.50")])).unwrap();
    assert_eq!(
        s.sql,
        format!(
            "UPSERT INTO \"App\".\"order\" (\"id\", \"Name\", \"select\") VALUES ($1::{I8}, \
             $2::{TX}, $3::{NU})"
        )
    );
    assert_eq!(s.params, p(&[Some("1"), Some("x"), Some("2.50")]));
}

#[test]
fn insert_all_key_columns_does_nothing_on_conflict() {
    let rel = relation(ReplicaIdentity::Default, &[("a", true), ("b", true)]);
    let shape = TableShape::from_relation(&rel, &["b", "a"], types(2)).unwrap();
    let s = insert(PG, &shape, &row(&[t("1"), t("2")])).unwrap();
    assert_eq!(
        s.sql,
        format!(
            "INSERT INTO \"App\".\"order\" (\"a\", \"b\") VALUES ($1::{I8}, $2::{TX}) \
             ON CONFLICT (\"b\", \"a\") DO NOTHING"
        )
    );
    assert_eq!(s.expect, Expect::AtMost(1));
}

#[test]
fn insert_keyless_is_plain_insert_and_arrays_cast() {
    let rel = relation(
        ReplicaIdentity::Full,
        &[("id", false), ("n", false), ("x", false), ("arr", false)],
    );
    let shape = TableShape::from_relation(&rel, &[], types(4)).unwrap();
    let tuple = row(&[t("1"), t("a"), t("1"), t("{1,2}")]);
    for dialect in [PG, CRDB] {
        let s = insert(dialect, &shape, &tuple).unwrap();
        assert_eq!(
            s.sql,
            format!(
                "INSERT INTO \"App\".\"order\" (\"id\", \"n\", \"x\", \"arr\") VALUES ($1::{I8}, \
                 $2::{TX}, $3::{NU}, $4::\"pg_catalog\".\"int4\"[])"
            )
        );
    }
}

#[test]
fn odd_names_are_quoted_and_never_rescanned() {
    let mut rel = relation(ReplicaIdentity::Default, &[("k\"q", true), ("{rows}", false)]);
    rel.namespace = "we\"ird".into();
    rel.name = "{columns}".into();
    let shape = TableShape::from_relation(&rel, &["k\"q"], types(2)).unwrap();
    let s = insert(CRDB, &shape, &row(&[t("1"), t("'; DROP TABLE x; --")])).unwrap();
    assert_eq!(
        s.sql,
        format!(
            "UPSERT INTO \"we\"\"ird\".\"{{columns}}\" (\"k\"\"q\", \"{{rows}}\") VALUES \
             ($1::{I8}, $2::{TX})"
        )
    );
    assert_eq!(s.params[1].as_deref(), Some("'; DROP TABLE x; --"));
}

#[test]
fn update_with_same_key_sets_changed_columns_only() {
    let new = row(&[t("7"), Value::UnchangedToast, Value::Null]);
    for dialect in [PG, CRDB] {
        let s = update(dialect, &keyed(), None, &new).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].sql,
            format!("UPDATE \"App\".\"order\" SET \"select\" = $1::{NU} WHERE \"id\" = $2::{I8}")
        );
        assert_eq!(s[0].params, p(&[None, Some("7")]));
        assert_eq!(s[0].expect, Expect::Exactly(1));
    }
}

#[test]
fn update_with_nothing_to_set_is_no_statement() {
    let new = row(&[t("7"), Value::UnchangedToast, Value::UnchangedToast]);
    assert!(update(PG, &keyed(), None, &new).unwrap().is_empty());
}

#[test]
fn update_with_equal_old_key_is_a_plain_update() {
    let old = OldTuple::Key(row(&[t("7"), Value::Null, Value::Null]));
    let s = update(PG, &keyed(), Some(&old), &row(&[t("7"), t("n"), t("1")])).unwrap();
    assert_eq!(s.len(), 1);
    assert!(s[0].sql.starts_with("UPDATE "));
}

#[test]
fn key_change_is_delete_then_upsert() {
    let old = OldTuple::Key(row(&[t("7"), Value::Null, Value::Null]));
    let new = row(&[t("8"), t("n"), t("1.0")]);
    let s = update(CRDB, &keyed(), Some(&old), &new).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].sql, format!("DELETE FROM \"App\".\"order\" WHERE \"id\" = $1::{I8}"));
    assert_eq!(s[0].params, p(&[Some("7")]));
    assert_eq!(s[0].expect, Expect::AtMost(1));
    assert!(s[1].sql.starts_with("UPSERT INTO \"App\".\"order\""));
    assert_eq!(s[1].params, p(&[Some("8"), Some("n"), Some("1.0")]));
}

#[test]
fn key_change_with_unchanged_toast_is_an_error_naming_table_and_column() {
    let old = OldTuple::Key(row(&[t("7"), Value::Null, Value::Null]));
    let new = row(&[t("8"), Value::UnchangedToast, t("1")]);
    let err = update(PG, &keyed(), Some(&old), &new).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("\"Name\""), "{message}");
    assert!(message.contains("\"App\".\"order\""), "{message}");
    assert!(message.contains("key of the row changed"), "{message}");
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[test]
fn key_change_under_full_identity_takes_toast_from_old_row() {
    let rel = relation(ReplicaIdentity::Full, &[("id", false), ("Name", false), ("select", false)]);
    let shape = TableShape::from_relation(&rel, &["id"], types(3)).unwrap();
    let old = OldTuple::Full(row(&[t("7"), t("long"), t("1")]));
    let new = row(&[t("8"), Value::UnchangedToast, t("2")]);
    let s = update(PG, &shape, Some(&old), &new).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].params, p(&[Some("8"), Some("long"), Some("2")]));
}

#[test]
fn keyless_update_touches_one_matching_row() {
    let old = OldTuple::Full(row(&[t("1"), Value::Null, t("2")]));
    let new = row(&[t("1"), t("b"), t("2")]);
    let pg = update(PG, &keyless(), Some(&old), &new).unwrap();
    let cond = format!(
        "\"id\" IS NOT DISTINCT FROM $4::{I8} AND \"Name\" IS NOT DISTINCT FROM $5::{TX} AND \
         \"select\" IS NOT DISTINCT FROM $6::{NU}"
    );
    let set = format!("\"id\" = $1::{I8}, \"Name\" = $2::{TX}, \"select\" = $3::{NU}");
    assert_eq!(
        pg[0].sql,
        format!(
            "UPDATE \"App\".\"order\" SET {set} WHERE ctid = (SELECT ctid FROM \"App\".\"order\" \
             WHERE {cond} LIMIT 1)"
        )
    );
    assert_eq!(pg[0].params, p(&[Some("1"), Some("b"), Some("2"), Some("1"), None, Some("2")]));
    let crdb = update(CRDB, &keyless(), Some(&old), &new).unwrap();
    assert_eq!(crdb[0].sql, format!("UPDATE \"App\".\"order\" SET {set} WHERE {cond} LIMIT 1"));
}

#[test]
fn delete_by_key() {
    let old = OldTuple::Key(row(&[t("9"), Value::Null, Value::Null]));
    for dialect in [PG, CRDB] {
        let s = delete(dialect, &keyed(), &old).unwrap();
        assert_eq!(s.sql, format!("DELETE FROM \"App\".\"order\" WHERE \"id\" = $1::{I8}"));
        assert_eq!(s.params, p(&[Some("9")]));
    }
}

#[test]
fn full_identity_delete_removes_one_equal_row() {
    let old = OldTuple::Full(row(&[t("1"), Value::Null, Value::UnchangedToast]));
    let cond =
        format!("\"id\" IS NOT DISTINCT FROM $1::{I8} AND \"Name\" IS NOT DISTINCT FROM $2::{TX}");
    let pg = delete(PG, &keyless(), &old).unwrap();
    assert_eq!(
        pg.sql,
        format!(
            "DELETE FROM \"App\".\"order\" WHERE ctid = (SELECT ctid FROM \"App\".\"order\" WHERE \
             {cond} LIMIT 1)"
        )
    );
    assert_eq!(pg.params, p(&[Some("1"), None]));
    assert_eq!(pg.expect, Expect::AtMost(1));
    let crdb = delete(CRDB, &keyless(), &old).unwrap();
    assert_eq!(crdb.sql, format!("DELETE FROM \"App\".\"order\" WHERE {cond} LIMIT 1"));
    // A keyless delete needs the whole old row.
    let key_only = OldTuple::Key(row(&[t("1"), Value::Null, Value::Null]));
    assert!(delete(PG, &keyless(), &key_only).is_err());
}

#[test]
fn truncate_options() {
    let a = keyed();
    let mut b = keyed();
    b.name = "Line".into();
    let both = [&a, &b];
    let plain = truncate(PG, &both, TruncateOptions::default()).unwrap();
    assert_eq!(plain.sql, "TRUNCATE \"App\".\"order\", \"App\".\"Line\"");
    assert_eq!(plain.expect, Expect::Any);
    let all = TruncateOptions { cascade: true, restart_identity: true };
    assert_eq!(
        truncate(PG, &both, all).unwrap().sql,
        "TRUNCATE \"App\".\"order\", \"App\".\"Line\" RESTART IDENTITY CASCADE"
    );
    let cascade = TruncateOptions { cascade: true, restart_identity: false };
    assert_eq!(truncate(CRDB, &[&a], cascade).unwrap().sql, "TRUNCATE \"App\".\"order\" CASCADE");
    let err = truncate(CRDB, &[&a], all).unwrap_err();
    assert!(err.to_string().contains("RESTART IDENTITY"));
    assert!(truncate(PG, &[], all).is_err());
}

#[test]
fn binary_and_invalid_text_are_errors() {
    let bin = row(&[t("1"), Value::Binary(Bytes::from_static(b"\x00")), Value::Null]);
    let err = insert(PG, &keyed(), &bin).unwrap_err();
    assert!(err.to_string().contains("\"Name\""), "{err}");
    let bad = row(&[t("1"), Value::Text(Bytes::from_static(b"\xff")), Value::Null]);
    assert!(insert(PG, &keyed(), &bad).unwrap_err().to_string().contains("UTF-8"));
    assert!(insert(PG, &keyed(), &row(&[t("1")])).is_err(), "short tuple");
}

#[test]
fn shape_errors_name_table_and_column() {
    let rel = relation(ReplicaIdentity::Default, &[("id", false), ("v", false)]);
    let err = TableShape::from_relation(&rel, &[], types(2)).unwrap_err();
    assert!(err.to_string().contains("\"App\".\"order\" has no primary key"), "{err}");
    let err = TableShape::from_relation(&rel, &["nope"], types(2)).unwrap_err();
    assert!(err.to_string().contains("\"nope\""), "{err}");
    // A key the source's replica identity does not carry.
    let err = TableShape::from_relation(&rel, &["v"], types(2)).unwrap_err();
    assert!(err.to_string().contains("replica identity"), "{err}");
    assert!(TableShape::from_relation(&rel, &["id"], types(1)).is_err());
    let full = relation(ReplicaIdentity::Full, &[("id", false), ("v", false)]);
    assert!(TableShape::from_relation(&full, &["v"], types(2)).is_ok());
}

#[test]
fn batches_split_at_the_parameter_cap() {
    let shape = keyed();
    let tuples: Vec<Tuple> =
        (0..7).map(|i| row(&[t(&i.to_string()), t("x"), Value::Null])).collect();
    let refs: Vec<&Tuple> = tuples.iter().collect();
    // 3 columns, 9 parameters: 3 rows per statement.
    let s = upsert_rows_capped(PG, &shape, &refs, 9).unwrap();
    assert_eq!(s.iter().map(|s| s.params.len()).collect::<Vec<_>>(), vec![9, 9, 3]);
    assert!(s[0].sql.contains("($7::\"pg_catalog\".\"int8\", $8::"), "{}", s[0].sql);
    assert_eq!(s[2].params[0].as_deref(), Some("6"));
    assert_eq!(s[2].expect, Expect::Exactly(1));
    // The real cap: 65535 / 3 = 21845 rows per statement.
    let many: Vec<Tuple> = (0..21_846).map(|i| row(&[t(&i.to_string()), t("x"), t("1")])).collect();
    let refs: Vec<&Tuple> = many.iter().collect();
    let s = upsert_rows(CRDB, &shape, &refs).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].params.len(), 65_535);
    assert!(s[0].sql.ends_with("$65535::\"pg_catalog\".\"numeric\")"));
    assert_eq!(s[1].params, p(&[Some("21845"), Some("x"), Some("1")]));
}

#[test]
fn a_repeated_key_starts_a_new_statement() {
    let a = row(&[t("1"), t("a"), Value::Null]);
    let b = row(&[t("2"), t("b"), Value::Null]);
    let a2 = row(&[t("1"), t("c"), Value::Null]);
    let s = upsert_rows(PG, &keyed(), &[&a, &b, &a2]).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].params.len(), 6);
    assert_eq!(s[1].params, p(&[Some("1"), Some("c"), None]));
}

#[test]
fn plan_merges_only_consecutive_inserts_of_one_table() {
    let shape = keyed();
    let mut other = keyed();
    other.name = "other".into();
    let r1 = row(&[t("1"), t("a"), Value::Null]);
    let r2 = row(&[t("2"), t("b"), Value::Null]);
    let r3 = row(&[t("3"), t("c"), Value::Null]);
    let old = OldTuple::Key(row(&[t("1"), Value::Null, Value::Null]));
    let changes = [
        Change::Insert { shape: &shape, new: &r1 },
        Change::Insert { shape: &shape, new: &r2 },
        Change::Insert { shape: &other, new: &r3 },
        Change::Delete { shape: &shape, old: &old },
        Change::Insert { shape: &shape, new: &r3 },
        Change::Update { shape: &shape, old: None, new: &r3 },
    ];
    let s = plan(PG, &changes).unwrap();
    let kinds: Vec<(&str, usize)> =
        s.iter().map(|s| (s.sql.split(' ').next().unwrap(), s.params.len())).collect();
    assert_eq!(
        kinds,
        vec![("INSERT", 6), ("INSERT", 3), ("DELETE", 1), ("INSERT", 3), ("UPDATE", 3)]
    );
    assert!(s[1].sql.contains("\"App\".\"other\""));
    assert_eq!(s[0].expect, Expect::Exactly(2));
}

#[test]
fn fill_leaves_unknown_placeholders() {
    assert_eq!(fill("A {x} {y} {", &[("x", "{y}")]), "A {y} {y} {");
}

#[test]
fn bulk_upsert_reads_one_text_array_per_column() {
    let (sql, expect) = bulk::upsert(&keyed(), 3);
    assert_eq!(
        sql,
        format!(
            "INSERT INTO \"App\".\"order\" (\"id\", \"Name\", \"select\") SELECT r.c1::{I8}, \
             r.c2::{TX}, r.c3::{NU} FROM unnest($1::text[], $2::text[], $3::text[]) AS r(c1, c2, \
             c3) ON CONFLICT (\"id\") DO UPDATE SET \"Name\" = EXCLUDED.\"Name\", \"select\" = \
             EXCLUDED.\"select\""
        )
    );
    assert_eq!(expect, Expect::Exactly(3));
}

#[test]
fn inserts_override_a_generated_always_identity_key() {
    let shape = TableShape { overriding: true, ..keyed() };
    let (sql, _) = bulk::upsert(&shape, 3);
    assert!(
        sql.starts_with(
            "INSERT INTO \"App\".\"order\" (\"id\", \"Name\", \"select\") OVERRIDING SYSTEM \
             VALUE SELECT "
        ),
        "{sql}"
    );
    let row = Tuple(vec![t("1"), t("x"), t("2")]);
    let statement = upsert_rows(PG, &shape, &[&row]).unwrap().remove(0);
    assert!(statement.sql.contains(") OVERRIDING SYSTEM VALUE VALUES ("), "{}", statement.sql);
    let (sql, _) = bulk::upsert(&keyed(), 3);
    assert!(!sql.contains("OVERRIDING"), "{sql}");
}

#[test]
fn bulk_keys_only_does_nothing_and_keyless_inserts_with_array_casts() {
    let rel = relation(ReplicaIdentity::Default, &[("a", true), ("b", true)]);
    let shape = TableShape::from_relation(&rel, &["b", "a"], types(2)).unwrap();
    let (sql, expect) = bulk::upsert(&shape, 2);
    assert!(sql.ends_with(" ON CONFLICT (\"b\", \"a\") DO NOTHING"), "{sql}");
    assert_eq!(expect, Expect::AtMost(2));
    let rel = relation(
        ReplicaIdentity::Full,
        &[("id", false), ("n", false), ("x", false), ("arr", false)],
    );
    let shape = TableShape::from_relation(&rel, &[], types(4)).unwrap();
    let (sql, expect) = bulk::upsert(&shape, 5);
    assert_eq!(
        sql,
        format!(
            "INSERT INTO \"App\".\"order\" (\"id\", \"n\", \"x\", \"arr\") SELECT r.c1::{I8}, \
             r.c2::{TX}, r.c3::{NU}, r.c4::\"pg_catalog\".\"int4\"[] FROM unnest($1::text[], \
             $2::text[], $3::text[], $4::text[]) AS r(c1, c2, c3, c4)"
        )
    );
    assert_eq!(expect, Expect::Exactly(5));
    assert_eq!(bulk::delete(&shape, 1), None, "no bulk delete without a key");
}

#[test]
fn bulk_delete_joins_the_key_arrays_in_key_order() {
    let rel = relation(ReplicaIdentity::Default, &[("a", true), ("we\"ird", true), ("v", false)]);
    let shape = TableShape::from_relation(&rel, &["we\"ird", "a"], types(3)).unwrap();
    let (sql, expect) = bulk::delete(&shape, 4).unwrap();
    assert_eq!(
        sql,
        format!(
            "DELETE FROM \"App\".\"order\" AS t USING unnest($1::text[], $2::text[]) AS r(c1, c2) \
             WHERE t.\"we\"\"ird\" = r.c1::{TX} AND t.\"a\" = r.c2::{I8}"
        )
    );
    assert_eq!(expect, Expect::AtMost(4));
}

#[test]
fn bulk_copy_lists_every_column_in_order() {
    let rel = relation(ReplicaIdentity::Default, &[("a", true), ("we\"ird", false)]);
    let shape = TableShape::from_relation(&rel, &["a"], types(2)).unwrap();
    assert_eq!(bulk::copy_in(&shape), "COPY \"App\".\"order\" (\"a\", \"we\"\"ird\") FROM STDIN");
}
