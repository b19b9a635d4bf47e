//! The rule catalog: every rule's stable id, severity, rewrite and who applies it.
//!
//! Ids are `area.name` and never change meaning; a retired rule's id is not reused. The rules
//! themselves live with their direction: [`super::to_crdb`] (a CockroachDB target) and
//! [`super::to_pg`] (a PostgreSQL target, from either dialect).

use super::{Hit, Severity, Target};
use crate::dialect::Dialect;
use crate::schema::model::Schema;

/// Who applies a rule's rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fixer {
    /// `godwit convert` applies it.
    Godwit,
    /// The user must change the schema or the application.
    User,
}

/// One compatibility rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id (`trigger.statement-level`).
    pub id: &'static str,
    /// Source dialect the rule reads (`None`: any).
    pub source: Option<Dialect>,
    /// Target dialect the rule is about.
    pub target: Dialect,
    /// Severity of every finding of this rule.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// The rewrite, in words.
    pub rewrite: &'static str,
    /// Who applies the rewrite.
    pub fixer: Fixer,
    /// Whether the rule applies to a target release.
    pub(crate) gate: fn(Target) -> bool,
    /// Find the objects the rule is about.
    pub(crate) check: fn(&Schema, Target) -> Vec<Hit>,
}

impl Rule {
    /// True when the rule applies to a schema read from `source` and moved to `target`.
    pub fn applies(&self, source: Dialect, target: Target) -> bool {
        self.target == target.dialect
            && self.source.is_none_or(|s| s == source)
            && (self.gate)(target)
    }
}

/// Any release.
pub(crate) fn always(_: Target) -> bool {
    true
}

/// Every rule, both directions.
pub static RULES: std::sync::LazyLock<Vec<&'static Rule>> = std::sync::LazyLock::new(|| {
    super::to_crdb::RULES.iter().chain(super::to_pg::RULES.iter()).collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(id.contains('.'), "{id}");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)),
                "{id}"
            );
        }
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate rule id");
    }
}
