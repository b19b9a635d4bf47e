//! Conversion end to end against real PostgreSQL 15: every CockroachDB fixture converts to DDL
//! PostgreSQL accepts and whose catalog matches the fixture; pagila-2017 round-trips
//! PostgreSQL → PostgreSQL to an identical model; `schema apply` is idempotent and names every
//! failing statement.

use std::path::{Path, PathBuf};

use godwit::conn::{self, Connection};
use godwit::dialect::{Dialect, Version};
use godwit::event::Discard;
use godwit::schema::apply::{self, Sections};
use godwit::schema::assess::Target;
use godwit::schema::convert::{self, KeyStrategy, Options, Section, crdb_type_to_pg};
use godwit::schema::model::{ConstraintKind, IndexTarget, Schema, Table};
use godwit::schema::{Filter, introspect, parse};
use godwit_test_support::{TestDb, test_db};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures").join(kind)
}

fn pg15() -> Options {
    Options {
        target: Target {
            dialect: Dialect::Postgres,
            version: Version { major: 15, minor: 0, patch: 0 },
        },
        keys: KeyStrategy::Keep,
    }
}

/// Write the conversion to a directory and apply it (pre, then post) to `db`.
async fn convert_and_apply(
    schema: &Schema,
    options: &Options,
    db: &TestDb,
) -> (Connection, apply::Report) {
    let conversion = convert::convert(schema, options, None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pre-data.sql"), conversion.sql(Section::Pre)).unwrap();
    std::fs::write(dir.path().join("post-data.sql"), conversion.sql(Section::Post)).unwrap();
    let target = conn::connect_str(&db.url()).await.unwrap();
    let report = apply::apply(&target, dir.path(), Sections::All, &Discard).await.unwrap();
    (target, report)
}

#[tokio::test]
async fn every_cockroach_fixture_converts_to_postgres_and_matches_its_catalog() {
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures("crdb-ddl"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 51, "fixture count");
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let parsed = parse::crdb::parse(&std::fs::read_to_string(file).unwrap(), "db");
        assert!(parsed.diagnostics.is_empty(), "{name}: {:?}", parsed.diagnostics);
        let db = test_db().await;
        for stub in stubs(&parsed.schema) {
            db.execute_script(&stub).await;
        }
        let (target, report) = convert_and_apply(&parsed.schema, &pg15(), &db).await;
        for f in &report.failures {
            problems.push(format!(
                "{name}: {} {} [{}] {}",
                f.location,
                f.object,
                f.sqlstate.as_deref().unwrap_or("-"),
                f.message
            ));
        }
        let pg = introspect(target.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
        problems.extend(compare(&parsed.schema, &pg).into_iter().map(|p| format!("{name}: {p}")));
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// Several fixtures are one table's `SHOW CREATE TABLE` and refer to objects the rest of that
/// database's dump would define (a referenced table, an enum, a trigger's table or function).
/// A user converts the whole dump; here those objects are created first as minimal stand-ins.
fn stubs(s: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.tables {
        for c in &t.columns {
            let ty = crdb_type_to_pg(&c.base_type);
            let defined =
                s.types.enums.iter().chain([]).any(|e| format!("{}.{}", e.schema, e.name) == ty);
            if ty.contains('.') && !defined && !out.iter().any(|o: &String| o.contains(&ty)) {
                out.push(format!("create type {ty} as enum ('stub')"));
            }
        }
        for c in t.constraints.iter().filter_map(|c| c.foreign_key.as_ref().map(|fk| (c, fk))) {
            let (c, fk) = c;
            if s.table(&fk.table.schema, &fk.table.name).is_some() {
                continue;
            }
            let cols: Vec<String> = c
                .columns
                .iter()
                .zip(&fk.columns)
                .map(|(local, remote)| {
                    format!("\"{remote}\" {}", crdb_type_to_pg(&t.column(local).unwrap().data_type))
                })
                .collect();
            let keys: Vec<String> = fk.columns.iter().map(|c| format!("\"{c}\"")).collect();
            out.push(format!(
                "create table {} ({}, unique ({}))",
                fk.table.quoted(),
                cols.join(", "),
                keys.join(", ")
            ));
        }
    }
    for tr in &s.triggers {
        if s.table(&tr.schema, &tr.table).is_none()
            && !out.iter().any(|o| o.contains(&format!("\"{}\" ()", tr.table)))
        {
            out.push(format!("create table \"{}\".\"{}\" ()", tr.schema, tr.table));
        }
        if !s.routines.iter().any(|r| r.name == tr.function.name)
            && !out.iter().any(|o| o.contains(&tr.function.quoted()))
        {
            out.push(format!("create function {}() returns trigger language plpgsql as $$begin return new; end$$", tr.function.quoted()));
        }
    }
    out
}

/// Columns the conversion drops on purpose: hash-shard columns, TTL and region columns, and a
/// hidden rowid that survives beside a real primary key.
fn kept_columns(t: &Table) -> Vec<&godwit::schema::model::Column> {
    let real_pk =
        t.primary_key().is_some_and(|pk| !pk.columns.iter().any(|c| c.starts_with("rowid")));
    t.columns
        .iter()
        .filter(|c| !(c.name.starts_with("crdb_internal_") && c.name.contains("_shard_")))
        .filter(|c| {
            !(c.cockroach.hidden
                && (c.name == "crdb_internal_expiration" || c.name == "crdb_region"))
        })
        .filter(|c| !(real_pk && c.cockroach.hidden && c.name.starts_with("rowid")))
        .collect()
}

fn compare(crdb: &Schema, pg: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for t in &crdb.tables {
        let Some(p) = pg.table(&t.schema, &t.name) else {
            out.push(format!("table {} missing", t.qualified_name()));
            continue;
        };
        compare_columns(t, p, &mut out);
        compare_keys(t, p, &mut out);
        compare_indexes(t, p, &mut out);
    }
    for v in &crdb.views {
        if pg.view(&v.schema, &v.name).is_none() {
            out.push(format!("view {}.{} missing", v.schema, v.name));
        }
    }
    for e in &crdb.types.enums {
        let found = pg.types.enums.iter().find(|x| x.name == e.name && x.schema == e.schema);
        if e.name != "crdb_internal_region" && found.map(|x| &x.labels) != Some(&e.labels) {
            out.push(format!("enum {}.{} differs", e.schema, e.name));
        }
    }
    for q in &crdb.sequences {
        if pg.sequence(&q.schema, &q.name).is_none() {
            out.push(format!("sequence {}.{} missing", q.schema, q.name));
        }
    }
    for r in &crdb.routines {
        if !pg.routines.iter().any(|x| x.name == r.name && x.schema == r.schema) {
            out.push(format!("routine {}.{} missing", r.schema, r.name));
        }
    }
    for tr in &crdb.triggers {
        if !pg.triggers.iter().any(|x| x.name == tr.name && x.table == tr.table) {
            out.push(format!("trigger {}.{} missing", tr.table, tr.name));
        }
    }
    out
}

fn compare_columns(t: &Table, p: &Table, out: &mut Vec<String>) {
    let kept = kept_columns(t);
    let want: Vec<&str> = kept.iter().map(|c| c.name.as_str()).collect();
    let got: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    if want != got {
        out.push(format!("{}: columns {got:?}, expected {want:?}", t.qualified_name()));
        return;
    }
    for (c, pc) in kept.iter().zip(&p.columns) {
        let ty = crdb_type_to_pg(&c.data_type);
        // Extension types (PostGIS) live in public, so format_type qualifies them.
        let got = if ty.starts_with("geometry") || ty.starts_with("geography") {
            pc.data_type.trim_start_matches("public.")
        } else {
            pc.data_type.as_str()
        };
        if got != ty {
            out.push(format!(
                "{}.{}: type {} (from {}), expected {ty}",
                t.qualified_name(),
                c.name,
                pc.data_type,
                c.data_type
            ));
        }
        let rowid_default = c.default.as_deref().is_some_and(|d| d.contains("unique_rowid()"));
        let not_null = c.not_null
            || rowid_default
            || t.primary_key().is_some_and(|k| k.columns.contains(&c.name));
        if pc.not_null != not_null {
            out.push(format!(
                "{}.{}: not null {} expected {not_null}",
                t.qualified_name(),
                c.name,
                pc.not_null
            ));
        }
        let has_default = if rowid_default {
            pc.identity.is_some()
        } else {
            pc.default.is_some() == c.default.is_some()
        };
        if !has_default || pc.generated.is_some() != c.generated.is_some() {
            out.push(format!(
                "{}.{}: default/generated {:?}/{:?} vs {:?}/{:?}",
                t.qualified_name(),
                c.name,
                pc.default,
                pc.generated,
                c.default,
                c.generated
            ));
        }
    }
}

fn key_columns(cols: &[String]) -> Vec<String> {
    cols.iter()
        .filter(|c| !(c.starts_with("crdb_internal_") && c.contains("_shard_")))
        .cloned()
        .collect()
}

fn compare_keys(t: &Table, p: &Table, out: &mut Vec<String>) {
    let pk = |t: &Table| t.primary_key().map(|k| key_columns(&k.columns));
    if pk(t) != pk(p) {
        out.push(format!("{}: primary key {:?} expected {:?}", t.qualified_name(), pk(p), pk(t)));
    }
    for c in t
        .constraints
        .iter()
        .filter(|c| matches!(c.kind, ConstraintKind::ForeignKey | ConstraintKind::Check))
    {
        let Some(pc) = p.constraint(&c.name) else {
            out.push(format!("{}: constraint {} missing", t.qualified_name(), c.name));
            continue;
        };
        if c.kind == ConstraintKind::ForeignKey {
            let (a, b) = (c.foreign_key.as_ref().unwrap(), pc.foreign_key.as_ref().unwrap());
            let same = c.columns == pc.columns
                && a.table == b.table
                && a.columns == b.columns
                && a.on_delete == b.on_delete
                && a.on_update == b.on_update
                && a.match_type == b.match_type;
            if !same {
                out.push(format!(
                    "{}: foreign key {} differs: {:?} vs {:?}",
                    t.qualified_name(),
                    c.name,
                    pc.definition,
                    c.definition
                ));
            }
        }
        if pc.validated != c.validated {
            out.push(format!(
                "{}: constraint {} validated {} expected {}",
                t.qualified_name(),
                c.name,
                pc.validated,
                c.validated
            ));
        }
    }
}

fn index_shape(i: &godwit::schema::model::Index) -> (bool, Vec<String>, bool) {
    let keys = i
        .keys
        .iter()
        .filter_map(|k| match &k.target {
            IndexTarget::Column(c) if c.starts_with("crdb_internal_") && c.contains("_shard_") => {
                None
            }
            IndexTarget::Column(c) => Some(c.clone()),
            IndexTarget::Expression(_) => Some("(expr)".to_owned()),
        })
        .collect();
    (i.unique, keys, i.predicate.is_some())
}

fn compare_indexes(t: &Table, p: &Table, out: &mut Vec<String>) {
    // An index on nothing but a hash-shard column goes with the column (reported as lost).
    for i in t.indexes.iter().filter(|i| !i.primary && !index_shape(i).1.is_empty()) {
        let renamed = format!("{}_{}", t.name, i.name);
        let Some(pi) = p.index(&i.name).or_else(|| p.index(&renamed)) else {
            out.push(format!("{}: index {} missing", t.qualified_name(), i.name));
            continue;
        };
        if index_shape(i) != index_shape(pi) {
            out.push(format!(
                "{}: index {} is {:?}, expected {:?}",
                t.qualified_name(),
                i.name,
                index_shape(pi),
                index_shape(i)
            ));
        }
    }
    for c in t.constraints.iter().filter(|c| c.cockroach.without_index) {
        let found = p
            .indexes
            .iter()
            .any(|i| i.unique && i.keys.len() == c.columns.len() && i.name == c.name);
        if !found {
            out.push(format!(
                "{}: UNIQUE WITHOUT INDEX {} has no unique index",
                t.qualified_name(),
                c.name
            ));
        }
    }
}

#[tokio::test]
async fn pagila_2017_round_trips_postgres_to_postgres() {
    let file = fixtures("pg-schemas").join("pagila-2017-inheritance.sql");
    let source = test_db().await;
    load_with_psql(&source, &file);
    let a = introspect(source.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
    let target = test_db().await;
    let (conn, report) = convert_and_apply(&a, &pg15(), &target).await;
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    let b = introspect(conn.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
    assert_eq!(comparable(a), comparable(b));
}

/// What may differ between two databases holding the same schema: the database name, row
/// estimates and sizes (statistics), sequences' progress, and owners (the apply ran as
/// `postgres`, which owns everything in pagila too).
fn comparable(mut s: Schema) -> Schema {
    s.database = String::new();
    for t in &mut s.tables {
        t.estimated_rows = None;
        t.total_bytes = None;
    }
    for q in &mut s.sequences {
        q.last_value = None;
    }
    s
}

fn load_with_psql(db: &TestDb, file: &Path) {
    let psql = godwit_test_support::cluster().bindir().join("psql");
    let out = std::process::Command::new(psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url(), "-f"])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn apply_is_idempotent_and_names_each_failure() {
    let db = test_db().await;
    db.execute_script("create table t (id int primary key, v text); create index t_v on t (v);")
        .await;
    let schema = introspect(db.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
    let target = test_db().await;
    let (conn, first) = convert_and_apply(&schema, &pg15(), &target).await;
    assert!(first.failures.is_empty() && first.applied >= 2, "{first:?}");
    let after_first =
        introspect(conn.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
    let (_, second) = convert_and_apply(&schema, &pg15(), &target).await;
    assert!(second.failures.is_empty(), "a re-run is harmless: {second:?}");
    let after_second =
        introspect(conn.client(), Dialect::Postgres, &Filter::default()).await.unwrap();
    assert_eq!(comparable(after_first), comparable(after_second));

    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{m}table public.bad\nCREATE TABLE public.bad (x nosuchtype);\n\n{m}table public.ok\nCREATE TABLE public.ok (x int);\n\n{m}index public.worse\nCREATE INDEX worse ON public.missing (x);\n",
        m = convert::MARKER
    );
    std::fs::write(dir.path().join("pre-data.sql"), text).unwrap();
    let report = apply::apply(&conn, dir.path(), Sections::Pre, &Discard).await.unwrap();
    assert_eq!(report.applied, 1);
    let failed: Vec<(String, Option<String>)> = report
        .failures
        .iter()
        .map(|f| (f.location.rsplit('/').next().unwrap().to_owned(), f.sqlstate.clone()))
        .collect();
    assert_eq!(
        failed,
        [
            ("pre-data.sql:2".to_owned(), Some("42704".to_owned())),
            ("pre-data.sql:8".to_owned(), Some("42P01".to_owned()))
        ]
    );
}

/// PostgreSQL fixtures converted for CockroachDB parse back, with godwit's own CockroachDB
/// parser, into the schema the conversion meant to create.
#[test]
fn cockroach_ddl_from_postgres_fixtures_parses_back_into_the_same_model() {
    let crdb = Options { target: Target::newest(Dialect::Cockroach), keys: KeyStrategy::Keep };
    let mut problems = Vec::new();
    for name in ["pagila.sql", "pagila-2017-inheritance.sql", "openstreetmap-apidb.sql"] {
        let parsed = parse::pg::parse(
            &std::fs::read_to_string(fixtures("pg-schemas").join(name)).unwrap(),
            "db",
        );
        let conversion = convert::convert(&parsed.schema, &crdb, None);
        let text = format!("{}\n{}", conversion.sql(Section::Pre), conversion.sql(Section::Post));
        let mut back = parse::crdb::parse(&text, "db");
        drop_implicit_rowid(&mut back.schema);
        problems.extend(back.diagnostics.iter().map(|d| {
            format!(
                "{name}: {}:{} {} in {}",
                d.location.line, d.location.column, d.message, d.statement
            )
        }));
        problems.extend(
            same_structure(&conversion.schema, &back.schema)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// CockroachDB gives a table created without a primary key a hidden `rowid` key; the parser
/// models that faithfully, the conversion's target schema does not spell it out.
fn drop_implicit_rowid(s: &mut Schema) {
    for t in &mut s.tables {
        let implicit = |c: &godwit::schema::model::Column| c.name == "rowid" && c.cockroach.hidden;
        if t.primary_key().is_some_and(|pk| pk.columns == ["rowid"])
            && t.columns.iter().any(implicit)
        {
            t.columns.retain(|c| !implicit(c));
            t.constraints.retain(|c| c.kind != ConstraintKind::PrimaryKey);
            t.indexes.retain(|i| !i.primary);
        }
    }
}

/// Structure two models of the same CockroachDB schema must share: tables, columns (name,
/// order, type, nullability, default), keys, checks, indexes, enums, sequences, views,
/// routines and triggers.
fn same_structure(want: &Schema, got: &Schema) -> Vec<String> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(' ', "");
    let mut out = Vec::new();
    let names =
        |s: &Schema| s.tables.iter().map(|t| t.qualified_name().to_string()).collect::<Vec<_>>();
    if names(want) != names(got) {
        out.push(format!("tables {:?} vs {:?}", names(got), names(want)));
        return out;
    }
    for (w, g) in want.tables.iter().zip(&got.tables) {
        let cols = |t: &Table| {
            t.columns
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        norm(&c.data_type),
                        c.not_null || t.primary_key().is_some_and(|k| k.columns.contains(&c.name)),
                        c.default.is_some() || c.identity.is_some(),
                        c.generated.is_some(),
                    )
                })
                .collect::<Vec<_>>()
        };
        if cols(w) != cols(g) {
            out.push(format!("{}: columns {:?} vs {:?}", w.qualified_name(), cols(g), cols(w)));
        }
        let cons = |t: &Table| {
            let mut v: Vec<(String, String, Vec<String>)> = t
                .constraints
                .iter()
                .map(|c| (c.name.clone(), format!("{:?}", c.kind), c.columns.clone()))
                .collect();
            v.sort();
            v
        };
        if cons(w) != cons(g) {
            out.push(format!("{}: constraints {:?} vs {:?}", w.qualified_name(), cons(g), cons(w)));
        }
        let idx = |t: &Table| {
            let mut v: Vec<(String, bool, Vec<String>)> = t
                .indexes
                .iter()
                .filter(|i| !i.primary)
                .map(|i| (i.name.clone(), i.unique, index_shape(i).1))
                .collect();
            v.sort();
            v
        };
        if idx(w) != idx(g) {
            out.push(format!("{}: indexes {:?} vs {:?}", w.qualified_name(), idx(g), idx(w)));
        }
    }
    let listed = |s: &Schema| {
        let mut v = [
            s.types
                .enums
                .iter()
                .map(|e| format!("enum {}.{} {:?}", e.schema, e.name, e.labels))
                .collect::<Vec<_>>(),
            s.sequences
                .iter()
                .filter(|q| !q.identity)
                .map(|q| format!("sequence {}.{}", q.schema, q.name))
                .collect(),
            s.views.iter().map(|v| format!("view {}.{}", v.schema, v.name)).collect(),
            s.routines.iter().map(|r| format!("routine {}.{}", r.schema, r.name)).collect(),
            s.triggers.iter().map(|t| format!("trigger {}.{}", t.table, t.name)).collect(),
        ]
        .concat();
        v.sort();
        v
    };
    if listed(want) != listed(got) {
        out.push(format!("objects {:?} vs {:?}", listed(got), listed(want)));
    }
    out
}
