//! Reading a [`Schema`] from DDL text instead of a live database.
//!
//! ```text
//!   schema file ──parse(text, database)──▶ Parsed { schema, locations, diagnostics, skipped }
//!   (SHOW CREATE ALL TABLES output,          │        │           │
//!    hand-written DDL)                       │        │           └─ problems, one per statement
//!                                            │        └─ file-independent line:column per object
//!                                            └─ the same model introspection fills
//! ```
//!
//! A schema file is often all there is: CockroachDB has no `pg_dump`, and `SHOW CREATE ALL
//! TABLES` (with `... TYPES`, `SCHEMAS`, `ROUTINES`, `TRIGGERS`) is how people hand a schema over.
//! No published parser reads CockroachDB's dialect (`FAMILY`, `STORING`, `USING HASH`, `:::`
//! annotations, `NOT VISIBLE`, ...), so [`crdb`] is a small tokenizer plus a recursive-descent
//! parser for exactly the statements CockroachDB prints.
//!
//! Parsing never fails as a whole: a statement that cannot be read becomes a [`Diagnostic`] and
//! the next statement is read as if nothing happened. Locations are 1-based lines and columns
//! counted in characters (a TAB is one column) and do not name the file: the caller knows it and
//! prefixes `file:` when it reports a finding.

pub mod crdb;
pub mod pg;

use std::collections::BTreeMap;

use super::model::{QualifiedName, Schema};

/// Where something was written in an input file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// The line, starting at 1.
    pub line: u32,
    /// The column, starting at 1, counted in characters.
    pub column: u32,
}

/// A problem with one statement; parsing goes on with the next statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Where the problem is (the offending token, or the statement when it names no token).
    pub location: Location,
    /// What is wrong, as a sentence that starts upper-case.
    pub message: String,
    /// The first 80 characters of the statement, with runs of white space shown as one space.
    pub statement: String,
}

/// Which object a location belongs to, for findings that cite file:line.
///
/// Index, constraint and trigger names are scoped by their table, as in CockroachDB.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum ObjectKey {
    /// A schema (`CREATE SCHEMA`).
    Schema(String),
    /// A table.
    Table(QualifiedName),
    /// A column of a table or view.
    Column(QualifiedName, String),
    /// A constraint of a table.
    Constraint(QualifiedName, String),
    /// An index of a table (including the one behind its primary key).
    Index(QualifiedName, String),
    /// A sequence.
    Sequence(QualifiedName),
    /// A view or materialized view.
    View(QualifiedName),
    /// An enum or composite type.
    Type(QualifiedName),
    /// A function or procedure: its name and identity arguments ([`Routine::arguments`]).
    ///
    /// [`Routine::arguments`]: crate::schema::model::Routine::arguments
    Routine(QualifiedName, String),
    /// A trigger: its table and its name.
    Trigger(QualifiedName, String),
}

/// The result of reading a schema file.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The objects the file defines, sorted like an introspected schema.
    pub schema: Schema,
    /// Where each object was defined.
    pub locations: BTreeMap<ObjectKey, Location>,
    /// Statements that could not be read (or not applied), in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Statements understood but not schema (`SET`, `USE`, database-level zone configurations)
    /// and CockroachDB's `-- Warning:` comments, as written, in file order.
    pub skipped: Vec<(Location, String)>,
}

/// `text` on one line (runs of white space become one space), cut to `max` characters.
pub(crate) fn preview(text: &str, max: usize) -> String {
    text.split_whitespace()
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1)
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_line_and_cut_to_length() {
        assert_eq!(preview("CREATE TABLE t (\n\ta INT8\n)", 80), "CREATE TABLE t ( a INT8 )");
        assert_eq!(preview("  abc   def  ", 5), "abc d");
        assert_eq!(preview("ééé", 2), "éé");
        assert_eq!(preview("", 80), "");
    }

    #[test]
    fn locations_order_by_line_then_column() {
        let a = Location { line: 1, column: 9 };
        let b = Location { line: 2, column: 1 };
        assert!(a < b);
    }
}
