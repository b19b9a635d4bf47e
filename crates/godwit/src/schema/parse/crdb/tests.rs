//! Whole-file behaviour: statement boundaries, dispatch, skipped statements, diagnostics.

use super::*;
use crate::schema::model::QualifiedName;
use crate::schema::parse::{Location, ObjectKey};

fn at(line: u32, column: u32) -> Location {
    Location { line, column }
}

#[test]
fn splits_statements_at_semicolons_outside_strings_and_bodies() {
    let tokens = lexer::lex("a ';'; b $$;$$; ; c (;) d; CREATE FUNCTION f() BEGIN ATOMIC x; CASE WHEN 1 THEN 2 END; END; e").tokens;
    let lengths: Vec<usize> = statements(&tokens).iter().map(|s| s.len()).collect();
    assert_eq!(lengths, [2, 2, 2, 2, 17, 1]);
}

#[test]
fn an_empty_file_is_an_empty_schema_of_the_given_database() {
    let parsed = parse("-- nothing here\n", "movr");
    assert_eq!(parsed.schema.database, "movr");
    assert!(parsed.schema.tables.is_empty() && parsed.diagnostics.is_empty());
    assert!(parsed.skipped.is_empty());
}

#[test]
fn session_statements_and_warnings_are_skipped() {
    let parsed = parse(
        "SET CLUSTER SETTING kv.rangefeed.enabled = true;\nUSE movr;\nCREATE DATABASE movr;\n\
         ALTER DATABASE movr CONFIGURE ZONE USING num_replicas = 5;\nCOMMENT ON DATABASE movr IS 'x';\n\
         -- Warning: Partitioned table with no zone configurations.\n",
        "db",
    );
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.schema.database, "movr");
    let lines: Vec<u32> = parsed.skipped.iter().map(|(at, _)| at.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6]);
    assert_eq!(parsed.skipped[0].1, "SET CLUSTER SETTING kv.rangefeed.enabled = true");
    assert!(parsed.skipped[5].1.starts_with("-- Warning:"));
}

#[test]
fn the_first_database_named_by_the_text_wins() {
    let parsed = parse("CREATE TABLE type_test.public.t (x type_test.public.test NULL)", "db");
    assert_eq!(parsed.schema.database, "type_test");
    assert_eq!(parsed.schema.tables[0].columns[0].data_type, "public.test");
}

#[test]
fn unknown_statements_are_diagnostics_and_the_rest_still_parses() {
    let parsed = parse(
        "CREATE TABLE a (x INT8 PRIMARY KEY);\nGRANT ALL ON a TO bob;\nCREATE TABLE b (y INT8 PRIMARY KEY)",
        "db",
    );
    assert_eq!(parsed.diagnostics.len(), 1);
    let d = &parsed.diagnostics[0];
    assert_eq!((d.location, d.statement.as_str()), (at(2, 1), "GRANT ALL ON a TO bob"));
    assert!(d.message.contains("GRANT"), "{}", d.message);
    assert_eq!(parsed.schema.tables.len(), 2);
}

#[test]
fn lexer_errors_cost_only_their_statement() {
    let parsed = parse(
        "CREATE TABLE a (x INT8 PRIMARY KEY, y e'\\u12');\nCREATE TABLE b (y INT8 PRIMARY KEY)",
        "db",
    );
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].location, at(1, 39));
    assert_eq!(parsed.schema.tables.len(), 1);
}

#[test]
fn duplicates_keep_the_first_definition() {
    let parsed = parse(
        "CREATE TABLE t (a INT8 PRIMARY KEY);\nCREATE SEQUENCE t;\nCREATE SCHEMA s;\nCREATE SCHEMA s;\n\
         CREATE FUNCTION f() RETURNS INT8 AS 'SELECT 1';\nCREATE OR REPLACE FUNCTION f() RETURNS INT8 AS 'SELECT 2'",
        "db",
    );
    let messages: Vec<&str> = parsed.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Table public.t is defined twice; the definition at line 1, column 1 is kept",
            "Schema s is defined twice; the definition at line 3, column 1 is kept",
        ]
    );
    assert!(parsed.schema.sequences.is_empty());
    assert_eq!(parsed.schema.routines.len(), 1);
    let key = ObjectKey::Routine(QualifiedName::new("public", "f"), String::new());
    assert_eq!(parsed.locations[&key], at(6, 1));
}

#[test]
fn deferred_statements_find_their_targets_anywhere_in_the_file() {
    let parsed = parse(
        "COMMENT ON TABLE t IS 'early';\nCREATE INDEX ON t (a);\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);\n\
         CREATE TABLE t (a INT8 PRIMARY KEY);\nALTER INDEX t_a_idx CONFIGURE ZONE USING gc.ttlseconds = 600;\n\
         COMMENT ON INDEX t_a_idx IS 'found by name';\nALTER TABLE nowhere VALIDATE CONSTRAINT c",
        "db",
    );
    let t = parsed.schema.table("public", "t").unwrap();
    assert_eq!(t.comment.as_deref(), Some("early"));
    assert_eq!(t.index("t_a_idx").unwrap().comment.as_deref(), Some("found by name"));
    assert_eq!(t.constraint("c").unwrap().columns, ["a"]);
    assert_eq!(
        t.cockroach.zone_configs,
        ["ALTER INDEX t_a_idx CONFIGURE ZONE USING gc.ttlseconds = 600"]
    );
    let name = QualifiedName::new("public", "t");
    assert_eq!(parsed.locations[&ObjectKey::Index(name.clone(), "t_a_idx".into())], at(2, 1));
    assert_eq!(parsed.locations[&ObjectKey::Constraint(name, "c".into())], at(3, 15));
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].message, "Table public.nowhere is not defined in this file");
    assert_eq!(parsed.diagnostics[0].location, at(7, 21));
}

#[test]
fn add_primary_key_replaces_the_implied_rowid_key() {
    let parsed =
        parse("CREATE TABLE t (x INT8 NOT NULL);\nALTER TABLE t ADD PRIMARY KEY (x)", "db");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let t = parsed.schema.table("public", "t").unwrap();
    assert_eq!(t.primary_key().unwrap().columns, ["x"]);
    assert!(t.column("rowid").unwrap().cockroach.hidden);
    assert_eq!(t.indexes.len(), 1);
    let again =
        parse("CREATE TABLE t (x INT8 PRIMARY KEY);\nALTER TABLE t ADD PRIMARY KEY (x)", "db");
    assert!(again.diagnostics[0].message.contains("already has a primary key"));
}

#[test]
fn foreign_keys_without_columns_reference_the_primary_key() {
    let parsed = parse(
        "CREATE TABLE p (a INT8, b INT8, PRIMARY KEY (a, b));\nCREATE TABLE c (x INT8 REFERENCES p)",
        "db",
    );
    let c = parsed.schema.table("public", "c").unwrap();
    let fk = c.constraint("c_x_fkey").unwrap().foreign_key.as_ref().unwrap();
    assert_eq!(fk.columns, ["a", "b"]);
}

#[test]
fn every_schema_that_holds_an_object_is_listed() {
    let parsed = parse(
        "CREATE SCHEMA s AUTHORIZATION bob;\nCREATE TABLE s2.t (a INT8 PRIMARY KEY);\nCREATE TYPE public.e AS ENUM ()",
        "db",
    );
    let names: Vec<(&str, &str)> =
        parsed.schema.schemas.iter().map(|n| (n.name.as_str(), n.owner.as_str())).collect();
    assert_eq!(names, [("public", ""), ("s", "bob"), ("s2", "")]);
    assert!(parsed.locations.contains_key(&ObjectKey::Schema("s".into())));
    assert!(!parsed.locations.contains_key(&ObjectKey::Schema("s2".into())));
}

#[test]
fn comments_on_missing_or_ambiguous_objects_are_diagnostics() {
    let parsed = parse(
        "CREATE TABLE a (x INT8 PRIMARY KEY, INDEX i (x));\nCREATE TABLE b (x INT8 PRIMARY KEY, INDEX i (x));\n\
         COMMENT ON INDEX i IS 'which?';\nCOMMENT ON COLUMN a.nope IS 'x';\nCOMMENT ON CONSTRAINT a_pkey ON a IS 'pk';\n\
         COMMENT ON TYPE t IS 'x'",
        "db",
    );
    let messages: Vec<&str> = parsed.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Several tables of schema public have an index \"i\"; write table@index",
            "COMMENT ON names column public.a.nope, which this file does not define",
            "COMMENT ON names type public.t, which this file does not define",
        ]
    );
    let a = parsed.schema.table("public", "a").unwrap();
    assert_eq!(a.constraint("a_pkey").unwrap().comment.as_deref(), Some("pk"));
}

#[test]
fn row_level_security_and_policies() {
    let parsed = parse(
        "CREATE TABLE t (a INT8 PRIMARY KEY);\nALTER TABLE t ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n\
         CREATE POLICY p ON public.t FOR SELECT TO public USING (a > 0:::INT8);\nCREATE POLICY p ON t",
        "db",
    );
    let t = parsed.schema.table("public", "t").unwrap();
    assert!(t.row_security && t.force_row_security);
    assert_eq!(parsed.schema.policies.len(), 1);
    assert_eq!(parsed.schema.policies[0].using.as_deref(), Some("a > 0:::INT8"));
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].location, at(4, 1));
}
