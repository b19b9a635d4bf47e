//! Getting a [`Schema`] from where the user has it: a live database or a schema file.
//!
//! Both paths give the same model. A file is read with the parser of its dialect: PostgreSQL
//! `pg_dump --schema-only` output with the real PostgreSQL parser (pg_query), CockroachDB
//! `SHOW CREATE ...` output with godwit's own parser. A file keeps where each object was
//! written, so findings can cite file:line, and every statement that could not be read is
//! reported with file:line:column while the rest is still used.

use std::path::Path;

use super::assess::Locations;
use super::parse::{self, Diagnostic, Parsed};
use super::{Filter, Schema, introspect};
use crate::conn::Connection;
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// A schema and what is known about where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The model.
    pub schema: Schema,
    /// Where objects were written (files only).
    pub locations: Option<Locations>,
    /// Statements that could not be read, as `file:line:column: message`.
    pub problems: Vec<String>,
}

impl Loaded {
    /// True when some statement of the input could not be read.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Introspect a live database.
pub async fn from_database(connection: &Connection, filter: &Filter) -> Result<Loaded> {
    let schema = introspect(connection.client(), connection.dialect(), filter).await?;
    Ok(Loaded { schema, locations: None, problems: Vec::new() })
}

/// Read a schema file written in `dialect`.
pub fn from_file(path: &Path, dialect: Dialect) -> Result<Loaded> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::io(format!("reading schema file {}", path.display()), e)
            .with_kind(crate::ErrorKind::Config)
    })?;
    let database = path.file_stem().and_then(|s| s.to_str()).unwrap_or("schema");
    let parsed = match dialect {
        Dialect::Postgres => parse::pg::parse(&text, database),
        Dialect::Cockroach => parse::crdb::parse(&text, database),
    };
    Ok(from_parsed(path, parsed))
}

fn from_parsed(path: &Path, parsed: Parsed) -> Loaded {
    let file = path.display().to_string();
    let problems = parsed.diagnostics.iter().map(|d| cite(&file, d)).collect();
    let locations = Locations { file, objects: parsed.locations };
    Loaded { schema: parsed.schema, locations: Some(locations), problems }
}

fn cite(file: &str, d: &Diagnostic) -> String {
    format!("{file}:{}:{}: {} (in: {})", d.location.line, d.location.column, d.message, d.statement)
}
