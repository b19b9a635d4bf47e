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

/// Every rule for a CockroachDB source fires on the fixture that shows its construct (rules
/// whose construct no fixture shows are covered by unit-level inputs elsewhere).
#[test]
fn cockroach_rules_fire_on_their_fixtures() {
    let expected = [
        ("scat_families_rowid.sql", "crdb.hidden-rowid"),
        ("add_pk_rowid_retained.sql", "crdb.hidden-rowid"),
        ("serial_rowid.sql", "crdb.unique-rowid"),
        ("hash_sharded_primary.sql", "crdb.hash-sharded-index"),
        ("hash_sharded_secondary_family.sql", "crdb.shard-column"),
        ("family_named_and_generated.sql", "crdb.column-family"),
        ("docs_not_visible_column.sql", "crdb.not-visible-column"),
        ("on_update_default.sql", "crdb.on-update"),
        ("ttl_expire_after.sql", "crdb.ttl"),
        ("docs_ttl_expiration_expression.sql", "crdb.ttl"),
        ("family_schema_locked.sql", "crdb.storage-parameter"),
        ("regional_by_row.sql", "crdb.locality"),
        ("docs_scat_localities.sql", "crdb.locality"),
        ("partition_list_default.sql", "crdb.partitioning"),
        ("partition_range_minvalue_maxvalue.sql", "crdb.partitioning"),
        ("interleave_partial_index_legacy.sql", "crdb.interleave"),
        ("unique_without_index_not_valid.sql", "crdb.unique-without-index"),
        ("computed_stored_with_defaults.sql", "crdb.legacy-primary-name"),
        ("expression_index_virtual_column.sql", "crdb.virtual-column"),
        ("geometry_any_srid.sql", "crdb.spatial-type"),
        ("computed_stored_with_defaults.sql", "crdb.expression-syntax"),
        ("docs_temp_table_inline_fk.sql", "crdb.temp-table"),
    ];
    let pg15 =
        Target { dialect: Dialect::Postgres, version: Version { major: 15, minor: 0, patch: 0 } };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/crdb-ddl");
    let mut missing = Vec::new();
    for (file, rule) in expected {
        let parsed = parse::crdb::parse(&std::fs::read_to_string(dir.join(file)).unwrap(), "db");
        let assessment = assess::assess(&parsed.schema, pg15, None);
        if !assessment.findings.iter().any(|f| f.rule == rule) {
            missing.push(format!("{file}: {rule}"));
        }
    }
    assert!(missing.is_empty(), "rules that did not fire: {missing:#?}");
}
