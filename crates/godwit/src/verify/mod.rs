//! `verify`: prove that source and target hold the same rows and the same schema; name every
//! missing, extraneous and different row; repair on request.
//!
//! - **Schema** (`schema_diff`): both sides are introspected and compared object by object.
//! - **Rows** (`rows`, `--mode rows`): each table is split into primary-key ranges (the
//!   shards of `fetch`), both sides stream a range in the same byte-wise key order and are
//!   merge-joined; values are compared as typed, normalised values (`value`), never through
//!   default text rendering. Tables without a key are compared as multisets.
//! - **Hash** (`hash`, `--mode hash`): per-range checksums computed inside each database; only
//!   ranges whose checksums differ are compared row by row.
//! - **Live re-check** (`recheck`): differing rows are re-read after a delay; those that
//!   converged were in flight, not different.
//! - **Fix** (`fix`): the statements that make the target equal the source for the differing
//!   rows, printed or applied, then those rows verified again.
//!
//! The source is read from one exported snapshot; the target from one too, so each side is
//! self-consistent. Results are stored in `_godwit` on the target (`state`).

mod fix;
mod flow;
mod hash;
mod recheck;
pub mod report;
mod rows;
mod run;
pub mod schema_diff;
mod state;
mod value;

use std::time::Duration;

use crate::schema::TableFilter;

pub use flow::verify;

pub use report::{FixReport, Method, Report, Samples, SchemaDifference, Severity, TableReport};

/// How rows are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every row of both sides is read and compared (`--mode rows`).
    #[default]
    Rows,
    /// Per-range checksums inside each database; rows only where they differ (`--mode hash`).
    Hash,
}

/// What to do about differing rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Put the repairing statements in the report.
    Print,
    /// Apply them in batched transactions, then verify the repaired rows again.
    Apply,
}

/// What to verify and how.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Schemas to verify; empty means every user schema.
    pub schemas: Vec<String>,
    /// Tables to verify within those schemas.
    pub tables: TableFilter,
    /// Ranges compared at the same time (each uses one source and one target connection).
    pub jobs: usize,
    /// Rows or hash.
    pub mode: Mode,
    /// Tables bigger than this on disk are split into ranges of about this many bytes.
    pub shard_bytes: u64,
    /// Re-read differing rows after this delay and count those that converged as `live_retry`.
    pub live_recheck: Option<Duration>,
    /// Repair the differing rows.
    pub fix: Option<FixMode>,
    /// Sample keys kept per kind and table in the report.
    pub samples: usize,
    /// Hash mode: checksum with the portable expressions (the ones pairs involving
    /// CockroachDB use) even when both sides are PostgreSQL; for testing them.
    pub hash_portable: bool,
    /// Test hook: compare every column through its canonical text form (the path pairs
    /// involving CockroachDB take), even where both sides are PostgreSQL with the same type.
    #[doc(hidden)]
    pub typed_only: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            schemas: Vec::new(),
            tables: TableFilter::default(),
            jobs: 4,
            mode: Mode::Rows,
            shard_bytes: crate::fetch::DEFAULT_SHARD_BYTES,
            live_recheck: None,
            fix: None,
            samples: 10,
            hash_portable: false,
            typed_only: false,
        }
    }
}

/// At most this many differing rows per table are remembered for `--live-recheck` and `--fix`
/// (the counts are always complete).
pub(crate) const MAX_DIFFS: usize = 100_000;

/// What kind of difference a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffKind {
    /// On the source only.
    Missing,
    /// On the target only.
    Extraneous,
    /// On both, with different values.
    Mismatched,
}

/// One differing row as the comparison found it: what `recheck` and `fix` start from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diff {
    /// Missing, extraneous or mismatched.
    pub kind: DiffKind,
    /// The key columns' values in key order, as PostgreSQL text (read with the pinned
    /// session settings, so they can be cast back); for a multiset table, every compared
    /// column. `None` is NULL.
    pub key: Vec<Option<String>>,
    /// For a mismatch: indexes into the table's compared columns that differ.
    pub columns: Vec<usize>,
}

/// One table's comparison: the report entry and the differing rows behind it.
#[derive(Debug, Clone)]
pub(crate) struct TableOutcome {
    /// Counts and samples.
    pub report: TableReport,
    /// Differing rows, at most [`MAX_DIFFS`].
    pub diffs: Vec<Diff>,
    /// More rows differed than `diffs` holds.
    pub diffs_truncated: bool,
}
