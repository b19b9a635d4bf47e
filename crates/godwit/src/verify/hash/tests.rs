//! Unit tests of hash mode's statements and result parsing (no database).

use super::expr::tests::{PG, check, col};
use super::*;
use crate::verify::rows::Compare;
use crate::verify::value::Family;

fn sample(dialects: [Dialect; 2]) -> TableCheck {
    let compare = if dialects == PG { Compare::Raw } else { Compare::Typed };
    check(
        vec![col("id", Family::Int, compare, Some(0)), col("v", Family::Text, compare, None)],
        dialects,
    )
}

#[test]
fn postgres_checksums_read_only_the_table_in_the_range() {
    let c = sample(PG);
    let plan = HashPlan::new(&c, Flavor::Native).unwrap();
    let sql = fill(CHECKSUM, &c, &plan, (SOURCE, None), " WHERE (\"id\") >= ('5'::integer)");
    assert_eq!(
        sql,
        r#"COPY (SELECT count(*), coalesce(sum(hash_record_extended(ROW("id", "v" COLLATE "C"), "id"::bigint)), 0)::text FROM ONLY "s"."t" WHERE ("id") >= ('5'::integer)) TO STDOUT"#
    );
    let sql = fill(BUCKETS, &c, &plan, (TARGET, None), "");
    assert_eq!(
        sql,
        r#"COPY (SELECT b, count(*), coalesce(sum(h), 0)::text FROM (SELECT (hashint8extended("id"::bigint, 1) & 1023) AS b, hash_record_extended(ROW("id", "v" COLLATE "C"), "id"::bigint) AS h FROM ONLY "s"."t" OFFSET 0) AS s GROUP BY b) TO STDOUT"#
    );
}

#[test]
fn cockroach_checksums_read_at_the_run_timestamp() {
    let c = sample([Dialect::Postgres, Dialect::Cockroach]);
    let plan = HashPlan::new(&c, Flavor::Portable).unwrap();
    let item = |t: &str| format!("coalesce(length({t})::text || ':' || {t}, 'N')");
    let row = format!("{} || ',' || {}", item(r#""id"::text"#), item(r#""v"::text"#));
    let sql = fill(BUCKETS, &c, &plan, (TARGET, Some("1701102296662969433.0000000000")), "");
    assert_eq!(
        sql,
        format!(
            "COPY (SELECT b, count(*), coalesce(sum(h), 0)::text FROM (SELECT substr(md5({}), 1, 3) AS b, ('x' || substr(md5({row}), 1, 15))::bit(60)::bigint AS h FROM \"s\".\"t\" AS OF SYSTEM TIME '1701102296662969433.0000000000' OFFSET 0) AS s GROUP BY b) TO STDOUT",
            item(r#""id"::text"#)
        )
    );
    // The PostgreSQL side of the same pair reads with ONLY and the same expressions.
    let sql = fill(CHECKSUM, &c, &plan, (SOURCE, None), "");
    assert!(sql.contains("FROM ONLY \"s\".\"t\")"), "{sql}");
    assert!(sql.contains(&row), "{sql}");
}

#[test]
fn checksum_results_are_parsed_strictly() {
    let c = sample(PG);
    let plan = HashPlan::new(&c, Flavor::Native).unwrap();
    let lines = parse_lines(b"12\t-4663549458040081702567\n");
    assert_eq!(single(&lines, &c).unwrap(), (12, "-4663549458040081702567".to_owned()));
    assert!(single(&parse_lines(b"0\t0\n"), &c).is_ok());
    for bad in [&b""[..], b"1\t2\n3\t4\n", b"1\t1.5E+3\n", b"x\t1\n", b"1\t\\N\n", b"1\t2\t3\n"] {
        assert!(single(&parse_lines(bad), &c).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    let b = buckets(&parse_lines(b"3\t2\t10\n1000\t1\t-7\n"), &plan, &c).unwrap();
    assert_eq!(b.get("1000"), Some(&(1, "-7".to_owned())));
    assert!(buckets(&parse_lines(b"3); drop table x; --\t2\t10\n"), &plan, &c).is_err());
}

#[test]
fn drilled_outcomes_take_the_range_counts() {
    let live = Live::default();
    let mut drilled = RangeOutcome::new(2);
    (drilled.source_rows, drilled.target_rows, drilled.matched) = (5, 6, 3);
    (drilled.missing, drilled.extraneous, drilled.mismatched) = (1, 2, 1);
    let out = with_counts(drilled, [1000, 1001], &live);
    assert_eq!((out.source_rows, out.target_rows, out.matched), (1000, 1001, 998));
    assert_eq!((out.missing, out.extraneous, out.mismatched), (1, 2, 1));
    assert_eq!(live.read().0, 995);
}
