//! Every rule of the schema check on small models, both directions of each asymmetric rule,
//! and the cross-dialect check: a real schema converted by `schema::convert`, parsed back in
//! the other dialect, compares clean.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use super::sequences::{compare_values, used, value_sql};
use super::{compare, expected_target};
use crate::dialect::Dialect;
use crate::schema::assess::Target;
use crate::schema::convert::{self, KeyStrategy, Options, Section};
use crate::schema::model::{Column, ConstraintKind, QualifiedName, ReferentialAction, Schema};
use crate::schema::parse;
use crate::verify::report::{SchemaDifference, Severity};

const DDL: &str = r#"
CREATE SEQUENCE public.items_id_seq;
CREATE TABLE public.parent (id integer NOT NULL, CONSTRAINT parent_pkey PRIMARY KEY (id));
CREATE TABLE public.items (
    id integer DEFAULT nextval('public.items_id_seq'::regclass) NOT NULL,
    parent_id integer,
    code character varying(10) NOT NULL,
    qty integer DEFAULT 0 NOT NULL,
    note text DEFAULT 'x'::text,
    label text,
    CONSTRAINT items_pkey PRIMARY KEY (id),
    CONSTRAINT items_code_key UNIQUE (code),
    CONSTRAINT items_qty_check CHECK ((qty >= 0)),
    CONSTRAINT items_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.parent(id)
);
ALTER SEQUENCE public.items_id_seq OWNED BY public.items.id;
CREATE INDEX items_label_idx ON public.items USING btree (lower(label)) WHERE (label IS NOT NULL);
CREATE INDEX items_qty_idx ON public.items USING btree (qty DESC);
"#;

fn schema() -> Schema {
    let parsed = parse::pg::parse(DDL, "db");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.schema
}

fn tables(s: &Schema) -> Vec<(String, String)> {
    s.tables.iter().map(|t| (t.schema.clone(), t.name.clone())).collect()
}

/// `(severity, object, table, name)` of each difference.
fn kinds(diffs: &[SchemaDifference]) -> Vec<(Severity, &str, &str, Option<&str>)> {
    diffs
        .iter()
        .map(|d| (d.severity, d.object.as_str(), d.table.as_str(), d.name.as_deref()))
        .collect()
}

/// Compare `schema()` with it changed by `change` (PostgreSQL on both sides).
fn diff(change: impl FnOnce(&mut Schema)) -> Vec<SchemaDifference> {
    let source = schema();
    let mut target = source.clone();
    change(&mut target);
    let mut selected = tables(&source);
    selected.extend(tables(&target));
    compare(&source, Dialect::Postgres, &target, Dialect::Postgres, &selected)
}

/// The same change, seen from the other side: `change` applied to the source.
fn reverse(change: impl FnOnce(&mut Schema)) -> Vec<SchemaDifference> {
    let target = schema();
    let mut source = target.clone();
    change(&mut source);
    let mut selected = tables(&source);
    selected.extend(tables(&target));
    compare(&source, Dialect::Postgres, &target, Dialect::Postgres, &selected)
}

fn items(s: &mut Schema) -> &mut crate::schema::model::Table {
    s.tables.iter_mut().find(|t| t.name == "items").unwrap()
}

fn column<'a>(s: &'a mut Schema, name: &str) -> &'a mut Column {
    items(s).columns.iter_mut().find(|c| c.name == name).unwrap()
}

const ITEMS: &str = "public.items";
use Severity::{Error, Info, Warning};

#[test]
fn identical_schemas_have_no_differences() {
    assert_eq!(diff(|_| {}), vec![]);
}

#[test]
fn tables_missing_on_either_side_are_errors() {
    let d = diff(|s| s.tables.retain(|t| t.name != "parent"));
    assert_eq!(kinds(&d), [(Error, "table", "public.parent", None)]);
    assert!(d[0].message.contains("missing on the target"), "{}", d[0].message);
    let d = reverse(|s| s.tables.retain(|t| t.name != "parent"));
    assert_eq!(kinds(&d), [(Error, "table", "public.parent", None)]);
    assert!(d[0].message.contains("target only"), "{}", d[0].message);
}

#[test]
fn missing_and_extra_columns() {
    let d = diff(|s| items(s).columns.retain(|c| c.name != "label"));
    // The index on lower(label) stays (its key is an expression): only the column is missing.
    assert_eq!(kinds(&d), [(Error, "column", ITEMS, Some("label"))]);
    let d = reverse(|s| items(s).columns.retain(|c| c.name != "label"));
    assert_eq!(kinds(&d), [(Warning, "column", ITEMS, Some("label"))]);
    let d = reverse(|s| {
        items(s).columns.retain(|c| c.name != "qty");
        items(s).constraints.retain(|c| c.kind != ConstraintKind::Check);
        items(s).indexes.retain(|i| i.name != "items_qty_idx");
    });
    // Extra NOT NULL column with a default: a warning; without one: an error.
    assert_eq!(
        kinds(&d),
        [
            (Warning, "column", ITEMS, Some("qty")),
            (Warning, "index", ITEMS, Some("items_qty_idx")),
            (Warning, "constraint", ITEMS, Some("items_qty_check"))
        ]
    );
    let d = diff(|s| {
        let mut c = Column::new("strict", 9, "integer");
        c.not_null = true;
        items(s).columns.push(c);
        let mut hidden = Column::new("rowid", 10, "bigint");
        hidden.not_null = true;
        hidden.cockroach.hidden = true;
        items(s).columns.push(hidden);
    });
    assert_eq!(
        kinds(&d),
        [(Info, "column", ITEMS, Some("rowid")), (Error, "column", ITEMS, Some("strict"))]
    );
}

#[test]
fn types_narrowing_is_an_error_widening_a_warning() {
    let widen = |s: &mut Schema| {
        let c = column(s, "qty");
        (c.data_type, c.base_type) = ("bigint".into(), "bigint".into());
    };
    let d = diff(widen);
    assert_eq!(kinds(&d), [(Warning, "type", ITEMS, Some("qty"))]);
    assert_eq!(d[0].message, "integer on the source widened to bigint on the target");
    let d = reverse(widen);
    assert_eq!(kinds(&d), [(Error, "type", ITEMS, Some("qty"))]);
    assert_eq!(d[0].message, "bigint on the source, integer on the target");
    let d = diff(|s| {
        let c = column(s, "code");
        c.data_type = "character varying(20)".into();
    });
    assert_eq!(kinds(&d), [(Warning, "type", ITEMS, Some("code"))]);
}

#[test]
fn nullability_both_ways() {
    let d = diff(|s| column(s, "note").not_null = true);
    assert_eq!(kinds(&d), [(Error, "nullability", ITEMS, Some("note"))]);
    let d = reverse(|s| column(s, "note").not_null = true);
    assert_eq!(kinds(&d), [(Warning, "nullability", ITEMS, Some("note"))]);
}

#[test]
fn defaults_differ_by_value_not_by_spelling() {
    let d = diff(|s| column(s, "note").default = Some("'y'::text".into()));
    assert_eq!(kinds(&d), [(Warning, "default", ITEMS, Some("note"))]);
    assert_eq!(d[0].message, "default `'x'::text` on the source, `'y'::text` on the target");
    let d = reverse(|s| column(s, "note").default = None);
    assert_eq!(kinds(&d), [(Warning, "default", ITEMS, Some("note"))]);
    let d = diff(|s| {
        column(s, "note").default = Some("'x'".into());
        column(s, "id").default = Some("nextval('items_id_seq'::regclass)".into());
        column(s, "qty").default = Some("(0)::integer".into());
    });
    assert_eq!(d, vec![]);
}

#[test]
fn identity_and_generation_are_compared() {
    use crate::schema::model::{Generated, GeneratedKind, Identity, IdentityKind};
    let d = diff(|s| {
        column(s, "id").identity = Some(Identity { kind: IdentityKind::Always, sequence: None });
        column(s, "label").generated =
            Some(Generated { kind: GeneratedKind::Stored, expression: "upper(code)".into() });
    });
    assert_eq!(
        kinds(&d),
        [(Warning, "default", ITEMS, Some("id")), (Warning, "default", ITEMS, Some("label"))]
    );
}

#[test]
fn primary_keys_must_have_the_same_columns() {
    let d = diff(|s| {
        items(s).constraints.iter_mut().find(|c| c.name == "items_pkey").unwrap().columns =
            vec!["code".into()];
    });
    assert_eq!(kinds(&d), [(Error, "primary_key", ITEMS, None)]);
    let d = diff(|s| items(s).constraints.retain(|c| c.name != "items_pkey"));
    assert_eq!(kinds(&d), [(Error, "primary_key", ITEMS, None)]);
    let d = reverse(|s| items(s).constraints.retain(|c| c.name != "items_pkey"));
    assert_eq!(kinds(&d), [(Error, "primary_key", ITEMS, None)]);
}

#[test]
fn constraints_compare_by_definition() {
    let unique = |s: &mut Schema| items(s).constraints.retain(|c| c.name != "items_code_key");
    assert_eq!(kinds(&diff(unique)), [(Warning, "constraint", ITEMS, Some("items_code_key"))]);
    assert_eq!(kinds(&reverse(unique)), [(Warning, "constraint", ITEMS, Some("items_code_key"))]);
    let renamed = diff(|s| {
        items(s).constraints.iter_mut().find(|c| c.name == "items_qty_check").unwrap().name =
            "qty_ok".into();
    });
    assert_eq!(kinds(&renamed), [(Info, "constraint", ITEMS, Some("items_qty_check"))]);
    let changed = diff(|s| {
        let c = items(s).constraints.iter_mut().find(|c| c.name == "items_qty_check").unwrap();
        c.check = Some("(qty > 0)".into());
        c.definition = "CHECK ((qty > 0))".into();
    });
    assert_eq!(kinds(&changed), [(Warning, "constraint", ITEMS, Some("items_qty_check"))]);
    assert_eq!(
        changed[0].message,
        "CHECK ((qty >= 0)) on the source, CHECK ((qty > 0)) on the target"
    );
    let same_text = diff(|s| {
        items(s).constraints.iter_mut().find(|c| c.name == "items_qty_check").unwrap().check =
            Some("qty>=0".into());
    });
    assert_eq!(same_text, vec![]);
}

#[test]
fn foreign_keys_compare_by_definition() {
    let fk = |s: &mut Schema| items(s).constraints.retain(|c| c.kind != ConstraintKind::ForeignKey);
    assert_eq!(kinds(&diff(fk)), [(Warning, "foreign_key", ITEMS, Some("items_parent_id_fkey"))]);
    assert_eq!(
        kinds(&reverse(fk)),
        [(Warning, "foreign_key", ITEMS, Some("items_parent_id_fkey"))]
    );
    let d = diff(|s| {
        let c =
            items(s).constraints.iter_mut().find(|c| c.kind == ConstraintKind::ForeignKey).unwrap();
        c.foreign_key.as_mut().unwrap().on_delete = ReferentialAction::Cascade;
    });
    assert_eq!(kinds(&d), [(Warning, "foreign_key", ITEMS, Some("items_parent_id_fkey"))]);
}

#[test]
fn a_unique_index_stands_for_a_unique_constraint() {
    let d = diff(|s| {
        let t = items(s);
        t.constraints.retain(|c| c.name != "items_code_key");
        let i = t.indexes.iter_mut().find(|i| i.name == "items_code_key").unwrap();
        i.constraint = None;
        i.name = "items_code_idx".into();
    });
    assert_eq!(kinds(&d), [(Info, "constraint", ITEMS, Some("items_code_key"))]);
    assert!(d[0].message.contains("the target has the unique index items_code_idx instead"));
}

#[test]
fn indexes_compare_by_definition() {
    let drop = |s: &mut Schema| items(s).indexes.retain(|i| i.name != "items_label_idx");
    assert_eq!(kinds(&diff(drop)), [(Warning, "index", ITEMS, Some("items_label_idx"))]);
    assert_eq!(kinds(&reverse(drop)), [(Warning, "index", ITEMS, Some("items_label_idx"))]);
    let renamed = diff(|s| {
        items(s).indexes.iter_mut().find(|i| i.name == "items_label_idx").unwrap().name =
            "other".into();
    });
    assert_eq!(kinds(&renamed), [(Info, "index", ITEMS, Some("items_label_idx"))]);
    assert!(
        renamed[0].message.contains("named items_label_idx on the source, other on the target")
    );
    let predicate = diff(|s| {
        items(s).indexes.iter_mut().find(|i| i.name == "items_label_idx").unwrap().predicate = None;
    });
    assert_eq!(kinds(&predicate), [(Warning, "index", ITEMS, Some("items_label_idx"))]);
    let order = diff(|s| {
        items(s).indexes.iter_mut().find(|i| i.name == "items_qty_idx").unwrap().keys[0]
            .descending = false;
    });
    assert_eq!(kinds(&order), [(Warning, "index", ITEMS, Some("items_qty_idx"))]);
    let method = diff(|s| {
        items(s).indexes.iter_mut().find(|i| i.name == "items_qty_idx").unwrap().method =
            "hash".into();
    });
    assert_eq!(kinds(&method), [(Warning, "index", ITEMS, Some("items_qty_idx"))]);
}

#[test]
fn differences_are_sorted_by_table_kind_and_name() {
    let d = diff(|s| {
        s.tables.retain(|t| t.name != "parent");
        items(s).indexes.retain(|i| i.name != "items_label_idx");
        column(s, "qty").not_null = false;
        column(s, "code").not_null = false;
        items(s).columns.retain(|c| c.name != "note");
    });
    assert_eq!(
        kinds(&d),
        [
            (Error, "column", ITEMS, Some("note")),
            (Warning, "nullability", ITEMS, Some("code")),
            (Warning, "nullability", ITEMS, Some("qty")),
            (Warning, "index", ITEMS, Some("items_label_idx")),
            (Error, "table", "public.parent", None),
        ]
    );
}

#[test]
fn sequences_behind_are_errors_ahead_info() {
    let name = QualifiedName::new("public", "s");
    assert_eq!(compare_values(&name, 1, (10, true), (10, true)), None);
    // Not called at 11 and called at 10 both hand out 11 next.
    assert_eq!(compare_values(&name, 1, (10, true), (11, false)), None);
    let behind = compare_values(&name, 1, (100, true), (50, true)).unwrap();
    assert_eq!(
        (behind.severity, behind.object.as_str(), behind.table.as_str()),
        (Error, "sequence", "public.s")
    );
    assert!(
        behind.message.contains("next value is 101 on the source, 51 on the target"),
        "{}",
        behind.message
    );
    assert_eq!(compare_values(&name, 1, (10, true), (20, true)).unwrap().severity, Info);
    // Descending sequences: lower is further along.
    assert_eq!(compare_values(&name, -1, (-10, true), (-5, true)).unwrap().severity, Error);
    assert_eq!(compare_values(&name, -1, (-10, true), (-20, true)).unwrap().severity, Info);
    assert_eq!(compare_values(&name, 1, (i64::MAX, true), (1, false)).unwrap().severity, Error);
}

#[test]
fn sequences_in_use_are_owned_or_named_by_defaults() {
    let mut s = schema();
    column(&mut s, "qty").default = Some("nextval('other_seq'::regclass)".into());
    column(&mut s, "label").default = Some("nextval('\"Odd\".\"S\"'::regclass)".into());
    let got: Vec<String> =
        used(&s, &[("public".into(), "items".into())]).iter().map(|q| q.to_string()).collect();
    assert_eq!(got, ["Odd.S", "public.items_id_seq", "public.other_seq"]);
    assert!(used(&s, &[("public".into(), "parent".into())]).is_empty());
}

#[test]
fn the_sequence_statement_reads_both_dialects() {
    // One statement for PostgreSQL and CockroachDB: both expose a sequence as a one-row
    // relation with last_value and is_called.
    assert_eq!(
        value_sql(&QualifiedName::new("Sales", "order\"s")),
        "SELECT last_value, is_called FROM \"Sales\".\"order\"\"s\""
    );
}

fn fixture(kind: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(kind)
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

/// `source` converted for `to`, written as DDL, and parsed back as `to`.
fn round_trip(source: &Schema, to: Dialect) -> Schema {
    let options = Options { target: Target::newest(to), keys: KeyStrategy::Keep };
    let conversion = convert::convert(source, &options, None);
    let text = format!("{}\n{}", conversion.sql(Section::Pre), conversion.sql(Section::Post));
    let parsed = match to {
        Dialect::Cockroach => parse::crdb::parse(&text, "db"),
        Dialect::Postgres => parse::pg::parse(&text, "db"),
    };
    // Statements the parser cannot place (a comment on the implicit `public` schema) do not
    // matter here: anything missing shows up in the comparison.
    parsed.schema
}

/// Warnings and errors of a cross-dialect comparison, as lines.
fn cross_problems(source: &Schema, from: Dialect, to: Dialect) -> (Vec<String>, usize) {
    let target = round_trip(source, to);
    let diffs = compare(source, from, &target, to, &tables(source));
    let info = diffs.iter().filter(|d| d.severity == Info).count();
    let problems = diffs
        .iter()
        .filter(|d| d.severity >= Warning)
        .map(|d| format!("{:?} {} {} {:?}: {}", d.severity, d.object, d.table, d.name, d.message))
        .collect();
    (problems, info)
}

#[test]
fn postgres_fixtures_converted_to_cockroach_compare_clean() {
    let mut problems = Vec::new();
    for name in ["pagila.sql", "pagila-2017-inheritance.sql", "openstreetmap-apidb.sql"] {
        let source = parse::pg::parse(&fixture("pg-schemas", name), "db").schema;
        assert!(source.tables.len() > 10, "{name}: {} tables", source.tables.len());
        let (found, info) = cross_problems(&source, Dialect::Postgres, Dialect::Cockroach);
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
        // pagila's GiST index on a tsvector cannot exist on CockroachDB: reported as info.
        assert!(info > 0, "{name}: what the conversion dropped is reported as info");
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_expected_target_is_the_conversion() {
    let source = schema();
    let (same, lost) = expected_target(&source, Dialect::Postgres, &source, Dialect::Postgres);
    assert_eq!((same, lost.len()), (source.clone(), 0));
    let (crdb, _) = expected_target(&source, Dialect::Postgres, &source, Dialect::Cockroach);
    assert_eq!(crdb.table("public", "items").unwrap().column("qty").unwrap().data_type, "INT4");
    let mut pg15 = Schema::empty(Dialect::Postgres, "db");
    pg15.server_version = Some("15.18 (Debian 15.18-0+deb12u1)".into());
    assert_eq!(super::release(&pg15, Dialect::Postgres).version.major, 15);
    assert_eq!(super::release(&source, Dialect::Postgres), Target::newest(Dialect::Postgres));
}

#[test]
fn cockroach_fixtures_converted_to_postgres_compare_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/crdb-ddl");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() > 40, "fixtures found: {}", files.len());
    let mut problems = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let source = parse::crdb::parse(&std::fs::read_to_string(file).unwrap(), "db").schema;
        let (found, _) = cross_problems(&source, Dialect::Cockroach, Dialect::Postgres);
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_cross_dialect_comparison_still_sees_differences() {
    let source = parse::pg::parse(&fixture("pg-schemas", "pagila.sql"), "db").schema;
    let mut target = round_trip(&source, Dialect::Cockroach);
    let film = target.tables.iter_mut().find(|t| t.name == "film").unwrap();
    film.indexes.retain(|i| i.name != "idx_title");
    let length = film.columns.iter_mut().find(|c| c.name == "length").unwrap();
    length.data_type = "INT8".into();
    let title = film.columns.iter_mut().find(|c| c.name == "title").unwrap();
    title.data_type = "STRING(10)".into();
    let d = compare(
        &source,
        Dialect::Postgres,
        &target,
        Dialect::Cockroach,
        &[("public".into(), "film".into())],
    );
    let problems: Vec<_> = d.iter().filter(|d| d.severity >= Warning).collect();
    let got: Vec<_> =
        problems.iter().map(|d| (d.severity, d.object.as_str(), d.name.as_deref())).collect();
    assert_eq!(
        got,
        [
            (Warning, "type", Some("length")),
            (Error, "type", Some("title")),
            (Warning, "index", Some("idx_title")),
        ],
        "{d:#?}"
    );
    assert_eq!(
        problems[0].message,
        "smallint on the source (expected as INT2 on CockroachDB) widened to INT8 on the target"
    );
}

#[test]
fn indexes_cockroach_cannot_have_are_info_with_the_reason() {
    let ddl = format!(
        "{DDL}\nCREATE INDEX items_code_hash ON public.items USING hash (code);\n\
         CREATE INDEX items_note_gist ON public.items USING gist (note);"
    );
    let source = parse::pg::parse(&ddl, "db").schema;
    let target = round_trip(&source, Dialect::Cockroach);
    let d = compare(&source, Dialect::Postgres, &target, Dialect::Cockroach, &tables(&source));
    assert_eq!(
        kinds(&d),
        [
            (Info, "index", ITEMS, Some("items_code_hash")),
            (Info, "index", ITEMS, Some("items_note_gist"))
        ],
        "{d:#?}"
    );
    assert!(
        d[0].message.contains("btree on CockroachDB, which has no hash indexes"),
        "{}",
        d[0].message
    );
    assert!(d[1].message.contains("GiST index on non-spatial columns dropped"), "{}", d[1].message);
}
