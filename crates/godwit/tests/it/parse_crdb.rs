//! The CockroachDB DDL parser against real `SHOW CREATE` outputs.
//!
//! The fixtures in `shared/fixtures/crdb-ddl` were copied from CockroachDB's own tests and
//! documentation (v21.1 to v26.2). Every one must parse without a diagnostic and every object
//! must have a location that points at its text (here); the submodules check the model field by
//! field for the constructs each fixture exercises ([`tables`], [`objects`]) and that broken
//! input costs only its own statement and never panics ([`robustness`]). No database is needed.

mod objects;
mod robustness;
mod tables;

use std::path::PathBuf;

use godwit::schema::model::{Column, QualifiedName, Schema, Table};
use godwit::schema::parse::crdb::parse;
use godwit::schema::parse::{Location, ObjectKey, Parsed};

/// The folder of CockroachDB `SHOW CREATE` fixtures.
fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/crdb-ddl"))
}

/// Every fixture: file name and text, sorted by name.
fn fixtures() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(fixture_dir())
        .expect("the fixture folder exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Parse one fixture, failing on any diagnostic.
fn fixture(name: &str) -> Parsed {
    let text = std::fs::read_to_string(fixture_dir().join(name)).unwrap();
    let parsed = parse(&text, "db");
    assert!(parsed.diagnostics.is_empty(), "{name}: {:#?}", parsed.diagnostics);
    parsed
}

/// How many objects the file defined (schemas count only when nothing else is there).
fn object_count(schema: &Schema) -> usize {
    let objects = schema.tables.len()
        + schema.views.len()
        + schema.sequences.len()
        + schema.types.enums.len()
        + schema.types.composites.len()
        + schema.routines.len()
        + schema.triggers.len();
    if objects == 0 { schema.schemas.len() } else { objects }
}

#[test]
fn every_fixture_parses_without_diagnostics() {
    let files = fixtures();
    assert_eq!(files.len(), 51, "the README lists 51 cases");
    for (name, text) in files {
        let parsed = parse(&text, "db");
        assert!(parsed.diagnostics.is_empty(), "{name}: {:#?}", parsed.diagnostics);
        assert!(object_count(&parsed.schema) > 0, "{name}: no object");
    }
}

fn table<'a>(parsed: &'a Parsed, schema: &str, name: &str) -> &'a Table {
    parsed.schema.table(schema, name).unwrap_or_else(|| panic!("no table {schema}.{name}"))
}

fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    table.column(name).unwrap_or_else(|| panic!("no column {name} in {}", table.name))
}

fn at(line: u32, column: u32) -> Location {
    Location { line, column }
}

/// The source text at `location` (1-based line and character column).
fn text_at(text: &str, location: Location) -> String {
    let line = text.lines().nth(location.line as usize - 1).unwrap_or_default();
    line.chars().skip(location.column as usize - 1).collect()
}

/// Every object has a location, and the location points at the text that defines it.
#[test]
fn every_location_points_at_its_object() {
    for (name, text) in fixtures() {
        let parsed = parse(&text, "db");
        let starts = |key: &ObjectKey, words: &[&str]| {
            let location = parsed
                .locations
                .get(key)
                .unwrap_or_else(|| panic!("{name}: no location for {key:?}"));
            let found = text_at(&text, *location);
            assert!(
                words.iter().any(|w| found.starts_with(w)),
                "{name}: {key:?} at {location:?} is {found:?}"
            );
        };
        for t in &parsed.schema.tables {
            let table = t.qualified_name();
            starts(&ObjectKey::Table(table.clone()), &["CREATE"]);
            for c in &t.columns {
                let quoted = format!("\"{}\"", c.name.replace('"', "\"\""));
                let key = ObjectKey::Column(table.clone(), c.name.clone());
                starts(&key, &[&quoted, &format!("{} ", c.name)]);
            }
            for c in &t.constraints {
                starts(
                    &ObjectKey::Constraint(table.clone(), c.name.clone()),
                    &["CONSTRAINT", "ADD"],
                );
            }
            for i in &t.indexes {
                let key = ObjectKey::Index(table.clone(), i.name.clone());
                starts(&key, &["CONSTRAINT", "INDEX", "UNIQUE", "INVERTED"]);
            }
        }
        for v in &parsed.schema.views {
            starts(&ObjectKey::View(v.qualified_name()), &["CREATE"]);
        }
        for s in &parsed.schema.sequences {
            starts(&ObjectKey::Sequence(QualifiedName::new(&s.schema, &s.name)), &["CREATE"]);
        }
        for e in &parsed.schema.types.enums {
            starts(&ObjectKey::Type(QualifiedName::new(&e.schema, &e.name)), &["CREATE"]);
        }
        for r in &parsed.schema.routines {
            let key =
                ObjectKey::Routine(QualifiedName::new(&r.schema, &r.name), r.arguments.clone());
            starts(&key, &["CREATE"]);
        }
        for t in &parsed.schema.triggers {
            let key = ObjectKey::Trigger(QualifiedName::new(&t.schema, &t.table), t.name.clone());
            starts(&key, &["CREATE"]);
        }
    }
}
