//! Hash mode (`--mode hash`): each range is checksummed inside both databases, and only the
//! rows of ranges whose checksums differ cross the network.
//!
//! Per range (the same ranges as rows mode, each side in its snapshot or at its `AS OF SYSTEM
//! TIME`):
//!
//! 1. one query per side returns `count(*)` and the sum of a 64-bit hash of every row
//!    (`expr`: PostgreSQL's own hash functions when both sides are PostgreSQL 14+, an `md5` of a
//!    text both dialects print alike otherwise). Sums are `numeric`/`DECIMAL`, so exact, and
//!    order-independent, so neither side sorts. Equal `(count, sum)` on both sides: the range
//!    is equal (up to a 2^-60 collision) and its rows are counted as matched;
//! 2. otherwise one query per side groups the range's rows into buckets that depend on the
//!    key only (on the whole row without a key) and returns each bucket's count and sum
//!    (once a range of a table has differed, its later ranges start here: see `HashRun`);
//! 3. the rows engine (`rows::compare_range`) compares the range restricted to the
//!    differing buckets (`bucket IN (...)`), with the same counts, samples and diffs as rows
//!    mode. A row whose bucket differs between the sides (a key hashed differently) lies in
//!    two differing buckets, one per side, so it is read on both sides all the same. When
//!    more than a quarter of the buckets differ, the whole range is compared instead.
//!
//! Counts come from steps 1-2 (`source_rows`, `target_rows`), differences from step 3, and
//! `matched = source_rows - missing - mismatched`. A table whose columns cannot be hashed
//! exactly (a type family that differs between the sides) is compared by the rows engine.
//!
//! # Speed
//!
//! Hash mode moves a few lines per range instead of every row, and the client does almost
//! nothing. The databases still read and hash every value, and an exact hash costs about as
//! much per value as the binary send function rows mode calls (`hash/expr.rs` has the
//! measurements). With both databases and the client on one 2-core machine (1M mixed rows,
//! `--jobs 2`, release build) hash mode took 2.65-2.7 s where rows mode took 3.6-3.7 s
//! (1.4x); with 100 differing rows spread over every range, 4.3 s against 3.8 s. The gain
//! grows with the distance to the databases (rows mode sends about 2 x 300 MB there).

mod expr;

use std::collections::BTreeMap;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;

pub(crate) use expr::Flavor;
use expr::HashPlan;

use super::rows::{self, Limits, Live, RangeOutcome, Reader, SOURCE, TARGET, TableCheck};
use crate::dialect::{Dialect, quote_literal};
use crate::error::{Error, Result};
use crate::fetch::plan::Range;

/// When more than one in this many buckets differ, the range is compared whole: the bucket
/// predicate would select a good part of the rows anyway, and it costs a hash per row.
const DRILL_AT_MOST_ONE_IN: usize = 4;

/// One checksum line: rows and the sum of their hashes (decimal text).
type Sum = (u64, String);

/// Hash mode for one run: the checksum family, and per table whether a range of it has
/// differed. Differences tend to come together (a failed load, a lost batch), so once a table
/// has a differing range its later ranges skip the whole-range checksum and go straight to
/// the per-bucket one, which costs about as much and is needed anyway.
#[derive(Debug)]
pub(crate) struct HashRun {
    flavor: Flavor,
    differed: Vec<AtomicBool>,
}

impl HashRun {
    /// Hash mode with `flavor` over `tables` tables.
    pub(crate) fn new(flavor: Flavor, tables: usize) -> HashRun {
        HashRun { flavor, differed: (0..tables).map(|_| AtomicBool::new(false)).collect() }
    }
}

/// Compare `range` of `check` (table number `table` of `run`) with checksums first, rows of
/// differing buckets only.
pub(crate) async fn compare_range(
    check: &TableCheck,
    readers: [&Reader; 2],
    range: &Range,
    (run, table): (&HashRun, usize),
    limits: Limits,
    live: &Live,
) -> Result<RangeOutcome> {
    let Some(plan) = HashPlan::new(check, run.flavor) else {
        return rows::compare_range(check, readers, range, [None, None], limits, live).await;
    };
    let differed = run.differed.get(table);
    if !differed.is_some_and(|d| d.load(Ordering::Relaxed)) {
        let sql = [SOURCE, TARGET].map(|s| statement(CHECKSUM, check, &plan, readers[s], s, range));
        let [src, tgt] = read_both(readers, &sql, check).await?;
        let (src, tgt) = (single(&src, check)?, single(&tgt, check)?);
        if src == tgt {
            return Ok(equal(check, src.0, live));
        }
        if let Some(d) = differed {
            d.store(true, Ordering::Relaxed);
        }
    }
    let (counts, differing) = differing_buckets(check, &plan, readers, range).await?;
    let out = match differing {
        Some(labels) if labels.is_empty() => return Ok(equal(check, counts[SOURCE], live)),
        Some(labels) => {
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            let extra = [SOURCE, TARGET].map(|s| plan.bucket_predicate(s, &labels));
            let extra = [Some(extra[SOURCE].as_str()), Some(extra[TARGET].as_str())];
            rows::compare_range(check, readers, range, extra, limits, live).await?
        }
        None => rows::compare_range(check, readers, range, [None, None], limits, live).await?,
    };
    Ok(with_counts(out, counts, live))
}

/// The outcome of a range whose `rows` rows are equal on both sides.
fn equal(check: &TableCheck, rows: u64, live: &Live) -> RangeOutcome {
    live.add(rows, 0);
    let mut out = RangeOutcome::new(check.columns.len());
    (out.source_rows, out.target_rows, out.matched) = (rows, rows, rows);
    out
}

/// Each side's row count, and the buckets whose count or sum differ (`None` when too many
/// differ to be worth a predicate).
async fn differing_buckets(
    check: &TableCheck,
    plan: &HashPlan,
    readers: [&Reader; 2],
    range: &Range,
) -> Result<([u64; 2], Option<Vec<String>>)> {
    let sql = [SOURCE, TARGET].map(|s| statement(BUCKETS, check, plan, readers[s], s, range));
    let [src, tgt] = read_both(readers, &sql, check).await?;
    let (src, tgt) = (buckets(&src, plan, check)?, buckets(&tgt, plan, check)?);
    let count = |b: &BTreeMap<String, Sum>| b.values().map(|s| s.0).sum::<u64>();
    let counts = [count(&src), count(&tgt)];
    let mut labels: Vec<String> = src
        .iter()
        .filter(|(label, sum)| tgt.get(*label) != Some(sum))
        .map(|(label, _)| label.clone())
        .collect();
    labels.extend(tgt.keys().filter(|l| !src.contains_key(*l)).cloned());
    let present = src.len().max(tgt.len());
    Ok((counts, (labels.len() * DRILL_AT_MOST_ONE_IN <= present).then_some(labels)))
}

/// The drill-down's outcome with the range's counts from the checksums.
fn with_counts(
    mut out: RangeOutcome,
    [source_rows, target_rows]: [u64; 2],
    live: &Live,
) -> RangeOutcome {
    live.add(source_rows.saturating_sub(out.source_rows), 0);
    out.source_rows = source_rows;
    out.target_rows = target_rows;
    out.matched = source_rows.saturating_sub(out.missing + out.mismatched);
    out
}

/// `count(*)` and the sum of the row hashes of one range.
const CHECKSUM: &str = include_str!("hash/sql/checksum.sql");
/// The same per bucket. The subquery fence (`OFFSET 0`) matters on PostgreSQL: grouping
/// directly by an expression of the key, the planner takes the key's distinct count (every
/// row) as the number of groups and sorts the range on disk; over a subquery column it
/// assumes 200 groups and hashes them in memory (about 1024 groups are there).
const BUCKETS: &str = include_str!("hash/sql/buckets.sql");

/// `template` filled for `side` of `check` over `range`.
fn statement(
    template: &str,
    check: &TableCheck,
    plan: &HashPlan,
    reader: &Reader,
    side: usize,
    range: &Range,
) -> String {
    fill(template, check, plan, (side, reader.aost()), &check.predicate(side, range, None))
}

/// `template` filled for one side: `aost` is the CockroachDB timestamp (none on PostgreSQL).
fn fill(
    template: &str,
    check: &TableCheck,
    plan: &HashPlan,
    (side, aost): (usize, Option<&str>),
    predicate: &str,
) -> String {
    let from = match (check.dialects[side], aost) {
        (Dialect::Cockroach, Some(ts)) => include_str!("hash/sql/from_crdb.sql")
            .trim_end()
            .replace("{table}", &check.quoted())
            .replace("{aost}", &quote_literal(ts)),
        _ => include_str!("hash/sql/from_pg.sql").trim_end().replace("{table}", &check.quoted()),
    };
    let exprs = &plan.sides[side];
    template
        .trim_end()
        .replace("{row_hash}", &exprs.row_hash)
        .replace("{bucket}", &exprs.bucket)
        .replace("{from}", &from)
        .replace("{where}", predicate)
}

/// Run `sql[side]` on both readers at once; each side's text COPY output, split in lines
/// and fields.
async fn read_both(
    readers: [&Reader; 2],
    sql: &[String; 2],
    check: &TableCheck,
) -> Result<[Vec<Vec<String>>; 2]> {
    let table = check.display();
    let (a, b) = tokio::try_join!(
        read_lines(readers[SOURCE], &sql[SOURCE], &table, "source"),
        read_lines(readers[TARGET], &sql[TARGET], &table, "target"),
    )?;
    Ok([a, b])
}

async fn read_lines(
    reader: &Reader,
    sql: &str,
    table: &str,
    what: &str,
) -> Result<Vec<Vec<String>>> {
    let stream = reader.copy_out(sql, table).await?;
    let mut stream = pin!(stream);
    let mut text = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Error::db(format!("checksumming {table} on the {what}"), e))?;
        text.extend_from_slice(&chunk);
    }
    Ok(parse_lines(&text))
}

/// Lines of tab-separated fields (the values here are digits and hex: nothing is escaped).
fn parse_lines(text: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The one `(count, sum)` line of a checksum query.
fn single(lines: &[Vec<String>], check: &TableCheck) -> Result<Sum> {
    match lines {
        [line] => sum_of(line, 0, check),
        _ => Err(unexpected(check)),
    }
}

/// `(bucket, count, sum)` lines by bucket.
fn buckets(
    lines: &[Vec<String>],
    plan: &HashPlan,
    check: &TableCheck,
) -> Result<BTreeMap<String, Sum>> {
    let mut out = BTreeMap::new();
    for line in lines {
        let label =
            line.first().filter(|l| plan.valid_bucket(l)).ok_or_else(|| unexpected(check))?;
        out.insert(label.clone(), sum_of(line, 1, check)?);
    }
    Ok(out)
}

/// The count and sum at fields `at` and `at + 1`.
fn sum_of(line: &[String], at: usize, check: &TableCheck) -> Result<Sum> {
    let count = line.get(at).and_then(|c| c.parse().ok());
    let sum = line.get(at + 1).filter(|s| is_integer(s));
    match (count, sum, line.len() == at + 2) {
        (Some(count), Some(sum), true) => Ok((count, sum.clone())),
        _ => Err(unexpected(check)),
    }
}

fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn unexpected(check: &TableCheck) -> Error {
    Error::internal(format!(
        "a checksum query of {} returned an unexpected result",
        check.display()
    ))
}

#[cfg(test)]
mod tests;
