//! Shards for every kind of key: text (with an ICU collation that orders unlike the
//! database's), uuid and composite keys, and tables without a key (ctid pages), each split
//! into several shards, copied exactly, with stored bounds that cover every key once;
//! and a text-keyed table resumed after a crash without loss or duplicates.
//!
//! Coverage is checked independently of godwit's predicates: the stored bounds are decoded
//! here and the source rows of each shard counted with a comparison written here.

use godwit::event::Event;
use godwit::fetch::{FetchOptions, TableHandling, fetch};
use godwit_test_support::test_db;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::{fingerprint, pair, params};

/// Small enough that the tables below (a few MB each) split into several shards.
const SHARD_BYTES: u64 = 512 * 1024;

const KEYS_DDL: &str = r#"
create table public.texts (k text collate "und-x-icu" primary key, v int);
create table public.uuids (id uuid primary key, v text);
create table public."Pairs" ("Grp" int, "end" text, v int, primary key ("Grp", "end"));
create table public.wide_pairs (a int, b text, v int, primary key (a, b));
create table public.heap (a int, b text);
"#;

const KEYS_DATA: &str = r#"
insert into public.texts
select case i % 4 when 0 then 'O''Brien ' when 1 then 'o"brien\ ' when 2 then 'Émile ✓ '
       else 'zed ' end || i, i
from generate_series(1, 40000) i;
insert into public.uuids select gen_random_uuid(), repeat('u', i % 30) from generate_series(1, 30000) i;
insert into public."Pairs" select i % 5 * 7, 'e' || i, i from generate_series(1, 40000) i;
insert into public.wide_pairs select i / 2, 'b' || (i % 2), i from generate_series(1, 40000) i;
insert into public.heap select i, md5(i::text) from generate_series(1, 40000) i;
delete from public.heap where a % 10 = 0;
analyze;
"#;

/// Key columns (quoted) with the type and collation their bounds compare as; empty: no key,
/// bounds are ctid pages.
type Key<'a> = &'a [(&'a str, &'a str)];

/// Table, key, and the arity its stored bounds have: 1 from the first column's histogram,
/// the key length from a sample.
const KEYS_TABLES: [(&str, Key, usize); 5] = [
    ("public.texts", &[("k", r#"text collate "und-x-icu""#)], 1),
    ("public.uuids", &[("id", "uuid")], 1),
    (r#"public."Pairs""#, &[(r#""Grp""#, "int"), (r#""end""#, "text")], 2),
    ("public.wide_pairs", &[("a", "int"), ("b", "text")], 1),
    ("public.heap", &[], 0),
];

#[tokio::test]
async fn every_kind_of_key_is_split_and_copied_exactly() {
    let (source, target) = pair(KEYS_DDL).await;
    source.execute_script(KEYS_DATA).await;
    let options = FetchOptions { shard_bytes: SHARD_BYTES, jobs: 3, ..FetchOptions::default() };
    let result =
        fetch(&params(&source), &params(&target), &options, &|_e: Event| {}).await.unwrap();
    let exceptions = target.client().query("select message from _godwit.exceptions", &[]);
    let exceptions: Vec<String> = exceptions.await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(result.failed.is_empty(), "{:?}: {exceptions:?}", result.failed);
    for (table, key, arity) in KEYS_TABLES {
        assert_eq!(
            fingerprint(target.client(), table).await,
            fingerprint(source.client(), table).await,
            "{table}"
        );
        let bounds = assert_shards_cover(source.client(), target.client(), table, key).await;
        assert!(bounds.len() >= 3, "{table}: {} shards", bounds.len() + 1);
        let arities: Vec<_> = bounds.iter().map(Vec::len).collect();
        assert!(arities.iter().all(|&n| n == arity.max(1)), "{table}: {arities:?}");
    }
}

#[tokio::test]
async fn a_text_keyed_table_resumes_without_loss_or_duplicates() {
    let source = test_db().await;
    let target = test_db().await;
    source
        .execute_script(
            r#"create table t ("Key" text primary key, v text);
               insert into t select 'key ''' || md5(i::text), repeat('v', i % 50)
               from generate_series(1, 30000) i;
               analyze;"#,
        )
        .await;
    // No key on the target: a row copied twice would stay visible.
    target.execute_script(r#"create table t ("Key" text, v text);"#).await;
    let (src, dst) = (params(&source), params(&target));
    let crash = FetchOptions {
        shard_bytes: SHARD_BYTES,
        fail_after_shards: Some(3),
        ..FetchOptions::default()
    };
    let err = fetch(&src, &dst, &crash, &|_e: Event| {}).await.unwrap_err();
    assert!(err.message().contains("fail_after_shards"), "{}", err.message());
    let total = shard_count(target.client(), "any").await;
    let done = shard_count(target.client(), "done").await;
    assert!(total >= 5 && done >= 3 && done < total, "{done} of {total} shards done");
    assert_shards_cover(source.client(), target.client(), "t", &[(r#""Key""#, "text")]).await;
    // A source change between the runs: the new snapshot sees a key in some middle shard.
    source.execute_script("insert into t values ('key ''8', 'late');").await;
    let resume = FetchOptions {
        shard_bytes: SHARD_BYTES * 4,
        table_handling: TableHandling::TruncateIfExists,
        ..FetchOptions::default()
    };
    let result = fetch(&src, &dst, &resume, &|_e: Event| {}).await.unwrap();
    assert!(result.resumed_from_new_snapshot && result.failed.is_empty());
    assert_eq!(result.tables[0].shards, total - done, "done shards are not redone");
    assert_eq!(shard_count(target.client(), "done").await, total, "stored bounds reused");
    let (rows, hash) = fingerprint(target.client(), "t").await;
    let (source_rows, _) = fingerprint(source.client(), "t").await;
    let distinct: i64 = target
        .client()
        .query_one(r#"select count(distinct "Key") from t"#, &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(distinct, rows, "no key copied twice");
    let late: i64 = target
        .client()
        .query_one("select count(*) from t where v = 'late'", &[])
        .await
        .unwrap()
        .get(0);
    // The late row is copied when its shard was not done before the crash; either way every
    // row of the first snapshot is there exactly once.
    assert_eq!(rows, source_rows - 1 + late, "{hash:?}");
}

/// Shards of the latest run of the target with `status` (`any`: all).
async fn shard_count(target: &Client, status: &str) -> usize {
    let sql = "select count(*) from _godwit.shards where $1 in ('any', status)";
    let n: i64 = target.query_one(sql, &[&status]).await.unwrap().get(0);
    usize::try_from(n).unwrap()
}

/// Check that the stored shards of `table` chain from open below to open above with strictly
/// increasing bounds (compared on the source as `key`'s types), and that counting the source
/// rows of every shard sums to the table's rows and matches each shard's recorded rows.
/// Returns the inner bounds, decoded. `key` empty means ctid page bounds.
async fn assert_shards_cover(
    source: &Client,
    target: &Client,
    table: &str,
    key: Key<'_>,
) -> Vec<Vec<String>> {
    let name = table.rsplit('.').next().unwrap().trim_matches('"');
    let rows = target
        .query(
            "select lower, upper, rows from _godwit.shards where table_name = $1 order by shard",
            &[&name],
        )
        .await
        .unwrap();
    let shards: Vec<(Option<String>, Option<String>, Option<i64>)> =
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert!(shards.first().unwrap().0.is_none() && shards.last().unwrap().1.is_none(), "{table}");
    for w in shards.windows(2) {
        assert_eq!(w[0].1, w[1].0, "{table}: each shard starts where the previous ends");
    }
    let bounds: Vec<Vec<String>> =
        shards.iter().filter_map(|s| s.1.as_deref()).map(|b| decode(b, key)).collect();
    for w in bounds.windows(2) {
        let sql = format!(
            "select {} < {}",
            typed(key, w[0].len(), 1),
            typed(key, w[1].len(), 1 + w[0].len())
        );
        let args: Vec<&(dyn ToSql + Sync)> =
            w[0].iter().chain(&w[1]).map(|v| v as &(dyn ToSql + Sync)).collect();
        let increasing: bool = source.query_one(&sql, &args).await.unwrap().get(0);
        assert!(increasing, "{table}: bounds out of order");
    }
    let mut counts = Vec::new();
    for (lower, upper, recorded) in &shards {
        let count = count_between(source, table, key, lower, upper).await;
        if let Some(recorded) = recorded {
            assert_eq!(*recorded, count, "{table}: a shard's recorded rows");
        }
        counts.push(count);
    }
    let sum: i64 = counts.iter().sum();
    eprintln!("{table}: rows per shard {counts:?}");
    let total: i64 =
        source.query_one(&format!("select count(*) from {table}"), &[]).await.unwrap().get(0);
    assert_eq!(sum, total, "{table}: the shards cover every row once");
    bounds
}

/// The stored text of a bound as its values: a JSON array of strings, or `(page,0)`.
fn decode(stored: &str, key: Key<'_>) -> Vec<String> {
    if key.is_empty() {
        assert!(stored.starts_with('(') && stored.ends_with(",0)"), "{stored}");
        return vec![stored.to_owned()];
    }
    serde_json::from_str(stored).unwrap_or_else(|e| panic!("{stored}: {e}"))
}

/// `(cols) <op> ($n::text::type, ...)`-ready pieces: the row of the first `arity` key columns
/// (or `ctid`) as parameters from `$first`.
fn typed(key: Key<'_>, arity: usize, first: usize) -> String {
    if key.is_empty() {
        return format!("${first}::text::tid");
    }
    let items: Vec<_> = key[..arity]
        .iter()
        .enumerate()
        .map(|(i, (_, t))| format!("${}::text::{t}", first + i))
        .collect();
    format!("({})", items.join(", "))
}

/// Source rows with `lower <= key < upper`, open ends unbounded.
async fn count_between(
    source: &Client,
    table: &str,
    key: Key<'_>,
    lower: &Option<String>,
    upper: &Option<String>,
) -> i64 {
    let mut conditions = vec!["true".to_owned()];
    let mut args: Vec<String> = Vec::new();
    for (bound, op) in [(lower, ">="), (upper, "<")] {
        let Some(bound) = bound else { continue };
        let values = decode(bound, key);
        let cols = if key.is_empty() {
            "ctid".to_owned()
        } else {
            format!(
                "({})",
                key[..values.len()].iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
            )
        };
        conditions.push(format!("{cols} {op} {}", typed(key, values.len(), args.len() + 1)));
        args.extend(values);
    }
    let sql = format!("select count(*) from {table} where {}", conditions.join(" and "));
    let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
    source.query_one(&sql, &args).await.unwrap().get(0)
}
