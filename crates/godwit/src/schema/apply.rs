//! `schema apply`: run converted DDL against a target, statement by statement.
//!
//! Each statement runs on its own (an implicit transaction), because CockroachDB runs schema
//! changes online and only `CREATE TABLE`/`CREATE INDEX` are atomic inside explicit
//! transactions. A statement whose object already exists (SQLSTATE 42P07, 42710, 42P06, 42723)
//! counts as applied, which makes a re-run harmless. Every other failure is recorded with the
//! statement's file:line, object and SQLSTATE, and the run goes on, so one pass reports every
//! problem. On PostgreSQL, `check_function_bodies` is switched off for the session, as pg_dump
//! does, so a routine may call one that is created after it.

use std::path::{Path, PathBuf};

use super::convert::split_statements;
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};

/// Which files to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sections {
    /// `pre-data.sql`.
    Pre,
    /// `post-data.sql`.
    Post,
    /// Both, pre-data first.
    All,
}

/// A statement that failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// `file:line` of the statement.
    pub location: String,
    /// The object it creates.
    pub object: String,
    /// SQLSTATE, when the server answered.
    pub sqlstate: Option<String>,
    /// The server's message.
    pub message: String,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Statements that ran.
    pub applied: usize,
    /// Statements whose object already existed.
    pub already_present: usize,
    /// Statements that failed.
    pub failures: Vec<Failure>,
}

/// SQLSTATEs that mean "this object already exists": the statement counts as applied.
pub(crate) const ALREADY_EXISTS: &[&str] = &["42P07", "42710", "42P06", "42723", "42P16"];

/// Apply the sections of `dir` to the target, in order.
pub async fn apply(
    target: &Connection,
    dir: &Path,
    sections: Sections,
    events: &dyn EventSink,
) -> Result<Report> {
    let files: &[&str] = match sections {
        Sections::Pre => &["pre-data.sql"],
        Sections::Post => &["post-data.sql"],
        Sections::All => &["pre-data.sql", "post-data.sql"],
    };
    if target.dialect() == crate::dialect::Dialect::Postgres {
        // As pg_dump does: routine bodies may call routines created later in the file.
        target
            .client()
            .batch_execute("set check_function_bodies = false")
            .await
            .map_err(|e| Error::db(format!("preparing the session on {}", target.target()), e))?;
    }
    let mut report = Report::default();
    for name in files {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::io(format!("reading {}", path.display()), e).with_kind(crate::ErrorKind::Config)
        })?;
        events.emit(Event::Step {
            phase: "apply".into(),
            message: format!("applying {}", path.display()),
        });
        apply_file(target, &path, &text, &mut report).await;
    }
    Ok(report)
}

async fn apply_file(target: &Connection, path: &Path, text: &str, report: &mut Report) {
    let file: PathBuf = path.to_path_buf();
    for (line, object, sql) in split_statements(text) {
        match target.client().batch_execute(&sql).await {
            Ok(()) => report.applied += 1,
            Err(e) => {
                let code = e.as_db_error().map(|d| d.code().code().to_owned());
                if code.as_deref().is_some_and(|c| ALREADY_EXISTS.contains(&c)) {
                    report.already_present += 1;
                    continue;
                }
                let message =
                    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned());
                report.failures.push(Failure {
                    location: format!("{}:{line}", file.display()),
                    object,
                    sqlstate: code,
                    message,
                });
            }
        }
    }
}
