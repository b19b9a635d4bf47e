//! The merge-join of two key-ordered row streams, and what a range's comparison found.
//!
//! Both sides are read in the byte order of the encoded key (see `check`), so one pass over
//! each decides every row: a source key below the target's is missing, above it extraneous,
//! equal keys are compared column by column. Memory is one row per side plus the differing
//! rows kept for the report (bounded by [`Limits`]).

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use bytes::Bytes;
use futures_util::Stream;

use super::check::{Compare, SOURCE, TARGET, TableCheck};
use super::cursor::{Cursor, value_error};
use crate::error::Result;
use crate::verify::report::Samples;
use crate::verify::value::canonical_text;
use crate::verify::{Diff, DiffKind};

/// How many differing rows a comparison keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Sample keys per kind.
    pub samples: usize,
    /// Differing rows kept for recheck and fix.
    pub diffs: usize,
}

/// Rows and bytes of one table read so far, shared with the progress ticker.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// Source rows compared.
    pub rows: AtomicU64,
    /// COPY bytes read from both sides.
    pub bytes: AtomicU64,
}

impl Live {
    /// Count `rows` more source rows and `bytes` more COPY bytes.
    pub(crate) fn add(&self, rows: u64, bytes: u64) {
        self.rows.fetch_add(rows, AtomicOrdering::Relaxed);
        self.bytes.fetch_add(bytes, AtomicOrdering::Relaxed);
    }

    /// (rows, bytes) so far.
    pub(crate) fn read(&self) -> (u64, u64) {
        (self.rows.load(AtomicOrdering::Relaxed), self.bytes.load(AtomicOrdering::Relaxed))
    }
}

/// Progress is published every this many source rows.
const PUBLISH_EVERY: u64 = 4096;

/// What comparing one range (or a whole multiset table) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RangeOutcome {
    /// Rows read from the source.
    pub source_rows: u64,
    /// Rows read from the target.
    pub target_rows: u64,
    /// Source rows with an equal target row.
    pub matched: u64,
    /// Source rows the target lacks.
    pub missing: u64,
    /// Target rows the source lacks.
    pub extraneous: u64,
    /// Rows on both sides with a differing column.
    pub mismatched: u64,
    /// Per compared column, mismatched rows in which it differs.
    pub mismatched_columns: Vec<u64>,
    /// Sample keys.
    pub samples: Samples,
    /// Differing rows, at most `Limits::diffs`.
    pub diffs: Vec<Diff>,
    /// More rows differed than `diffs` holds.
    pub diffs_truncated: bool,
    /// COPY bytes read from both sides.
    pub bytes: u64,
}

impl RangeOutcome {
    /// An empty outcome for a table of `columns` compared columns.
    pub(crate) fn new(columns: usize) -> Self {
        RangeOutcome { mismatched_columns: vec![0; columns], ..RangeOutcome::default() }
    }

    /// Count a differing row; its key text (from `key`) is computed only when a sample or
    /// a diff still has room for it.
    pub(crate) fn record(
        &mut self,
        kind: DiffKind,
        columns: Vec<usize>,
        limits: Limits,
        key: impl FnOnce() -> Result<Vec<Option<String>>>,
    ) -> Result<()> {
        let (count, samples) = match kind {
            DiffKind::Missing => (&mut self.missing, &mut self.samples.missing),
            DiffKind::Extraneous => (&mut self.extraneous, &mut self.samples.extraneous),
            DiffKind::Mismatched => (&mut self.mismatched, &mut self.samples.mismatched),
        };
        *count += 1;
        for &c in &columns {
            self.mismatched_columns[c] += 1;
        }
        let sample = samples.len() < limits.samples;
        let keep = self.diffs.len() < limits.diffs;
        self.diffs_truncated |= !keep;
        if !sample && !keep {
            return Ok(());
        }
        let key = key()?;
        if sample {
            samples.push(key.clone());
        }
        if keep {
            self.diffs.push(Diff { kind, key, columns });
        }
        Ok(())
    }

    /// Add `other` (a later range of the same table) to this one.
    pub(crate) fn absorb(&mut self, other: RangeOutcome, limits: Limits) {
        self.source_rows += other.source_rows;
        self.target_rows += other.target_rows;
        self.matched += other.matched;
        self.missing += other.missing;
        self.extraneous += other.extraneous;
        self.mismatched += other.mismatched;
        self.bytes += other.bytes;
        for (mine, theirs) in self.mismatched_columns.iter_mut().zip(other.mismatched_columns) {
            *mine += theirs;
        }
        let s = &mut self.samples;
        for (mine, theirs) in [
            (&mut s.missing, other.samples.missing),
            (&mut s.extraneous, other.samples.extraneous),
            (&mut s.mismatched, other.samples.mismatched),
        ] {
            let room = limits.samples.saturating_sub(mine.len());
            mine.extend(theirs.into_iter().take(room));
        }
        let room = limits.diffs.saturating_sub(self.diffs.len());
        self.diffs_truncated |= other.diffs_truncated || other.diffs.len() > room;
        self.diffs.extend(other.diffs.into_iter().take(room));
    }
}

/// Scratch buffers for canonical forms, reused across rows.
#[derive(Debug, Default)]
struct Scratch {
    source: Vec<u8>,
    target: Vec<u8>,
    differing: Vec<usize>,
}

/// Merge-join two key-ordered streams of `check`'s rows.
pub(crate) async fn merge<A, B>(
    check: &TableCheck,
    src: &mut Cursor<A>,
    tgt: &mut Cursor<B>,
    limits: Limits,
    live: &Live,
) -> Result<RangeOutcome>
where
    A: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
    B: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    let width = check.columns.len();
    let mut out = RangeOutcome::new(width);
    let mut scratch = Scratch::default();
    let (mut a, mut b) = tokio::try_join!(next(check, src, width), next(check, tgt, width))?;
    let mut published = (0, 0);
    loop {
        let order = match (a, b) {
            (false, false) => break,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => src.key.cmp(&tgt.key),
        };
        match order {
            Ordering::Less => {
                out.record(DiffKind::Missing, Vec::new(), limits, || src.key_text(check))?;
                a = next(check, src, width).await?;
            }
            Ordering::Greater => {
                out.record(DiffKind::Extraneous, Vec::new(), limits, || tgt.key_text(check))?;
                b = next(check, tgt, width).await?;
            }
            Ordering::Equal => {
                differing_columns(check, src, tgt, &mut scratch)?;
                if scratch.differing.is_empty() {
                    out.matched += 1;
                } else {
                    let columns = std::mem::take(&mut scratch.differing);
                    out.record(DiffKind::Mismatched, columns, limits, || src.key_text(check))?;
                }
                (a, b) = tokio::try_join!(next(check, src, width), next(check, tgt, width))?;
            }
        }
        if src.count - published.0 >= PUBLISH_EVERY {
            published = publish(live, (src, tgt), published);
        }
    }
    publish(live, (src, tgt), published);
    out.source_rows = src.count;
    out.target_rows = tgt.count;
    out.bytes = src.bytes + tgt.bytes;
    Ok(out)
}

/// Add the rows and bytes read since `published` to `live`; returns the new mark.
fn publish<A, B>(
    live: &Live,
    (src, tgt): (&Cursor<A>, &Cursor<B>),
    published: (u64, u64),
) -> (u64, u64) {
    let bytes = src.bytes + tgt.bytes;
    live.add(src.count - published.0, bytes - published.1);
    (src.count, bytes)
}

async fn next<S>(check: &TableCheck, cursor: &mut Cursor<S>, width: usize) -> Result<bool>
where
    S: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    if !cursor.advance(width).await? {
        return Ok(false);
    }
    cursor.encode_key(check)?;
    Ok(true)
}

/// The compared columns in which the current rows of `src` and `tgt` differ, into
/// `scratch.differing` (typed key columns are equal by the key match).
fn differing_columns<A, B>(
    check: &TableCheck,
    src: &Cursor<A>,
    tgt: &Cursor<B>,
    scratch: &mut Scratch,
) -> Result<()>
where
    A: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
    B: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    scratch.differing.clear();
    for (i, column) in check.columns.iter().enumerate() {
        let (s, t) = (src.field(i), tgt.field(i));
        let equal = match (column.compare, s, t) {
            (Compare::Raw, s, t) => s == t,
            (Compare::Typed, _, _) if column.key_position.is_some() => true,
            (Compare::Typed, None, None) => true,
            (Compare::Typed, Some(s), Some(t)) => {
                (s == t && column.families[SOURCE] == column.families[TARGET])
                    || canonical_equal(check, i, (s, t), scratch)?
            }
            (Compare::Typed, _, _) => false,
        };
        if !equal {
            scratch.differing.push(i);
        }
    }
    Ok(())
}

fn canonical_equal(
    check: &TableCheck,
    i: usize,
    (s, t): (&[u8], &[u8]),
    scratch: &mut Scratch,
) -> Result<bool> {
    let column = &check.columns[i];
    scratch.source.clear();
    scratch.target.clear();
    canonical_text(&column.families[SOURCE], s, &mut scratch.source)
        .map_err(|e| value_error(check, &column.name, "source", &e))?;
    canonical_text(&column.families[TARGET], t, &mut scratch.target)
        .map_err(|e| value_error(check, &column.name, "target", &e))?;
    Ok(scratch.source == scratch.target)
}
