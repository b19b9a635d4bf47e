use super::*;

fn column(name: &str, data_type: &str) -> FixColumn {
    FixColumn {
        name: name.into(),
        data_type: data_type.into(),
        generated: false,
        identity_always: false,
    }
}

fn table(key: Vec<usize>) -> FixTable {
    let mut total = column("total", "numeric(10,2)");
    total.generated = false;
    let mut doubled = column("doubled", "integer");
    doubled.generated = true;
    FixTable {
        schema: "shop".into(),
        name: "Order".into(),
        columns: vec![column("id", "bigint"), column("note", "text"), total, doubled],
        key,
    }
}

fn diff(kind: DiffKind, key: &[Option<&str>], columns: Vec<usize>) -> Diff {
    Diff { kind, key: key.iter().map(|v| v.map(str::to_owned)).collect(), columns }
}

fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
    values.iter().map(|v| v.map(str::to_owned)).collect()
}

#[test]
fn inserts_every_written_column_as_typed_literals() {
    let sql = insert(&table(vec![0]), &row(&[Some("7"), Some("it's"), None, Some("14")]));
    assert_eq!(
        sql,
        r#"INSERT INTO "shop"."Order" ("id", "note", "total") VALUES ('7'::bigint, 'it''s'::text, NULL)"#
    );
}

#[test]
fn identity_always_columns_are_inserted_overriding_the_system_value() {
    let mut t = table(vec![0]);
    t.columns[0].identity_always = true;
    let sql = insert(&t, &row(&[Some("1"), None, None, None]));
    assert!(sql.contains(") OVERRIDING SYSTEM VALUE VALUES ("), "{sql}");
}

#[test]
fn updates_only_the_differing_written_columns_by_key() {
    let t = table(vec![0]);
    let d = diff(DiffKind::Mismatched, &[Some("7")], vec![2, 3]);
    let sql = update(&t, &d, &row(&[Some("7"), Some("x"), Some("1.50"), Some("14")]));
    assert_eq!(
        sql.as_deref(),
        Some(
            r#"UPDATE "shop"."Order" SET "total" = '1.50'::numeric(10,2) WHERE "id" = '7'::bigint"#
        )
    );
    let only_generated = diff(DiffKind::Mismatched, &[Some("7")], vec![3]);
    assert_eq!(update(&t, &only_generated, &row(&[Some("7"), None, None, Some("1")])), None);
}

#[test]
fn deletes_by_key_and_keyless_rows_one_at_a_time() {
    let t = table(vec![0, 1]);
    assert_eq!(
        delete_by_key(&t, &row(&[Some("1"), Some("a")])),
        r#"DELETE FROM "shop"."Order" WHERE "id" = '1'::bigint AND "note" = 'a'::text"#
    );
    let keyless = table(Vec::new());
    let d = diff(DiffKind::Extraneous, &[Some("1"), None, Some("2.00"), Some("2")], Vec::new());
    let pg = delete_one(Dialect::Postgres, &keyless, &d);
    assert!(pg.starts_with(r#"DELETE FROM "shop"."Order" WHERE ctid = (SELECT ctid FROM "shop"."Order" WHERE "id"::text IS NOT DISTINCT FROM '1' AND "note"::text IS NOT DISTINCT FROM NULL"#), "{pg}");
    assert!(pg.ends_with(" LIMIT 1)"), "{pg}");
    let crdb = delete_one(Dialect::Cockroach, &keyless, &d);
    assert!(crdb.ends_with("\"doubled\"::text IS NOT DISTINCT FROM '2' LIMIT 1"), "{crdb}");
}

#[test]
fn source_lookup_joins_on_numbered_typed_keys() {
    let t = table(vec![0, 1]);
    let a = diff(DiffKind::Missing, &[Some("1"), Some("a")], Vec::new());
    let b = diff(DiffKind::Mismatched, &[Some("2"), Some("b'c")], vec![2]);
    let sql = lookup_sql(&t, &[&a, &b], 500);
    assert_eq!(
        sql,
        "SELECT k.ord, t.\"id\"::text, t.\"note\"::text, t.\"total\"::text, t.\"doubled\"::text\n\
         FROM \"shop\".\"Order\" AS t\n\
         JOIN (VALUES (500::int4, '1'::bigint, 'a'::text), (501::int4, '2'::bigint, 'b''c'::text)) \
         AS k (ord, k0, k1) ON t.\"id\" = k.k0 AND t.\"note\" = k.k1"
    );
}
