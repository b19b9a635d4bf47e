//! Introspection of a real schema: pagila as of 2017 (pg_dump of PostgreSQL 9.6), with
//! inheritance partitions, insert-routing rules, triggers, a domain and an enum.
//!
//! The dump is loaded statement by statement so that any statement PostgreSQL 15 rejects is
//! recorded and skipped; the test pins the exact set of rejections. The introspected model is
//! then compared with names read from pg_catalog by independent queries written here.

use std::collections::BTreeSet;

use godwit::dialect::Dialect;
use godwit::schema::model::{RoutineKind, TableKind};
use godwit::schema::{Filter, QualifiedName, introspect};
use godwit_test_support::{TestDb, chain, describe, test_db};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/pg-schemas/pagila-2017-inheritance.sql"
);

/// Statements of the dump that PostgreSQL 15 rejects, with the reason. PostgreSQL 15 accepts
/// all of this 9.6 dump, including `SET default_with_oids = false` (only `true` was removed in
/// 12) and `EXECUTE PROCEDURE` in triggers.
const EXPECTED_REJECTIONS: &[(&str, &str)] = &[];

#[tokio::test]
async fn pagila_2017_is_fully_introspected() {
    let db = test_db().await;
    let script = std::fs::read_to_string(FIXTURE)
        .unwrap_or_else(|e| panic!("reading the fixture {FIXTURE}: {e}"));
    let statements = split_statements(&script);
    // 230 lines of the dump start with a keyword; one is inside a function body.
    assert_eq!(statements.len(), 229);
    let rejected = load(&db, &statements).await;
    let expected: Vec<(String, String)> =
        EXPECTED_REJECTIONS.iter().map(|(s, e)| ((*s).to_owned(), (*e).to_owned())).collect();
    assert_eq!(rejected, expected, "statements PostgreSQL 15 rejected");

    let schema = introspect(db.client(), Dialect::Postgres, &Filter::all())
        .await
        .unwrap_or_else(|e| panic!("introspection failed: {}", chain(&e)));
    let names = |items: Vec<QualifiedName>| -> BTreeSet<String> {
        items.into_iter().map(|n| n.to_string()).collect()
    };
    let model = |iter: &mut dyn Iterator<Item = (&String, &String)>| -> BTreeSet<String> {
        iter.map(|(s, n)| format!("{s}.{n}")).collect()
    };
    let catalog = |sql: &'static str| catalog_names(&db, sql);

    let tables = catalog(TABLES).await;
    assert_eq!(tables.len(), 21);
    assert_eq!(model(&mut schema.tables.iter().map(|t| (&t.schema, &t.name))), tables);
    let views = catalog(VIEWS).await;
    assert_eq!(views.len(), 7);
    assert_eq!(model(&mut schema.views.iter().map(|v| (&v.schema, &v.name))), views);
    let sequences = catalog(SEQUENCES).await;
    assert_eq!(sequences.len(), 13);
    assert_eq!(model(&mut schema.sequences.iter().map(|s| (&s.schema, &s.name))), sequences);
    let routines = catalog(ROUTINES).await;
    assert_eq!(routines.len(), 10);
    let listed: BTreeSet<String> = schema
        .routines
        .iter()
        .map(|r| format!("{}.{}({})", r.schema, r.name, r.arguments))
        .collect();
    assert_eq!(listed, routines);
    let triggers = catalog(TRIGGERS).await;
    assert_eq!(triggers.len(), 15);
    let listed = schema.triggers.iter().map(|t| format!("{}.{}.{}", t.schema, t.table, t.name));
    assert_eq!(listed.collect::<BTreeSet<_>>(), triggers);
    let rules = catalog(RULES).await;
    assert_eq!(rules.len(), 6);
    let listed = schema.rules.iter().map(|r| format!("{}.{}.{}", r.schema, r.table, r.name));
    assert_eq!(listed.collect::<BTreeSet<_>>(), rules);
    let domains = catalog(DOMAINS).await;
    let listed = schema.types.domains.iter().map(|d| QualifiedName::new(&d.schema, &d.name));
    assert_eq!(names(listed.collect()), domains);
    assert_eq!(domains.len(), 1);
    let enums = catalog(ENUMS).await;
    let listed = schema.types.enums.iter().map(|e| QualifiedName::new(&e.schema, &e.name));
    assert_eq!(names(listed.collect()), enums);
    assert_eq!(enums.len(), 1);

    check_structure(&db, &schema).await;
}

/// Spot checks of what pagila is known to contain, and counts against the catalog.
async fn check_structure(db: &TestDb, schema: &godwit::schema::Schema) {
    let payment = schema.table("public", "payment").unwrap();
    assert_eq!(payment.kind, TableKind::Regular);
    for month in 1..=6 {
        let part = schema.table("public", &format!("payment_p2017_0{month}")).unwrap();
        assert_eq!(part.inherits, [QualifiedName::new("public", "payment")]);
        assert!(!part.is_partition());
        let check = part.constraints.iter().find(|c| c.check.is_some()).unwrap();
        assert!(check.check.as_deref().unwrap().contains("payment_date"), "{check:?}");
        assert_eq!(
            part.column("payment_id").unwrap().default.as_deref(),
            Some("nextval('public.payment_payment_id_seq'::regclass)")
        );
    }
    let counts = schema.counts();
    assert_eq!((counts.inheritance_children, counts.partitions), (6, 0));
    assert_eq!((counts.functions, counts.aggregates), (9, 1));
    assert!(schema.rules.iter().all(|r| r.instead && r.table == "payment"));
    let year = &schema.types.domains[0];
    assert_eq!(year.checks[0].expression, "((VALUE >= 1901) AND (VALUE <= 2155))");
    let film = schema.table("public", "film").unwrap();
    assert_eq!(film.column("rating").unwrap().data_type, "public.mpaa_rating");
    assert_eq!(film.column("special_features").unwrap().array_dimensions, 1);
    assert_eq!(film.index("film_fulltext_idx").unwrap().method, "gist");
    let group_concat = schema.routines.iter().find(|r| r.name == "group_concat").unwrap();
    assert_eq!(group_concat.kind, RoutineKind::Aggregate);

    let indexes: i64 = scalar(db, INDEX_COUNT).await;
    assert_eq!(i64::try_from(counts.indexes).unwrap(), indexes);
    let constraints: i64 = scalar(db, CONSTRAINT_COUNT).await;
    assert_eq!(i64::try_from(counts.constraints.total()).unwrap(), constraints);
    assert_eq!(counts.constraints.primary_keys, 15);
    assert_eq!(schema.extensions.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["plpgsql"]);
}

/// Run each statement on its own; return the ones the server rejected with its message.
async fn load(db: &TestDb, statements: &[String]) -> Vec<(String, String)> {
    let mut rejected = Vec::new();
    for statement in statements {
        if let Err(e) = db.client().batch_execute(statement).await {
            let first_line = statement.lines().next().unwrap_or_default().to_owned();
            rejected.push((first_line, describe(&e)));
        }
    }
    rejected
}

/// Split a SQL script into statements at top-level semicolons, skipping comments and honouring
/// quoted strings, quoted identifiers and dollar-quoted bodies (`$$`, `$_$`, `$body$`).
/// Statements are returned without their leading comments and surrounding whitespace.
fn split_statements(script: &str) -> Vec<String> {
    let bytes = script.as_bytes();
    let (mut pieces, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        let next = bytes.get(i + 1).copied();
        i = match (bytes[i], next) {
            (b'-', Some(b'-')) => find(bytes, i, b"\n").map_or(bytes.len(), |j| j + 1),
            (b'/', Some(b'*')) => find(bytes, i + 2, b"*/").map_or(bytes.len(), |j| j + 2),
            (b'\'' | b'"', _) => skip_quoted(bytes, i),
            (b'$', _) => match dollar_tag(bytes, i) {
                Some(tag) => find(bytes, i + tag.len(), tag).map_or(bytes.len(), |j| j + tag.len()),
                None => i + 1,
            },
            (b';', _) => {
                pieces.push(&script[start..=i]);
                start = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    pieces.push(&script[start..]);
    pieces
        .into_iter()
        .map(strip_leading_comments)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `statement` without leading `--` comment lines and surrounding whitespace.
fn strip_leading_comments(statement: &str) -> &str {
    let mut rest = statement.trim_start();
    while rest.starts_with("--") {
        rest = rest.find('\n').map_or("", |j| &rest[j + 1..]).trim_start();
    }
    rest.trim_end()
}

/// The position of `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The position after the quoted string or identifier starting at `start` (quotes doubled).
fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The dollar-quote tag (`$$`, `$_$`, `$body$`) starting at `start`, if one does.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    if start > 0 && (ident(&bytes[start - 1]) || bytes[start - 1] == b'$') {
        return None;
    }
    let len = bytes[start + 1..].iter().take_while(|b| ident(b)).count();
    let end = start + 1 + len;
    let starts_with_digit = bytes.get(start + 1).is_some_and(u8::is_ascii_digit);
    (bytes.get(end) == Some(&b'$') && !starts_with_digit).then(|| &bytes[start..=end])
}

/// The names a catalog query returns (one text column), as a set.
async fn catalog_names(db: &TestDb, sql: &str) -> BTreeSet<String> {
    let rows =
        db.client().query(sql, &[]).await.unwrap_or_else(|e| panic!("{}: {sql}", describe(&e)));
    rows.iter().map(|r| r.get::<_, String>(0)).collect()
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    let row =
        db.client().query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{}: {sql}", describe(&e)));
    row.get(0)
}

const TABLES: &str = "select n.nspname || '.' || c.relname from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'f') and n.nspname = 'public'";
const VIEWS: &str = "select schemaname || '.' || viewname from pg_views where schemaname = 'public'
    union all
    select schemaname || '.' || matviewname from pg_matviews where schemaname = 'public'";
const SEQUENCES: &str = "select sequence_schema || '.' || sequence_name
    from information_schema.sequences where sequence_schema = 'public'";
const ROUTINES: &str = "select n.nspname || '.' || p.proname || '('
        || pg_get_function_identity_arguments(p.oid) || ')'
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'";
const TRIGGERS: &str = "select event_object_schema || '.' || event_object_table || '.'
        || trigger_name
    from information_schema.triggers where trigger_schema = 'public'";
const RULES: &str = "select schemaname || '.' || tablename || '.' || rulename from pg_rules
    where schemaname = 'public'";
const DOMAINS: &str = "select domain_schema || '.' || domain_name from information_schema.domains
    where domain_schema = 'public'";
const ENUMS: &str = "select n.nspname || '.' || t.typname from pg_type t
    join pg_namespace n on n.oid = t.typnamespace where t.typtype = 'e' and n.nspname = 'public'";
const INDEX_COUNT: &str = "select count(*) from pg_indexes where schemaname = 'public'";
const CONSTRAINT_COUNT: &str = "select count(*) from pg_constraint c
    join pg_namespace n on n.oid = c.connamespace
    where n.nspname = 'public' and c.conrelid <> 0 and c.contype in ('p', 'u', 'f', 'c', 'x')";

#[test]
fn the_splitter_honours_quotes_comments_and_dollar_bodies() {
    let script = "-- header; not a statement\nSET a = 'x;y';\n\n--\n-- Name: f\n--\n\
                  CREATE FUNCTION f() RETURNS int AS $_$ select 1; $_$ LANGUAGE sql;\n\
                  CREATE TABLE \"a;b\" (c text DEFAULT 'it''s;');\n\
                  /* block; comment */ SELECT $1::int, $$x;$$;\n-- trailing comment\n";
    assert_eq!(
        split_statements(script),
        [
            "SET a = 'x;y';",
            "CREATE FUNCTION f() RETURNS int AS $_$ select 1; $_$ LANGUAGE sql;",
            "CREATE TABLE \"a;b\" (c text DEFAULT 'it''s;');",
            "/* block; comment */ SELECT $1::int, $$x;$$;",
        ]
    );
}
