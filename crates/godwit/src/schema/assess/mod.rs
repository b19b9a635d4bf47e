//! Compatibility assessment: everything in a schema that will not survive a move as it is.
//!
//! Each [`Finding`] names a rule with a stable id (`trigger.statement-level`), a [`Severity`],
//! the object, where it was written (file:line when the schema came from a file), why it
//! matters and the rewrite, and whether godwit applies that rewrite itself (`convert` does) or
//! the user has to. Rules come from `crdb-dialect.md` §1 (PostgreSQL → CockroachDB) and §2
//! (CockroachDB → PostgreSQL) plus the categories of CockroachDB's Schema Conversion Tool
//! (missing primary keys, sequences as keys, timestamp-leading indexes, INT width, owners).
//! Rules that depend on the target release are gated by [`Target::version`].

mod report;
mod rules;
mod to_crdb;
mod to_pg;

use std::collections::BTreeMap;

pub use report::{html, markdown, text};
pub use rules::{Fixer, RULES, Rule};
pub(crate) use to_pg::{is_implicit_rowid, is_shard_column};

use super::model::Schema;
use super::parse::{Location, ObjectKey};
use crate::dialect::{Dialect, Version};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The object cannot be moved until someone changes it.
    Blocker,
    /// It moves, but behaviour or data changes; review it.
    Warning,
    /// Worth doing for the target's sake (performance, operations).
    Suggestion,
    /// For the record: godwit handles it.
    Info,
}

impl Severity {
    /// The lower-case name used in every format.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
            Severity::Suggestion => "suggestion",
            Severity::Info => "info",
        }
    }
}

/// The database a schema is assessed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// Target dialect.
    pub dialect: Dialect,
    /// Target release.
    pub version: Version,
}

impl Target {
    /// The newest documented release of `dialect`: CockroachDB v26.2, PostgreSQL 18.
    pub fn newest(dialect: Dialect) -> Self {
        let version = match dialect {
            Dialect::Cockroach => Version { major: 26, minor: 2, patch: 0 },
            Dialect::Postgres => Version { major: 18, minor: 0, patch: 0 },
        };
        Target { dialect, version }
    }

    /// True when the target is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version.major, self.version.minor) >= (major, minor)
    }
}

/// Where an object was written, when the schema came from a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceLocation {
    /// The file, as given.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// One thing that will not survive the move as it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable rule id.
    pub rule: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// The object, as `schema.table[.column|.index|...]`.
    pub object: String,
    /// The object's kind (`table`, `column`, `index`, ...).
    pub object_kind: &'static str,
    /// Where it was written, when read from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
    /// Why it matters, for this object.
    pub message: String,
    /// The rewrite.
    pub rewrite: &'static str,
    /// Who applies the rewrite.
    pub fixer: Fixer,
}

/// The result of an assessment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Assessment {
    /// The source dialect.
    pub source: Dialect,
    /// The target.
    pub target: Target,
    /// Counts by severity.
    pub summary: Summary,
    /// Findings, blockers first, then by object and rule.
    pub findings: Vec<Finding>,
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Blockers.
    pub blockers: usize,
    /// Warnings.
    pub warnings: usize,
    /// Suggestions.
    pub suggestions: usize,
    /// Infos.
    pub infos: usize,
}

impl Assessment {
    /// True when something must change before the move.
    pub fn has_blockers(&self) -> bool {
        self.summary.blockers > 0
    }
}

/// Where the objects of a schema read from a file were written.
#[derive(Debug, Clone, Default)]
pub struct Locations {
    /// The file name to cite.
    pub file: String,
    /// Positions by object.
    pub objects: BTreeMap<ObjectKey, Location>,
}

/// A raw finding from a rule check: the object and the specific reason.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) key: ObjectKey,
    pub(crate) message: String,
}

impl Hit {
    pub(crate) fn new(key: ObjectKey, message: impl Into<String>) -> Self {
        Hit { key, message: message.into() }
    }
}

/// Assess `schema` for `target`. `locations` cites file:line when the schema came from a file.
pub fn assess(schema: &Schema, target: Target, locations: Option<&Locations>) -> Assessment {
    let mut findings = Vec::new();
    for rule in RULES.iter().filter(|r| r.applies(schema.dialect, target)) {
        for hit in (rule.check)(schema, target) {
            findings.push(finding(rule, hit, locations));
        }
    }
    findings.sort_by(|a, b| (a.severity, &a.object, a.rule).cmp(&(b.severity, &b.object, b.rule)));
    findings.dedup_by(|a, b| a.rule == b.rule && a.object == b.object && a.message == b.message);
    let summary = summarise(&findings);
    Assessment { source: schema.dialect, target, summary, findings }
}

fn finding(rule: &Rule, hit: Hit, locations: Option<&Locations>) -> Finding {
    let location = locations.and_then(|l| {
        let at = l.objects.get(&hit.key).or_else(|| l.objects.get(&owner(&hit.key)))?;
        Some(SourceLocation { file: l.file.clone(), line: at.line, column: at.column })
    });
    Finding {
        rule: rule.id,
        severity: rule.severity,
        object: describe(&hit.key),
        object_kind: kind(&hit.key),
        location,
        message: hit.message,
        rewrite: rule.rewrite,
        fixer: rule.fixer,
    }
}

fn summarise(findings: &[Finding]) -> Summary {
    let mut s = Summary::default();
    for f in findings {
        match f.severity {
            Severity::Blocker => s.blockers += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Suggestion => s.suggestions += 1,
            Severity::Info => s.infos += 1,
        }
    }
    s
}

/// The table an object belongs to, for locating column/constraint findings by their table.
fn owner(key: &ObjectKey) -> ObjectKey {
    match key {
        ObjectKey::Column(t, _)
        | ObjectKey::Constraint(t, _)
        | ObjectKey::Index(t, _)
        | ObjectKey::Trigger(t, _) => ObjectKey::Table(t.clone()),
        other => other.clone(),
    }
}

fn describe(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Schema(s) => s.clone(),
        ObjectKey::Table(n) | ObjectKey::Sequence(n) | ObjectKey::View(n) | ObjectKey::Type(n) => {
            n.to_string()
        }
        ObjectKey::Column(t, c)
        | ObjectKey::Constraint(t, c)
        | ObjectKey::Index(t, c)
        | ObjectKey::Trigger(t, c) => format!("{t}.{c}"),
        ObjectKey::Routine(n, args) => format!("{n}({args})"),
    }
}

fn kind(key: &ObjectKey) -> &'static str {
    match key {
        ObjectKey::Schema(_) => "schema",
        ObjectKey::Table(_) => "table",
        ObjectKey::Column(..) => "column",
        ObjectKey::Constraint(..) => "constraint",
        ObjectKey::Index(..) => "index",
        ObjectKey::Sequence(_) => "sequence",
        ObjectKey::View(_) => "view",
        ObjectKey::Type(_) => "type",
        ObjectKey::Routine(..) => "routine",
        ObjectKey::Trigger(..) => "trigger",
    }
}
