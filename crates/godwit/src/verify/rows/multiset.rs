//! Tables without a usable key: compared as multisets of rows.
//!
//! Pass 1 reads every row of both sides (no order needed) and counts each row's 128-bit hash
//! (XXH3-128 of the compared forms: raw bytes or canonical text, length-prefixed, NULL
//! marked) per side in a `HashMap`. Its memory grows with the number of *distinct* rows of the
//! table (about 40 bytes each), fine for the keyless tables migrations meet (lookup and
//! log tables of up to some millions of rows); a larger keyless table should get a key or be
//! checked with `--mode hash`. Pass 2 runs only when the counts differ: it reads the side(s)
//! with surplus rows again, in the same snapshot, with each column's text too, and reports the
//! surplus rows whole (their text is the `Diff` key).

use std::collections::HashMap;
use std::pin::pin;

use bytes::Bytes;
use futures_util::Stream;

use super::check::{SOURCE, TARGET, TableCheck};
use super::cursor::{Cursor, value_error};
use super::merge::{Limits, Live, RangeOutcome};
use super::reader::Reader;
use crate::error::Result;
use crate::fetch::plan::Range;
use crate::verify::DiffKind;
use crate::verify::value::canonical_text;

/// Compare `check` (a multiset table) on both readers; `extra` restricts the rows read.
pub(crate) async fn compare(
    check: &TableCheck,
    readers: [&Reader; 2],
    extra: [Option<&str>; 2],
    limits: Limits,
    live: &Live,
) -> Result<RangeOutcome> {
    let all = Range::default();
    let list = [check.select_list(SOURCE, false), check.select_list(TARGET, false)];
    let sql =
        [SOURCE, TARGET].map(|s| readers[s].copy_sql(check, s, &all, extra[s], (&list[s], false)));
    let table = check.display();
    let (a, b) = tokio::try_join!(
        readers[SOURCE].copy_out(&sql[SOURCE], &table),
        readers[TARGET].copy_out(&sql[TARGET], &table)
    )?;
    let a = pin!(a);
    let mut src = Cursor::new(a, readers[SOURCE].dialect(), SOURCE);
    let b = pin!(b);
    let mut tgt = Cursor::new(b, readers[TARGET].dialect(), TARGET);
    let counts = count_rows(check, &mut src, &mut tgt).await?;
    let mut out = RangeOutcome::new(check.columns.len());
    out.source_rows = src.count;
    out.target_rows = tgt.count;
    out.bytes = src.bytes + tgt.bytes;
    live.add(src.count, out.bytes);
    let mut surplus: [HashMap<u128, u64>; 2] = [HashMap::new(), HashMap::new()];
    for (hash, [s, t]) in counts {
        out.matched += s.min(t);
        if s != t {
            let side = if s > t { SOURCE } else { TARGET };
            surplus[side].insert(hash, s.abs_diff(t));
        }
    }
    for side in [SOURCE, TARGET] {
        if !surplus[side].is_empty() {
            let kind = if side == SOURCE { DiffKind::Missing } else { DiffKind::Extraneous };
            let mut want = std::mem::take(&mut surplus[side]);
            report_surplus(
                check,
                (readers[side], side),
                extra[side],
                kind,
                &mut want,
                limits,
                &mut out,
            )
            .await?;
        }
    }
    Ok(out)
}

/// Pass 1: per distinct row hash, (source count, target count).
async fn count_rows<A, B>(
    check: &TableCheck,
    src: &mut Cursor<A>,
    tgt: &mut Cursor<B>,
) -> Result<HashMap<u128, [u64; 2]>>
where
    A: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
    B: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    let width = check.columns.len();
    let mut counts: HashMap<u128, [u64; 2]> = HashMap::new();
    let mut scratch = Vec::new();
    let (mut a, mut b) = (true, true);
    while a || b {
        if a {
            a = src.advance(width).await?;
            if a {
                counts.entry(row_hash(check, src, SOURCE, &mut scratch)?).or_default()[SOURCE] += 1;
            }
        }
        if b {
            b = tgt.advance(width).await?;
            if b {
                counts.entry(row_hash(check, tgt, TARGET, &mut scratch)?).or_default()[TARGET] += 1;
            }
        }
    }
    Ok(counts)
}

/// Pass 2 on one side: read it again with text, and record each row whose hash still has
/// surplus in `want`.
async fn report_surplus(
    check: &TableCheck,
    (reader, side): (&Reader, usize),
    extra: Option<&str>,
    kind: DiffKind,
    want: &mut HashMap<u128, u64>,
    limits: Limits,
    out: &mut RangeOutcome,
) -> Result<()> {
    let width = check.columns.len();
    let columns = format!("{}, {}", check.select_list(side, false), check.select_list(side, true));
    let sql = reader.copy_sql(check, side, &Range::default(), extra, (&columns, false));
    let stream = reader.copy_out(&sql, &check.display()).await?;
    let stream = pin!(stream);
    let mut rows = Cursor::new(stream, reader.dialect(), side);
    let mut scratch = Vec::new();
    while rows.advance(2 * width).await? {
        let hash = row_hash(check, &rows, side, &mut scratch)?;
        let Some(left) = want.get_mut(&hash).filter(|n| **n > 0) else { continue };
        *left -= 1;
        out.record(kind, Vec::new(), limits, || Ok(rows.row_text(width, width)))?;
    }
    Ok(())
}

/// The hash of the current row's compared forms (the first `columns.len()` fields).
fn row_hash<S>(
    check: &TableCheck,
    row: &Cursor<S>,
    side: usize,
    scratch: &mut Vec<u8>,
) -> Result<u128>
where
    S: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    scratch.clear();
    for (i, column) in check.columns.iter().enumerate() {
        let Some(value) = row.field(i) else {
            scratch.push(0);
            continue;
        };
        scratch.push(1);
        if check.reads_raw(side, i) {
            scratch.extend_from_slice(&(value.len() as u64).to_be_bytes());
            scratch.extend_from_slice(value);
        } else {
            let what = if side == SOURCE { "source" } else { "target" };
            canonical_text(&column.families[side], value, scratch)
                .map_err(|e| value_error(check, &column.name, what, &e))?;
        }
    }
    Ok(xxhash_rust::xxh3::xxh3_128(scratch))
}
