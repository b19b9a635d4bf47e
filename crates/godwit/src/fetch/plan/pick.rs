//! The arithmetic of shard planning: how many shards, and which of the candidate bounds read
//! from the database become shard bounds. No database here; [`super::shards`] reads the
//! candidates.

/// At most this many shards per table. At the default 64 MiB shard size this is reached by
/// a 6 TiB table; the cap keeps `_godwit.shards` and the planning sample bounded.
pub const MAX_SHARDS: usize = 100_000;

/// Sampled keys per wanted shard: every shard bound is the k-th of about this many, so a
/// shard's size varies by about `1 / sqrt(64)`.
const SAMPLE_PER_SHARD: usize = 64;
/// Sampled keys wanted at least (cheap to sort, and small tables get an even split) ...
const SAMPLE_MIN: usize = 10_000;
/// ... and at most (the coordinator receives and holds the sample).
const SAMPLE_MAX: usize = 1_000_000;

/// Bytes per row assumed when a table has no row estimate (never analyzed).
const BYTES_PER_ROW_GUESS: i64 = 100;

/// `total_bytes / shard_bytes` rounded up, between 1 and [`MAX_SHARDS`].
pub fn shard_count(total_bytes: i64, shard_bytes: u64) -> usize {
    let total = u64::try_from(total_bytes).unwrap_or(0);
    let shard = shard_bytes.max(1);
    let wanted = total.div_ceil(shard).max(1);
    usize::try_from(wanted).unwrap_or(MAX_SHARDS).min(MAX_SHARDS)
}

/// Inner bounds splitting the integer keys `[min, max]` into `count` equal-width ranges (fewer
/// when there are fewer keys than that); empty when `count <= 1` or `max <= min`.
pub fn integer_bounds(min: i64, max: i64, count: usize) -> Vec<i64> {
    if count <= 1 || max <= min {
        return Vec::new();
    }
    let span = i128::from(max) - i128::from(min) + 1;
    let count = i128::try_from(count).unwrap_or(i128::MAX).min(span);
    let width = span / count;
    (1..count).filter_map(|i| i64::try_from(i128::from(min) + i * width).ok()).collect()
}

/// Positions in a sorted list of `len` candidates that cut it into `shards` equal parts:
/// `i * len / shards` for `i` in `1..shards`, without repeats (fewer when `len < shards`).
pub fn even_positions(len: usize, shards: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = (1..shards)
        .map(|i| (i as u128 * len as u128 / shards as u128) as usize)
        .filter(|&p| p > 0 && p < len)
        .collect();
    positions.dedup();
    positions
}

/// The candidates at `positions`, with equal neighbours dropped (the candidates are sorted,
/// so equal values are adjacent).
pub fn take_positions<T: Clone + PartialEq>(sorted: &[T], positions: &[usize]) -> Vec<T> {
    let mut picked: Vec<T> = positions.iter().filter_map(|&p| sorted.get(p).cloned()).collect();
    picked.dedup();
    picked
}

/// Inner page bounds splitting `pages` heap pages into `count` runs of equal length.
pub fn page_bounds(pages: u32, count: usize) -> Vec<u32> {
    let count = u32::try_from(count).unwrap_or(u32::MAX).min(pages).max(1);
    let width = pages.div_ceil(count);
    (1..count).map(|i| i * width).take_while(|&p| p < pages).collect()
}

/// Whether a `pg_stats` histogram of the first key column can place `shards` bounds: it
/// needs at least one bucket per shard, and for a composite key enough distinct first-column
/// values (`n_distinct`: a count, or minus a fraction of `rows`) that a first-column bound
/// does not leave most rows in a few shards.
pub fn histogram_usable(
    buckets: usize,
    n_distinct: f64,
    rows: i64,
    composite: bool,
    shards: usize,
) -> bool {
    if buckets < shards {
        return false;
    }
    if !composite {
        return true;
    }
    let distinct = if n_distinct < 0.0 { -n_distinct * rows.max(0) as f64 } else { n_distinct };
    distinct >= (4 * shards) as f64
}

/// The `TABLESAMPLE SYSTEM` percentage that yields about enough keys for `shards` bounds, from
/// the row estimate (or a guess from the size when there is none), in `(0, 100]`.
pub fn sample_percent(estimated_rows: i64, total_bytes: i64, shards: usize) -> f64 {
    let wanted = shards.saturating_mul(SAMPLE_PER_SHARD).clamp(SAMPLE_MIN, SAMPLE_MAX) as f64;
    let rows = if estimated_rows > 0 { estimated_rows } else { total_bytes / BYTES_PER_ROW_GUESS };
    if rows <= 0 {
        return 100.0;
    }
    (100.0 * wanted / rows as f64).clamp(0.000_001, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_count_rounds_up_and_is_bounded() {
        assert_eq!(shard_count(0, 64), 1);
        assert_eq!(shard_count(-1, 64), 1);
        assert_eq!(shard_count(64, 64), 1);
        assert_eq!(shard_count(65, 64), 2);
        assert_eq!(shard_count(1 << 40, 1 << 26), 16_384);
        assert_eq!(shard_count(i64::MAX, 1), MAX_SHARDS);
        assert_eq!(shard_count(10, 0), 10, "a zero shard size means one byte");
    }

    #[test]
    fn integer_ranges_are_equal_width() {
        assert_eq!(integer_bounds(1, 300_000, 6), vec![50_001, 100_001, 150_001, 200_001, 250_001]);
        assert!(integer_bounds(5, 5, 10).is_empty());
        assert!(integer_bounds(1, 100, 1).is_empty());
        assert_eq!(integer_bounds(1, 3, 10), vec![2, 3], "no more shards than keys");
    }

    #[test]
    fn extreme_integer_keys_do_not_overflow() {
        let b = integer_bounds(i64::MIN, i64::MAX, 10);
        assert_eq!(b.len(), 9);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn positions_cut_evenly_without_repeats() {
        assert_eq!(even_positions(100, 4), vec![25, 50, 75]);
        assert_eq!(even_positions(3, 10), vec![1, 2]);
        assert!(even_positions(0, 10).is_empty());
        assert!(even_positions(100, 1).is_empty());
        let values = ["a", "b", "b", "b", "c"];
        assert_eq!(take_positions(&values, &[1, 2, 4]), vec!["b", "c"]);
    }

    #[test]
    fn pages_split_into_equal_runs() {
        assert_eq!(page_bounds(100, 4), vec![25, 50, 75]);
        assert_eq!(page_bounds(10, 3), vec![4, 8]);
        assert_eq!(page_bounds(2, 5), vec![1]);
        assert!(page_bounds(0, 5).is_empty());
        assert!(page_bounds(100, 1).is_empty());
    }

    #[test]
    fn histograms_need_buckets_and_distinct_leading_values() {
        assert!(histogram_usable(100, -1.0, 1_000, false, 10));
        assert!(!histogram_usable(100, -1.0, 1_000, false, 150), "too coarse");
        assert!(!histogram_usable(100, 20.0, 1_000_000, true, 10), "few leading values");
        assert!(histogram_usable(100, -0.5, 1_000_000, true, 10));
        assert!(histogram_usable(100, 40.0, 1_000_000, true, 10));
    }

    #[test]
    fn sample_percent_targets_enough_keys() {
        assert_eq!(sample_percent(1_000, 0, 10), 100.0);
        assert_eq!(sample_percent(0, 0, 10), 100.0, "nothing known: read every key");
        assert!((sample_percent(100_000_000, 0, 1_000) - 0.064).abs() < 1e-9);
        assert!((sample_percent(0, 10_000_000_000, 1_000) - 0.064).abs() < 1e-9);
        assert!(sample_percent(i64::MAX, 0, 1) > 0.0);
    }
}
