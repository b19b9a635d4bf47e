//! The schema check of `verify` against real PostgreSQL 15: the same DDL on two databases,
//! the target then altered one way per rule; exactly the expected differences appear.

use godwit::conn::{self, Connection};
use godwit::dialect::Dialect;
use godwit::schema::model::Schema;
use godwit::schema::{Filter, introspect};
use godwit::verify::schema_diff::{compare, sequence_differences};
use godwit::verify::{SchemaDifference, Severity};
use godwit_test_support::{TestDb, test_db};

const DDL: &str = "
CREATE TABLE parent (id integer PRIMARY KEY);
CREATE TABLE items (
    id serial PRIMARY KEY,
    parent_id integer REFERENCES parent (id),
    code varchar(10) NOT NULL UNIQUE,
    qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
    price numeric(10,2) CONSTRAINT price_positive CHECK (price > 0),
    note text DEFAULT 'x',
    small smallint,
    kind text,
    label text,
    gone text,
    created timestamptz DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX items_price_idx ON items (price);
CREATE INDEX items_label_idx ON items (lower(label)) WHERE label IS NOT NULL;
CREATE TABLE counters (id serial PRIMARY KEY, n integer);
CREATE TABLE dropme (id integer PRIMARY KEY, v text);
";

/// One change per rule, applied to the target only.
const ALTER_TARGET: &str = "
DROP INDEX items_price_idx;
ALTER INDEX items_label_idx RENAME TO items_lower_label_idx;
ALTER TABLE items ALTER COLUMN note SET DEFAULT 'y';
ALTER TABLE items ALTER COLUMN qty DROP NOT NULL;
ALTER TABLE items ALTER COLUMN price SET NOT NULL;
ALTER TABLE items ALTER COLUMN kind TYPE integer USING 0;
ALTER TABLE items ALTER COLUMN small TYPE integer;
ALTER TABLE items DROP COLUMN gone;
ALTER TABLE items ADD COLUMN extra text;
ALTER TABLE items ADD COLUMN strict integer NOT NULL;
ALTER TABLE items DROP CONSTRAINT items_qty_check;
ALTER TABLE items DROP CONSTRAINT items_parent_id_fkey;
ALTER TABLE items DROP CONSTRAINT items_code_key;
ALTER TABLE items RENAME CONSTRAINT price_positive TO price_above_zero;
DROP TABLE dropme;
CREATE TABLE added (id integer PRIMARY KEY);
";

async fn both() -> (TestDb, TestDb, Connection, Connection) {
    let (source, target) = (test_db().await, test_db().await);
    source.execute_script(DDL).await;
    target.execute_script(DDL).await;
    let s = conn::connect_str(&source.url()).await.unwrap();
    let t = conn::connect_str(&target.url()).await.unwrap();
    (source, target, s, t)
}

async fn read(c: &Connection) -> Schema {
    introspect(c.client(), Dialect::Postgres, &Filter::default()).await.unwrap()
}

/// The public tables of both sides: what a filter selecting `public` picks.
fn selected(source: &Schema, target: &Schema) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = source
        .tables
        .iter()
        .chain(&target.tables)
        .map(|t| (t.schema.clone(), t.name.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn kinds(diffs: &[SchemaDifference]) -> Vec<(Severity, String, String, Option<String>)> {
    diffs.iter().map(|d| (d.severity, d.object.clone(), d.table.clone(), d.name.clone())).collect()
}

fn expected(
    rows: &[(Severity, &str, &str, Option<&str>)],
) -> Vec<(Severity, String, String, Option<String>)> {
    rows.iter()
        .map(|(s, o, t, n)| (*s, (*o).to_owned(), (*t).to_owned(), n.map(str::to_owned)))
        .collect()
}

#[tokio::test]
async fn identical_databases_have_no_schema_differences() {
    let (_s, _t, s, t) = both().await;
    let (source, target) = (read(&s).await, read(&t).await);
    let tables = selected(&source, &target);
    assert_eq!(compare(&source, Dialect::Postgres, &target, Dialect::Postgres, &tables), vec![]);
    let sequences = sequence_differences(&s, &t, &source, &target, &tables).await.unwrap();
    assert_eq!(sequences, vec![]);
}

#[tokio::test]
async fn every_rule_reports_exactly_its_difference() {
    let (_s, target_db, s, t) = both().await;
    target_db.execute_script(ALTER_TARGET).await;
    let (source, target) = (read(&s).await, read(&t).await);
    let diffs = compare(
        &source,
        Dialect::Postgres,
        &target,
        Dialect::Postgres,
        &selected(&source, &target),
    );
    use Severity::{Error, Info, Warning};
    let items = "public.items";
    assert_eq!(
        kinds(&diffs),
        expected(&[
            (Error, "table", "public.added", None),
            (Error, "table", "public.dropme", None),
            (Warning, "column", items, Some("extra")),
            (Error, "column", items, Some("gone")),
            (Error, "column", items, Some("strict")),
            (Error, "type", items, Some("kind")),
            (Warning, "type", items, Some("small")),
            (Error, "nullability", items, Some("price")),
            (Warning, "nullability", items, Some("qty")),
            (Warning, "default", items, Some("note")),
            (Info, "index", items, Some("items_label_idx")),
            (Warning, "index", items, Some("items_price_idx")),
            (Warning, "constraint", items, Some("items_code_key")),
            (Warning, "constraint", items, Some("items_qty_check")),
            (Info, "constraint", items, Some("price_positive")),
            (Warning, "foreign_key", items, Some("items_parent_id_fkey")),
        ]),
        "{diffs:#?}"
    );
    let by_name = |n: &str| diffs.iter().find(|d| d.name.as_deref() == Some(n)).unwrap();
    assert_eq!(by_name("kind").message, "text on the source, integer on the target");
    assert_eq!(
        by_name("note").message,
        "default `'x'::text` on the source, `'y'::text` on the target"
    );
    assert!(by_name("items_label_idx").message.contains("items_lower_label_idx"), "{diffs:#?}");
}

#[tokio::test]
async fn sequences_behind_are_errors_and_ahead_are_info() {
    let (source_db, target_db, s, t) = both().await;
    source_db
        .execute_script("SELECT setval('items_id_seq', 100); SELECT setval('counters_id_seq', 10);")
        .await;
    target_db
        .execute_script("SELECT setval('items_id_seq', 50); SELECT setval('counters_id_seq', 20);")
        .await;
    let (source, target) = (read(&s).await, read(&t).await);
    let tables = selected(&source, &target);
    let diffs = sequence_differences(&s, &t, &source, &target, &tables).await.unwrap();
    use Severity::{Error, Info};
    assert_eq!(
        kinds(&diffs),
        expected(&[
            (Info, "sequence", "public.counters_id_seq", None),
            (Error, "sequence", "public.items_id_seq", None),
        ]),
        "{diffs:#?}"
    );
    assert!(
        diffs[1].message.contains("next value is 101 on the source, 51 on the target"),
        "{diffs:#?}"
    );
    // Once equal, nothing is reported; a sequence the target lacks is a warning.
    target_db
        .execute_script(
            "SELECT setval('items_id_seq', 100); SELECT setval('counters_id_seq', 10);
             ALTER TABLE counters ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE counters_id_seq;",
        )
        .await;
    let target = read(&t).await;
    let diffs = sequence_differences(&s, &t, &source, &target, &tables).await.unwrap();
    assert_eq!(
        kinds(&diffs),
        expected(&[(Severity::Warning, "sequence", "public.counters_id_seq", None)]),
        "{diffs:#?}"
    );
}

/// CockroachDB `SHOW CREATE` output: the cross-dialect spellings the check must see through.
const CRDB_DDL: &str = "
CREATE TABLE public.parent (
    id INT8 NOT NULL DEFAULT unique_rowid(),
    CONSTRAINT parent_pkey PRIMARY KEY (id ASC)
);
CREATE TABLE public.orders (
    id INT8 NOT NULL DEFAULT unique_rowid(),
    parent_id INT8 NULL,
    code STRING(20) NOT NULL,
    total DECIMAL(10,2) NOT NULL DEFAULT 0:::DECIMAL,
    status STRING NOT NULL DEFAULT 'new':::STRING,
    placed TIMESTAMPTZ NULL DEFAULT current_timestamp():::TIMESTAMPTZ,
    doc JSONB NULL,
    small INT2 NULL,
    CONSTRAINT orders_pkey PRIMARY KEY (id ASC),
    CONSTRAINT orders_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.parent(id) ON DELETE CASCADE,
    UNIQUE INDEX orders_code_key (code ASC),
    INDEX orders_placed_idx (placed DESC) STORING (total),
    INDEX orders_open_idx (status ASC) WHERE status != 'done':::STRING,
    INVERTED INDEX orders_doc_idx (doc),
    CONSTRAINT check_total CHECK (total >= 0:::DECIMAL)
);
CREATE TABLE public.notes (
    body STRING NULL,
    rowid INT8 NOT VISIBLE NOT NULL DEFAULT unique_rowid(),
    CONSTRAINT notes_pkey PRIMARY KEY (rowid ASC)
);
";

/// CockroachDB DDL converted by `schema convert` and applied to real PostgreSQL: the target as
/// PostgreSQL itself prints it compares clean with the CockroachDB source (info only).
#[tokio::test]
async fn cockroach_source_converted_to_postgres_compares_clean() {
    use godwit::event::Discard;
    use godwit::schema::apply::{self, Sections};
    use godwit::schema::assess::Target;
    use godwit::schema::convert::{self, KeyStrategy, Options, Section};
    let parsed = godwit::schema::parse::crdb::parse(CRDB_DDL, "db");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let source = parsed.schema;
    let options = Options { target: Target::newest(Dialect::Postgres), keys: KeyStrategy::Keep };
    let conversion = convert::convert(&source, &options, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pre-data.sql"), conversion.sql(Section::Pre)).unwrap();
    std::fs::write(dir.path().join("post-data.sql"), conversion.sql(Section::Post)).unwrap();
    let db = test_db().await;
    let t = conn::connect_str(&db.url()).await.unwrap();
    let report = apply::apply(&t, dir.path(), Sections::All, &Discard).await.unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let target = read(&t).await;
    let tables = selected(&source, &target);
    assert_eq!(tables.len(), 3, "{tables:?}");
    let diffs = compare(&source, Dialect::Cockroach, &target, Dialect::Postgres, &tables);
    let problems: Vec<_> = diffs.iter().filter(|d| d.severity >= Severity::Warning).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The negative control: the same target with one real difference.
    db.execute_script("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open'").await;
    let target = read(&t).await;
    let diffs = compare(&source, Dialect::Cockroach, &target, Dialect::Postgres, &tables);
    let problems: Vec<_> = diffs.iter().filter(|d| d.severity >= Severity::Warning).collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        (problems[0].object.as_str(), problems[0].name.as_deref()),
        ("default", Some("status"))
    );
}

/// pagila-2017 loaded into real PostgreSQL: PG→PG against itself is clean, and the schema as
/// PostgreSQL prints it compares clean with its own CockroachDB conversion (parsed back by the
/// CockroachDB parser; no CockroachDB server here).
#[tokio::test]
async fn live_pagila_compares_clean_with_itself_and_its_cockroach_conversion() {
    use godwit::schema::assess::Target;
    use godwit::schema::convert::{self, KeyStrategy, Options, Section};
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/pg-schemas/pagila-2017-inheritance.sql"
    ))
    .unwrap();
    let (source_db, target_db, s, t) = both().await;
    source_db.execute_script(&script).await;
    target_db.execute_script(&script).await;
    let (source, target) = (read(&s).await, read(&t).await);
    let tables = selected(&source, &target);
    assert!(tables.len() > 20, "{tables:?}");
    assert_eq!(compare(&source, Dialect::Postgres, &target, Dialect::Postgres, &tables), vec![]);
    assert_eq!(sequence_differences(&s, &t, &source, &target, &tables).await.unwrap(), vec![]);

    let options = Options { target: Target::newest(Dialect::Cockroach), keys: KeyStrategy::Keep };
    let conversion = convert::convert(&source, &options, None);
    let ddl = format!("{}\n{}", conversion.sql(Section::Pre), conversion.sql(Section::Post));
    let crdb = godwit::schema::parse::crdb::parse(&ddl, "db").schema;
    let diffs = compare(&source, Dialect::Postgres, &crdb, Dialect::Cockroach, &tables);
    let problems: Vec<_> = diffs.iter().filter(|d| d.severity >= Severity::Warning).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        diffs.iter().any(|d| d.object == "index" && d.severity == Severity::Info),
        "{diffs:#?}"
    );
}
