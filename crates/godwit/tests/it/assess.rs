//! Assessment of the real PostgreSQL fixtures, kept as reviewed golden files.
//!
//! Each `tests/golden/<fixture>.assess.md` is the Markdown report for a CockroachDB v26.2
//! target, reviewed against the feature list in `shared/fixtures/pg-schemas/README.md`; the
//! test fails when the report changes (regenerate with `GODWIT_BLESS=1` and review the diff).
//! Independently of the golden text, every feature the README lists must have its finding.

use std::path::{Path, PathBuf};

use godwit::dialect::{Dialect, Version};
use godwit::schema::assess::{self, Locations, Target};
use godwit::schema::parse;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/pg-schemas").join(name)
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.assess.md"))
}

fn crdb_26_2() -> Target {
    Target { dialect: Dialect::Cockroach, version: Version { major: 26, minor: 2, patch: 0 } }
}

/// Assess a fixture; returns the Markdown report and the rule ids found.
fn assess_fixture(name: &str) -> (String, Vec<&'static str>) {
    let parsed = parse::pg::parse(&std::fs::read_to_string(fixture(name)).unwrap(), "db");
    assert!(parsed.diagnostics.is_empty(), "{name}: {:?}", parsed.diagnostics);
    let locations = Locations { file: name.to_owned(), objects: parsed.locations };
    let assessment = assess::assess(&parsed.schema, crdb_26_2(), Some(&locations));
    let rules = assessment.findings.iter().map(|f| f.rule).collect();
    (assess::markdown(&assessment), rules)
}

fn check(name: &str, features: &[(&str, &str)]) {
    let (report, rules) = assess_fixture(name);
    let missing: Vec<String> = features
        .iter()
        .filter(|(_, rule)| !rules.contains(rule))
        .map(|(feature, rule)| format!("{feature} (expected rule {rule})"))
        .collect();
    assert!(missing.is_empty(), "{name}: features without their finding: {missing:#?}");
    let path = golden(name);
    if std::env::var_os("GODWIT_BLESS").is_some() {
        std::fs::write(&path, &report).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == report,
        "{name}: report differs from {}; rerun with GODWIT_BLESS=1 and review the diff",
        path.display()
    );
}

#[test]
fn pagila_assessment() {
    check(
        "pagila.sql",
        &[
            ("CREATE DOMAIN", "type.domain"),
            ("CREATE TYPE ... AS ENUM", "type.enum"),
            ("CREATE AGGREGATE", "routine.aggregate"),
            ("SECURITY DEFINER functions", "routine.security-definer"),
            ("BEFORE UPDATE triggers", "trigger.row"),
            ("GiST index on tsvector", "index.method"),
            ("tsvector_update_trigger", "trigger.builtin-function"),
            ("text[] column", "type.array"),
            ("PARTITION BY RANGE + ATTACH PARTITION", "table.partitioned"),
            ("views", "view.plain"),
            ("materialized view", "view.materialized"),
            ("GENERATED ... VIRTUAL", "column.generated"),
            ("uuidv7()", "expression.function-unavailable"),
            ("CREATE EXTENSION vector", "extension.built-in"),
            ("hnsw index", "index.vector"),
            ("sequences through DEFAULT nextval", "key.sequence"),
        ],
    );
}

#[test]
fn pagila_2017_inheritance_assessment() {
    check(
        "pagila-2017-inheritance.sql",
        &[
            ("INHERITS partitions", "table.inheritance"),
            ("CREATE RULE ... DO INSTEAD", "rule.unsupported"),
            ("EXECUTE PROCEDURE triggers", "trigger.row"),
            ("year domain", "type.domain"),
            ("enum", "type.enum"),
            ("SECURITY DEFINER", "routine.security-definer"),
            ("children without primary keys", "table.no-primary-key"),
        ],
    );
}

#[test]
fn openstreetmap_assessment() {
    check(
        "openstreetmap-apidb.sql",
        &[
            ("btree_gist extension", "extension.unavailable"),
            ("postgis extension", "extension.built-in"),
            ("enums", "type.enum"),
            ("GiST on integer and inet", "index.method"),
            ("inet_ops operator class", "index.opclass"),
            ("GIN on to_tsvector expressions", "index.expression"),
            ("sequences + OWNED BY", "key.sequence"),
        ],
    );
}
