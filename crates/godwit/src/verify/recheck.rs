//! Comparing again only the rows a comparison found different: after `--live-recheck`'s delay
//! (rows that converged were changes in flight on a live source, counted as `live_retry`), and
//! after `--fix apply` (rows that still differ were not repaired).
//!
//! Each side is read from a new snapshot taken now. Keyed tables are re-read by key: the range
//! comparison of the rows engine restricted to `key IN (...)` (chunks of [`CHUNK`] keys, the
//! literals untyped so each side casts them to its own column type). A table compared as a
//! multiset has no key to look rows up by and is compared again whole.

use std::collections::BTreeMap;

use super::rows::{self, Limits, Live, RangeOutcome, Reader, SOURCE, TARGET, TableCheck};
use super::{Diff, DiffKind, MAX_DIFFS, TableOutcome};
use crate::conn::{self, ConnParams};
use crate::dialect::{quote_ident, quote_literal};
use crate::error::Result;
use crate::fetch::plan::Range;

/// Keys per re-read query.
const CHUNK: usize = 1000;

/// What re-reading one table's differing rows found.
#[derive(Debug)]
pub(crate) struct Rechecked {
    /// The rows re-read (the differing rows the first comparison kept).
    pub reread: u64,
    /// What the re-read found, as a comparison of those rows only.
    pub outcome: RangeOutcome,
}

/// Re-read the differing rows of `outcomes[i]` for every `i` in `tables`, each side from a
/// new snapshot. Tables without differing rows are skipped (`None`).
pub(crate) async fn reread(
    params: [&ConnParams; 2],
    checks: &[TableCheck],
    outcomes: &[TableOutcome],
    samples: usize,
) -> Result<Vec<Option<Rechecked>>> {
    let src = conn::connect(params[SOURCE]).await?;
    let tgt = conn::connect(params[TARGET]).await?;
    let snapshots =
        [rows::take_snapshot(&src, "source").await?, rows::take_snapshot(&tgt, "target").await?];
    let readers = [
        Reader::open(params[SOURCE], &snapshots[SOURCE], "source").await?,
        Reader::open(params[TARGET], &snapshots[TARGET], "target").await?,
    ];
    let limits = Limits { samples, diffs: MAX_DIFFS };
    let mut found = Vec::with_capacity(checks.len());
    for (check, outcome) in checks.iter().zip(outcomes) {
        if outcome.diffs.is_empty() {
            found.push(None);
            continue;
        }
        let result =
            reread_table(check, &outcome.diffs, [&readers[0], &readers[1]], limits).await?;
        found.push(Some(Rechecked { reread: outcome.diffs.len() as u64, outcome: result }));
    }
    Ok(found)
}

async fn reread_table(
    check: &TableCheck,
    diffs: &[Diff],
    readers: [&Reader; 2],
    limits: Limits,
) -> Result<RangeOutcome> {
    let whole = Range::chain(Vec::new()).remove(0);
    let live = Live::default();
    if check.key.is_empty() {
        return rows::compare_range(check, readers, &whole, [None, None], limits, &live).await;
    }
    let mut total = RangeOutcome::new(check.columns.len());
    for chunk in diffs.chunks(CHUNK) {
        let condition = key_condition(check, chunk);
        let extra = [Some(condition.as_str()), Some(condition.as_str())];
        let found = rows::compare_range(check, readers, &whole, extra, limits, &live).await?;
        total.absorb(found, limits);
    }
    Ok(total)
}

/// `("k1", "k2") IN (('1', 'a'), ...)` with untyped literals.
fn key_condition(check: &TableCheck, diffs: &[Diff]) -> String {
    let names: Vec<&str> = check.key.iter().map(|&i| check.columns[i].name.as_str()).collect();
    condition_for(&names, diffs)
}

fn condition_for(names: &[&str], diffs: &[Diff]) -> String {
    let names: Vec<String> = names.iter().map(|n| quote_ident(n)).collect();
    let tuples: Vec<String> = diffs
        .iter()
        .map(|d| {
            let values: Vec<String> = d
                .key
                .iter()
                .map(|v| v.as_deref().map_or_else(|| "NULL".to_owned(), quote_literal))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!("({}) IN ({})", names.join(", "), tuples.join(", "))
}

/// Replace the re-read rows of `outcome` by what the re-read found. Returns how many of them
/// are now equal on both sides.
pub(crate) fn merge_recheck(
    check: &TableCheck,
    outcome: &mut TableOutcome,
    again: Rechecked,
) -> u64 {
    let report = &mut outcome.report;
    if check.key.is_empty() {
        let before = report.missing + report.extraneous;
        let after = again.outcome.missing + again.outcome.extraneous;
        report.missing = again.outcome.missing;
        report.extraneous = again.outcome.extraneous;
        report.samples = again.outcome.samples;
        outcome.diffs = again.outcome.diffs;
        outcome.diffs_truncated = again.outcome.diffs_truncated;
        return before.saturating_sub(after);
    }
    for diff in &outcome.diffs {
        let count = match diff.kind {
            DiffKind::Missing => &mut report.missing,
            DiffKind::Extraneous => &mut report.extraneous,
            DiffKind::Mismatched => &mut report.mismatched,
        };
        *count = count.saturating_sub(1);
        for &c in &diff.columns {
            decrement(&mut report.mismatched_columns, &check.columns[c].name);
        }
    }
    let o = again.outcome;
    report.missing += o.missing;
    report.extraneous += o.extraneous;
    report.mismatched += o.mismatched;
    for (column, n) in check.columns.iter().zip(&o.mismatched_columns).filter(|(_, n)| **n > 0) {
        *report.mismatched_columns.entry(column.name.clone()).or_default() += n;
    }
    // Samples are taken from the first differing rows, which are all among the re-read ones.
    report.samples = o.samples;
    outcome.diffs = o.diffs;
    again.reread.saturating_sub(o.missing + o.extraneous + o.mismatched)
}

fn decrement(columns: &mut BTreeMap<String, u64>, name: &str) {
    if let Some(n) = columns.get_mut(name) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            columns.remove(name);
        }
    }
}

#[cfg(test)]
mod tests;
