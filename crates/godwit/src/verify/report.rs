//! What a verification found: per-table counts, sample keys and schema differences.
//!
//! These are results, not logs: sample keys are row values the user asked to see, printed on
//! stdout or written to `--out`; they are never put in events, log lines or `_godwit` (which
//! keeps the counts only).

use std::collections::BTreeMap;

use serde::Serialize;

/// The result of one `verify` run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The id this run is stored under in `_godwit.verifications`.
    pub run_id: String,
    /// `rows` or `hash`.
    pub mode: String,
    /// Schema differences (tables, columns, types, keys, indexes, constraints, sequences).
    pub schema: Vec<SchemaDifference>,
    /// One entry per compared table, in `schema.name` order.
    pub tables: Vec<TableReport>,
    /// What `--fix` did, when it was asked for.
    pub fix: Option<FixReport>,
}

impl Report {
    /// Whether anything differs: a row difference, a schema difference of severity
    /// `warning` or worse, or a table that could not be checked.
    pub fn has_differences(&self) -> bool {
        self.schema.iter().any(|d| d.severity >= Severity::Warning)
            || self.tables.iter().any(TableReport::has_differences)
    }

    /// Whether some table could not be checked at all (exit 2 unless something else differs).
    pub fn has_unchecked(&self) -> bool {
        self.tables.iter().any(|t| t.error.is_some())
    }
}

/// How bad a schema difference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, not a difference in what the application sees (e.g. an index name).
    Info,
    /// The schemas differ in a way the application may notice (an index, a default, a check).
    Warning,
    /// The data cannot be the same or cannot be compared (a missing table or column, a type).
    Error,
}

/// One schema difference between source and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaDifference {
    /// How bad it is.
    pub severity: Severity,
    /// The kind of object: `table`, `column`, `type`, `nullability`, `default`, `primary_key`,
    /// `index`, `constraint`, `foreign_key`, `sequence`.
    pub object: String,
    /// `schema.table` (or `schema.sequence`) it is about.
    pub table: String,
    /// The column, index, constraint or sequence name, when there is one.
    pub name: Option<String>,
    /// What differs, with both sides' definitions (never row values).
    pub message: String,
}

/// How a table's rows were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Both sides read in primary-key order and merge-joined.
    Key,
    /// No usable key: row counts and an order-independent hash, then a multiset row diff.
    Multiset,
}

/// What the comparison of one table found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableReport {
    /// Schema name.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// How rows were compared.
    pub method: Method,
    /// Rows read from the source (in hash mode: counted by the source).
    pub source_rows: u64,
    /// Rows read from the target (in hash mode: counted by the target).
    pub target_rows: u64,
    /// Source rows with an equal target row.
    pub matched: u64,
    /// Source rows the target lacks.
    pub missing: u64,
    /// Target rows the source lacks.
    pub extraneous: u64,
    /// Rows present on both sides with at least one different column.
    pub mismatched: u64,
    /// Rows that differed at first and were equal when re-read after `--live-recheck`.
    pub live_retry: u64,
    /// For mismatched rows: how many differ in each column.
    pub mismatched_columns: BTreeMap<String, u64>,
    /// Up to `--samples` keys of each kind.
    pub samples: Samples,
    /// Why the table could not be (fully) checked; its counts are then incomplete.
    pub error: Option<String>,
}

impl TableReport {
    /// An empty report for `schema.name`.
    pub fn new(schema: &str, name: &str, method: Method) -> Self {
        TableReport {
            schema: schema.into(),
            name: name.into(),
            method,
            source_rows: 0,
            target_rows: 0,
            matched: 0,
            missing: 0,
            extraneous: 0,
            mismatched: 0,
            live_retry: 0,
            mismatched_columns: BTreeMap::new(),
            samples: Samples::default(),
            error: None,
        }
    }

    /// Whether this table differs or could not be checked.
    pub fn has_differences(&self) -> bool {
        self.missing + self.extraneous + self.mismatched > 0 || self.error.is_some()
    }
}

/// Sample keys, as the text form of each key column (`NULL` as `None`). For a table compared
/// as a multiset, a sample is the whole row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Samples {
    /// Keys of missing rows.
    pub missing: Vec<Vec<Option<String>>>,
    /// Keys of extraneous rows.
    pub extraneous: Vec<Vec<Option<String>>>,
    /// Keys of mismatched rows.
    pub mismatched: Vec<Vec<Option<String>>>,
}

/// What `--fix` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FixReport {
    /// Whether the statements were applied (`apply`) or only printed (`print`).
    pub applied: bool,
    /// The statements, in the order they were (or would be) run.
    pub statements: Vec<String>,
    /// INSERT statements.
    pub inserts: u64,
    /// UPDATE statements.
    pub updates: u64,
    /// DELETE statements.
    pub deletes: u64,
    /// After applying: rows of the fixed set that still differ (0 when the repair worked).
    pub still_different: u64,
}
