//! Schema conversion: target DDL from a schema model, split the way a migration needs it.
//!
//! ```text
//!   Schema (source) ──prepare (to_pg / to_crdb)──▶ Schema (target-ready) ──render──▶ statements
//!                       │ rewrites from crdb-dialect.md §1/§2               pre-data | post-data
//!                       └─▶ Unsupported (what could not be converted, and why)
//! ```
//!
//! `pre-data.sql` holds what must exist before rows are copied (schemas, types, sequences,
//! tables with primary keys); `post-data.sql` what is
//! cheaper to build after (secondary indexes, unique constraints, checks and foreign keys added
//! `NOT VALID` then validated, routines, views, triggers, policies, comments). Every statement
//! is preceded by a `-- godwit:statement <object>` marker so `schema apply` can split the files
//! without parsing SQL, and statements are written so that re-running them is harmless
//! (`IF NOT EXISTS`, `OR REPLACE`; `schema apply` treats "already exists" as done).

mod comments;
mod expr;
mod post;
mod render;
mod to_crdb;
mod to_pg;
mod types;
mod views;

pub use expr::crdb_to_pg as crdb_expression_to_pg;
pub use post::{TableObjects, table_objects};
pub use types::{crdb_to_pg as crdb_type_to_pg, pg_to_crdb as pg_type_to_crdb};

use super::assess::{self, Assessment, Locations, Target};
use super::model::Schema;
use crate::dialect::Dialect;

/// Which section of the output a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Before the data: schemas, types, sequences, tables with primary keys.
    Pre,
    /// After the data: indexes, constraints, routines, views, triggers, comments.
    Post,
}

/// One DDL statement (without the trailing semicolon).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    /// Its section.
    pub section: Section,
    /// The object it creates, for people (`table public.orders`).
    pub object: String,
    /// The SQL text.
    pub sql: String,
}

/// Something that was not converted (or converted with a loss), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unsupported {
    /// The object.
    pub object: String,
    /// The assessment rule that explains it.
    pub rule: &'static str,
    /// What happened to it.
    pub reason: String,
    /// The source definition, when there is one (written commented out).
    pub sql: Option<String>,
}

/// How keys filled from sequences are converted for a CockroachDB target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyStrategy {
    /// Keep sequences and identity columns (faithful; the default).
    #[default]
    Keep,
    /// Single-column sequence keys become `INT8 DEFAULT unique_rowid()`.
    UniqueRowid,
    /// Single-column sequence keys become `UUID DEFAULT gen_random_uuid()` (for schemas whose
    /// existing integer keys are not copied).
    Uuid,
}

/// Conversion options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The target dialect and release.
    pub target: Target,
    /// Key conversion for CockroachDB targets.
    pub keys: KeyStrategy,
}

/// The result of a conversion.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conversion {
    /// Source dialect.
    pub source: Dialect,
    /// Target.
    pub target: Target,
    /// Statements in order: all pre-data, then all post-data.
    pub statements: Vec<Statement>,
    /// What was not converted, or converted with a loss.
    pub unsupported: Vec<Unsupported>,
    /// The assessment of the source for this target.
    pub assessment: Assessment,
    /// The schema as it will exist on the target (what the statements create).
    #[serde(skip)]
    pub schema: Schema,
}

/// Convert `schema` for `options.target`.
pub fn convert(schema: &Schema, options: &Options, locations: Option<&Locations>) -> Conversion {
    let assessment = assess::assess(schema, options.target, locations);
    let (ready, unsupported) = match (schema.dialect, options.target.dialect) {
        (Dialect::Cockroach, Dialect::Postgres) => to_pg::prepare(schema, options.target),
        (Dialect::Postgres, Dialect::Cockroach) => to_crdb::prepare(schema, options),
        (Dialect::Cockroach, Dialect::Cockroach) => to_crdb::prepare(schema, options),
        (Dialect::Postgres, Dialect::Postgres) => (schema.clone(), Vec::new()),
    };
    let mut statements = Vec::new();
    render::pre(&ready, options.target.dialect, &mut statements);
    post::post(&ready, options.target.dialect, &mut statements);
    statements.sort_by_key(|s| s.section == Section::Post);
    Conversion {
        source: schema.dialect,
        target: options.target,
        statements,
        unsupported,
        assessment,
        schema: ready,
    }
}

/// The pre-data statements for a schema already prepared for `dialect` (the
/// [`Conversion::schema`] of a conversion, possibly trimmed by the caller).
pub fn pre_statements(ready: &Schema, dialect: Dialect) -> Vec<Statement> {
    let mut out = Vec::new();
    render::pre(ready, dialect, &mut out);
    out
}

/// The marker line that precedes every statement in the written files.
pub const MARKER: &str = "-- godwit:statement ";

impl Conversion {
    /// The text of `pre-data.sql` or `post-data.sql`.
    pub fn sql(&self, section: Section) -> String {
        let name = match section {
            Section::Pre => "pre-data",
            Section::Post => "post-data",
        };
        let mut out = format!(
            "-- {name}: {} → {} {}, written by godwit. Apply with `godwit schema apply`.\n\n",
            self.source, self.target.dialect, self.target.version
        );
        for s in self.statements.iter().filter(|s| s.section == section) {
            out.push_str(&format!("{MARKER}{}\n{};\n\n", s.object.replace('\n', " "), s.sql));
        }
        out
    }

    /// The text of `unsupported.sql`: every object not converted, commented out, with its rule.
    pub fn unsupported_sql(&self) -> String {
        let mut out = String::from(
            "-- Objects godwit did not convert (or converted with a loss), with the reason.\n\n",
        );
        for u in &self.unsupported {
            out.push_str(&format!(
                "-- [{}] {}: {}\n",
                u.rule,
                u.object,
                u.reason.replace('\n', " ")
            ));
            if let Some(sql) = &u.sql {
                for line in sql.lines() {
                    out.push_str(&format!("-- {line}\n"));
                }
            }
            out.push('\n');
        }
        out
    }

    /// The text of `report.md`.
    pub fn report_markdown(&self) -> String {
        let pre = self.statements.iter().filter(|s| s.section == Section::Pre).count();
        let post = self.statements.len() - pre;
        let mut out = format!(
            "# Conversion report\n\n{} → {} {}: {pre} pre-data and {post} post-data statements, {} object(s) not converted or converted with a loss.\n\n",
            self.source,
            self.target.dialect,
            self.target.version,
            self.unsupported.len()
        );
        if !self.unsupported.is_empty() {
            out.push_str("## Not converted\n\n| object | rule | what happened |\n|---|---|---|\n");
            for u in &self.unsupported {
                out.push_str(&format!(
                    "| `{}` | `{}` | {} |\n",
                    u.object,
                    u.rule,
                    u.reason.replace('|', "\\|")
                ));
            }
            out.push('\n');
        }
        out.push_str(&assess::markdown(&self.assessment).replacen(
            "# Schema assessment",
            "## Assessment",
            1,
        ));
        out
    }
}

/// Split a file written by [`Conversion::sql`] back into `(object, sql)` statements, with the
/// line each statement starts on.
pub fn split_statements(text: &str) -> Vec<(usize, String, String)> {
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(object) = line.strip_prefix(MARKER) {
            out.push((n + 2, object.to_owned(), String::new()));
        } else if let Some((_, _, sql)) = out.last_mut() {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    for (_, _, sql) in &mut out {
        *sql = post::trim_semicolon(sql);
    }
    out.retain(|(_, _, sql)| !sql.is_empty());
    out
}
