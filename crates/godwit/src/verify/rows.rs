//! The rows engine (`--mode rows`): compare one key range of one table, source against
//! target, row by row, and say which rows are missing, extraneous or different and in which
//! columns.
//!
//! Each side streams the range with `COPY (SELECT ... WHERE range ORDER BY key) TO STDOUT`:
//! binary format on PostgreSQL, text on CockroachDB (which has no binary `COPY TO`). Both
//! streams are read at the same time and parsed incrementally (`parse`), one row per side in
//! memory, and merge-joined on an order-preserving encoding of the key (`merge`): the
//! databases sort text keys in byte order (`COLLATE "C"` on PostgreSQL, CockroachDB's own
//! `STRING` order), and the range predicates use the same collation, so both sides agree on
//! which rows a range holds and in which order they come. Values are compared as raw binary
//! bytes where both sides are PostgreSQL with the same type, and as canonical typed values
//! otherwise (`check`, [`crate::verify::value`]). Tables without a usable key are compared as
//! multisets (`multiset`).
//!
//! The readers of a side all read at one instant (`reader`): an exported snapshot on
//! PostgreSQL, one `AS OF SYSTEM TIME` on CockroachDB.

mod check;
mod cursor;
mod merge;
mod multiset;
mod parse;
mod reader;

use std::pin::pin;

pub(crate) use check::{CheckColumn, Compare, SOURCE, TARGET, TableCheck};
pub(crate) use merge::{Limits, Live, RangeOutcome};
pub(crate) use reader::{Reader, take_snapshot};

use crate::error::Result;
use crate::fetch::plan::Range;
use crate::verify::Method;

/// Compare `range` of `check` between the source and target readers. `extra` is an
/// additional SQL condition per side (source, target), ANDed with the range (hash mode's
/// drill-down into a bucket). A multiset table is compared whole; `range` is ignored for it.
pub(crate) async fn compare_range(
    check: &TableCheck,
    readers: [&Reader; 2],
    range: &Range,
    extra: [Option<&str>; 2],
    limits: Limits,
    live: &Live,
) -> Result<RangeOutcome> {
    if check.method == Method::Multiset {
        return multiset::compare(check, readers, extra, limits, live).await;
    }
    let list = [check.select_list(SOURCE, false), check.select_list(TARGET, false)];
    let sql =
        [SOURCE, TARGET].map(|s| readers[s].copy_sql(check, s, range, extra[s], (&list[s], true)));
    let table = check.display();
    let (a, b) = tokio::try_join!(
        readers[SOURCE].copy_out(&sql[SOURCE], &table),
        readers[TARGET].copy_out(&sql[TARGET], &table)
    )?;
    let a = pin!(a);
    let mut src = cursor::Cursor::new(a, readers[SOURCE].dialect(), SOURCE);
    let b = pin!(b);
    let mut tgt = cursor::Cursor::new(b, readers[TARGET].dialect(), TARGET);
    merge::merge(check, &mut src, &mut tgt, limits, live).await
}

#[cfg(test)]
mod tests;
