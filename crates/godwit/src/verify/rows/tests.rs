//! Unit tests of the merge-join over synthetic binary COPY streams (no database).

use bytes::Bytes;
use futures_util::stream;

use super::check::{CheckColumn, Compare, TableCheck};
use super::cursor::Cursor;
use super::merge::{Limits, Live, RangeOutcome, merge};
use super::{SOURCE, TARGET};
use crate::dialect::Dialect;
use crate::fetch::plan::{KeyColumn, TablePlan};
use crate::verify::value::Family;
use crate::verify::{Diff, DiffKind, Method};

fn column(name: &str, compare: Compare, family: Family, key: Option<usize>) -> CheckColumn {
    CheckColumn {
        name: name.into(),
        compare,
        families: [family.clone(), family],
        key_position: key,
    }
}

/// `s.t (id int4, name text, v text)` keyed by (id, name), PostgreSQL to `target`.
pub(super) fn sample_check(target: Dialect) -> TableCheck {
    let compare = if target == Dialect::Postgres { Compare::Raw } else { Compare::Typed };
    let key = |name: &str, t: &str| KeyColumn {
        name: name.into(),
        data_type: t.into(),
        collation: None,
        array: false,
    };
    TableCheck {
        schema: "s".into(),
        name: "t".into(),
        columns: vec![
            column("id", compare, Family::Int, Some(0)),
            column("name", compare, Family::Text, Some(1)),
            column("v", compare, Family::Text, None),
        ],
        key: vec![0, 1],
        method: Method::Key,
        dialects: [Dialect::Postgres, target],
        plan: TablePlan {
            schema: "s".into(),
            name: "t".into(),
            columns: vec!["id".into(), "name".into(), "v".into()],
            casts: Vec::new(),
            key: vec![key("id", "integer"), key("name", "text")],
            estimated_rows: 0,
            total_bytes: 0,
        },
    }
}

/// `(id int4 key, v text)`, both sides PostgreSQL, compared raw.
fn raw_check() -> TableCheck {
    let mut check = sample_check(Dialect::Postgres);
    check.columns.remove(1);
    check.plan.key.truncate(1);
    check.key = vec![0];
    check
}

/// A binary COPY stream of `(int4, text)` rows.
fn binary(rows: &[(i32, Option<&str>)]) -> Vec<u8> {
    let mut s = b"PGCOPY\n\xff\r\n\0".to_vec();
    s.extend_from_slice(&[0; 8]);
    for (id, v) in rows {
        s.extend_from_slice(&2i16.to_be_bytes());
        s.extend_from_slice(&4i32.to_be_bytes());
        s.extend_from_slice(&id.to_be_bytes());
        match v {
            Some(v) => {
                s.extend_from_slice(&(v.len() as i32).to_be_bytes());
                s.extend_from_slice(v.as_bytes());
            }
            None => s.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
    s.extend_from_slice(&(-1i16).to_be_bytes());
    s
}

type Chunks = stream::Iter<std::vec::IntoIter<Result<Bytes, tokio_postgres::Error>>>;

fn cursor(data: &[u8], chunk: usize, side: usize) -> Cursor<Chunks> {
    let chunks: Vec<_> = data.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    Cursor::new(stream::iter(chunks), Dialect::Postgres, side)
}

async fn run(src: &[u8], tgt: &[u8], chunk: usize, limits: Limits) -> RangeOutcome {
    let check = raw_check();
    let (mut a, mut b) = (cursor(src, chunk, SOURCE), cursor(tgt, chunk, TARGET));
    merge(&check, &mut a, &mut b, limits, &Live::default()).await.unwrap()
}

fn key(id: &str) -> Vec<Option<String>> {
    vec![Some(id.into())]
}

const ALL: Limits = Limits { samples: 10, diffs: 100 };

#[tokio::test]
async fn merge_finds_missing_extraneous_and_mismatched_rows() {
    let src =
        binary(&[(-7, Some("m")), (1, Some("a")), (2, Some("b")), (3, Some("c")), (5, Some(""))]);
    let tgt = binary(&[(1, Some("a")), (3, Some("X")), (4, Some("d")), (5, None), (6, Some("f"))]);
    for chunk in [1, 3, 7, 64, 4096] {
        let out = run(&src, &tgt, chunk, ALL).await;
        assert_eq!((out.source_rows, out.target_rows), (5, 5), "chunks of {chunk}");
        assert_eq!((out.matched, out.missing, out.extraneous, out.mismatched), (1, 2, 2, 2));
        assert_eq!(out.mismatched_columns, vec![0, 2]);
        assert_eq!(out.samples.missing, vec![key("-7"), key("2")]);
        assert_eq!(out.samples.extraneous, vec![key("4"), key("6")]);
        assert_eq!(out.samples.mismatched, vec![key("3"), key("5")]);
        let mismatch = Diff { kind: DiffKind::Mismatched, key: key("3"), columns: vec![1] };
        assert_eq!(out.diffs.len(), 6);
        assert!(out.diffs.contains(&mismatch));
        assert!(!out.diffs_truncated);
    }
}

#[tokio::test]
async fn merge_of_equal_or_empty_streams_finds_nothing() {
    let rows = binary(&[(1, Some("a")), (2, None), (3, Some(""))]);
    let out = run(&rows, &rows, 5, ALL).await;
    assert_eq!((out.matched, out.missing + out.extraneous + out.mismatched), (3, 0));
    let empty = binary(&[]);
    let out = run(&empty, &rows, 5, ALL).await;
    assert_eq!((out.source_rows, out.extraneous, out.matched), (0, 3, 0));
}

#[tokio::test]
async fn limits_bound_samples_and_diffs_but_not_counts() {
    let src = binary(&[(1, None), (2, None), (3, None), (4, None)]);
    let out = run(&src, &binary(&[]), 2, Limits { samples: 1, diffs: 3 }).await;
    assert_eq!(out.missing, 4);
    assert_eq!(out.samples.missing, vec![key("1")]);
    assert_eq!((out.diffs.len(), out.diffs_truncated), (3, true));
}

#[tokio::test]
async fn a_truncated_stream_is_an_error() {
    let src = binary(&[(1, Some("a")), (2, Some("b"))]);
    let cut = &src[..src.len() - 3];
    let check = raw_check();
    let (mut a, mut b) = (cursor(cut, 4, SOURCE), cursor(&src, 4, TARGET));
    assert!(merge(&check, &mut a, &mut b, ALL, &Live::default()).await.is_err());
}

#[test]
fn outcomes_of_later_ranges_are_absorbed_within_limits() {
    let limits = Limits { samples: 2, diffs: 2 };
    let mut first = RangeOutcome::new(2);
    first.record(DiffKind::Missing, Vec::new(), limits, || Ok(key("1"))).unwrap();
    let mut second = RangeOutcome::new(2);
    second.matched = 5;
    second.record(DiffKind::Mismatched, vec![1], limits, || Ok(key("7"))).unwrap();
    second.record(DiffKind::Missing, Vec::new(), limits, || Ok(key("8"))).unwrap();
    first.absorb(second, limits);
    assert_eq!((first.matched, first.missing, first.mismatched), (5, 2, 1));
    assert_eq!(first.mismatched_columns, vec![0, 1]);
    assert_eq!(first.samples.missing, vec![key("1"), key("8")]);
    assert_eq!((first.diffs.len(), first.diffs_truncated), (2, true));
}

/// A binary COPY stream of `(int4, text, text)` rows.
fn binary3(rows: &[(i32, &str, Option<&str>)]) -> Vec<u8> {
    let mut s = b"PGCOPY\n\xff\r\n\0".to_vec();
    s.extend_from_slice(&[0; 8]);
    for (id, name, v) in rows {
        s.extend_from_slice(&3i16.to_be_bytes());
        s.extend_from_slice(&4i32.to_be_bytes());
        s.extend_from_slice(&id.to_be_bytes());
        s.extend_from_slice(&(name.len() as i32).to_be_bytes());
        s.extend_from_slice(name.as_bytes());
        match v {
            Some(v) => {
                s.extend_from_slice(&(v.len() as i32).to_be_bytes());
                s.extend_from_slice(v.as_bytes());
            }
            None => s.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
    s.extend_from_slice(&(-1i16).to_be_bytes());
    s
}

/// PostgreSQL (binary, keys raw) against CockroachDB (text COPY): keys in byte order on both
/// sides, typed values compared by canonical form, NULL against empty string a difference.
#[tokio::test]
async fn merge_joins_binary_postgres_with_text_cockroach() {
    let check = sample_check(Dialect::Cockroach);
    let src =
        binary3(&[(1, "B", Some("x")), (1, "a", Some("")), (1, "ä", Some("y")), (2, "x", None)]);
    let tgt = b"1\tB\tx\n1\ta\t\\N\n2\tx\t\\N\n3\tz\tq\n";
    for chunk in [1, 4, 4096] {
        let chunks: Vec<_> = tgt.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let mut b = Cursor::new(stream::iter(chunks), Dialect::Cockroach, TARGET);
        let mut a = cursor(&src, chunk, SOURCE);
        let out = merge(&check, &mut a, &mut b, ALL, &Live::default()).await.unwrap();
        let k = |id: &str, name: &str| vec![Some(id.to_owned()), Some(name.to_owned())];
        assert_eq!((out.matched, out.missing, out.extraneous, out.mismatched), (2, 1, 1, 1));
        assert_eq!(out.samples.mismatched, vec![k("1", "a")]);
        assert_eq!(out.samples.missing, vec![k("1", "ä")]);
        assert_eq!(out.samples.extraneous, vec![k("3", "z")]);
        assert_eq!(out.mismatched_columns, vec![0, 0, 1]);
    }
}
