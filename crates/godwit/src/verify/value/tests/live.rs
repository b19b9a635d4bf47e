//! The value layer against real PostgreSQL 15: every value of the type matrix (and a table of
//! random values) read as text under the pinned session settings and in binary must
//! canonicalise; floats' canonical text must be their binary bits; key encodings of the text
//! and binary forms must agree and print back; and `ORDER BY col<order_suffix>` must be the
//! byte order of the encodings. Timestamptz text printed in other time zones must equal UTC's.

use godwit_test_support::matrix::{MATRIX_DATA, MATRIX_DDL};
use godwit_test_support::test_db;
use tokio_postgres::Client;
use tokio_postgres::types::{FromSql, Type};

use super::super::{Family, canonical_text, key_binary, key_binary_to_text, key_text};
use crate::dialect::{Dialect, quote_ident, quote_qualified};

const PINNED: &str = "set timezone = 'UTC'; set extra_float_digits = 3; \
    set datestyle = 'ISO, MDY'; set intervalstyle = 'postgres'; set bytea_output = 'hex';";

/// Any column's binary (send) bytes.
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// (schema, table, column, format_type) of every column to check.
async fn columns(client: &Client) -> Vec<(String, String, String, String)> {
    let sql = "select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) \
        from pg_attribute a join pg_class c on c.oid = a.attrelid \
        join pg_namespace n on n.oid = c.relnamespace \
        where n.nspname in ('matrix', 'public') and c.relkind = 'r' and a.attnum > 0 \
        and not a.attisdropped order by 1, 2, a.attnum";
    let rows = client.query(sql, &[]).await.unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()
}

/// Checks one value; returns a description of what failed.
fn check_value(family: &Family, text: &str, raw: &[u8]) -> Option<String> {
    let mut canonical = Vec::new();
    if let Err(e) = canonical_text(family, text.as_bytes(), &mut canonical) {
        return Some(format!("canonical_text: {e}"));
    }
    let float = matches!(family, Family::Float4 | Family::Float8);
    if float && text != "NaN" && canonical != raw {
        return Some("float text is not the binary value".to_owned());
    }
    if !family.orderable() {
        return None;
    }
    let (mut from_text, mut from_binary, mut printed) = (Vec::new(), Vec::new(), Vec::new());
    let back = key_text(family, text.as_bytes(), &mut from_text)
        .and_then(|()| key_binary(family, raw, &mut from_binary))
        .and_then(|()| key_binary_to_text(family, raw))
        .and_then(|back| key_text(family, back.as_bytes(), &mut printed).map(|()| back));
    let back = match back {
        Ok(back) => back,
        Err(e) => return Some(format!("key: {e}")),
    };
    if from_text != from_binary || printed != from_binary {
        return Some(format!("key encodings differ (printed back as {back:.60})"));
    }
    // `::text` of bpchar trims, of bool spells out; the output function gives `t`/padding.
    let expected = !matches!(family, Family::Bool | Family::Char);
    (expected && back != text).then(|| format!("printed back as {back:.60}"))
}

/// Values of one column in the database's key order must have increasing encodings.
async fn check_order(
    client: &Client,
    table: &str,
    column: &str,
    family: &Family,
) -> Option<String> {
    let sql = format!(
        "select {column} from {table} where {column} is not null group by {column} order by {column}{}",
        family.order_suffix(Dialect::Postgres)
    );
    let rows = client.query(&sql, &[]).await.unwrap();
    let mut previous: Option<Vec<u8>> = None;
    for row in rows {
        let raw: Raw = row.get(0);
        let mut key = Vec::new();
        key_binary(family, &raw.0, &mut key).unwrap();
        if previous.as_ref().is_some_and(|p| *p >= key) {
            return Some("ORDER BY differs from the encoding order".to_owned());
        }
        previous = Some(key);
    }
    None
}

#[tokio::test]
async fn postgres_text_and_binary_forms_agree() {
    let db = test_db().await;
    db.execute_script(MATRIX_DDL).await;
    db.execute_script(MATRIX_DATA).await;
    db.execute_script(include_str!("generated.sql")).await;
    let client = db.client();
    client.batch_execute(PINNED).await.unwrap();
    let (mut failures, mut checked) = (Vec::new(), 0);
    for (schema, table, column, data_type) in columns(client).await {
        let family = Family::of(&data_type, Dialect::Postgres);
        let (table, column) = (quote_qualified(&schema, &table), quote_ident(&column));
        let sql =
            format!("select {column}::text, {column} from {table} where {column} is not null");
        for row in client.query(&sql, &[]).await.unwrap() {
            let (text, raw): (String, Raw) = (row.get(0), row.get(1));
            checked += 1;
            if let Some(problem) = check_value(&family, &text, &raw.0) {
                failures.push(format!("{table}.{column} ({data_type}) {text:.60}: {problem}"));
            }
        }
        if family.orderable() {
            if let Some(problem) = check_order(client, &table, &column, &family).await {
                failures.push(format!("{table}.{column} ({data_type}): {problem}"));
            }
        }
    }
    assert!(checked > 50_000, "only {checked} values checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn timestamptz_text_in_any_zone_is_the_same_instant() {
    let db = test_db().await;
    db.execute_script(include_str!("generated.sql")).await;
    let client = db.client();
    client.batch_execute(PINNED).await.unwrap();
    let sql = "select tstz::text from public.generated where tstz is not null order by i";
    let utc: Vec<String> = client.query(sql, &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    // Zones with quarter-hour, half-hour and (before 1900) local-mean-time offsets in seconds.
    for zone in ["Asia/Kathmandu", "America/St_Johns", "Europe/Amsterdam", "Pacific/Chatham"] {
        client.batch_execute(&format!("set timezone = '{zone}'")).await.unwrap();
        let zoned = client.query(sql, &[]).await.unwrap();
        for (utc, row) in utc.iter().zip(zoned) {
            let zoned: String = row.get(0);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            canonical_text(&Family::TimestampTz, utc.as_bytes(), &mut a).unwrap();
            canonical_text(&Family::TimestampTz, zoned.as_bytes(), &mut b).unwrap();
            assert_eq!(a, b, "{zone}: {utc} vs {zoned}");
        }
    }
}
