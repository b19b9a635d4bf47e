//! Enums, domains, composite and range types, and extensions.

use godwit::schema::model::{CompositeAttribute, DomainCheck, Extension};

use super::{db_with, qn, read, strings, table};

#[tokio::test]
async fn enums_domains_composites_and_ranges() {
    let db = db_with(
        "create type mood as enum ('sad', 'ok', 'happy');
         alter type mood add value 'meh' before 'ok';
         create domain positive as numeric(10,2) not null default 1
             constraint positive_check check (value > 0)
             constraint small check (value < 1000);
         alter domain positive add constraint not_seven check (value <> 7) not valid;
         create domain label as text collate \"C\";
         create type pair as (x int, label text collate \"C\");
         create type floatrange as range (subtype = float8, subtype_diff = float8mi);
         create table uses_types (m mood, p positive, l label);",
    )
    .await;
    let schema = read(&db).await;
    let types = &schema.types;
    assert_eq!(types.enums.len(), 1);
    let mood = &types.enums[0];
    assert_eq!((mood.schema.as_str(), mood.name.as_str()), ("public", "mood"));
    assert_eq!(mood.labels, strings(&["sad", "meh", "ok", "happy"]));
    assert_eq!(mood.owner, "postgres");

    let names: Vec<&str> = types.domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["label", "positive"]);
    let label = &types.domains[0];
    assert_eq!(label.base_type, "text");
    assert_eq!(label.collation, Some(qn("pg_catalog", "C")));
    assert!(!label.not_null && label.default.is_none() && label.checks.is_empty());
    let positive = &types.domains[1];
    assert_eq!(positive.base_type, "numeric(10,2)");
    assert!(positive.not_null);
    assert_eq!(positive.default.as_deref(), Some("1"));
    assert_eq!(positive.collation, None);
    let check = |name: &str, expression: &str, validated| DomainCheck {
        name: name.into(),
        expression: expression.into(),
        validated,
        comment: None,
    };
    assert_eq!(
        positive.checks,
        [
            check("not_seven", "(VALUE <> (7)::numeric)", false),
            check("positive_check", "(VALUE > (0)::numeric)", true),
            check("small", "(VALUE < (1000)::numeric)", true),
        ]
    );

    // The row type of table uses_types is not a stand-alone composite type.
    assert_eq!(types.composites.len(), 1);
    let pair = &types.composites[0];
    assert_eq!(pair.name, "pair");
    assert_eq!(
        pair.attributes,
        [
            CompositeAttribute { name: "x".into(), data_type: "integer".into(), collation: None },
            CompositeAttribute {
                name: "label".into(),
                data_type: "text".into(),
                collation: Some(qn("pg_catalog", "C")),
            },
        ]
    );

    assert_eq!(types.ranges.len(), 1);
    let range = &types.ranges[0];
    assert_eq!((range.name.as_str(), range.subtype.as_str()), ("floatrange", "double precision"));
    assert_eq!(range.subtype_opclass, qn("pg_catalog", "float8_ops"));
    assert_eq!(
        (range.subtype_diff.as_deref(), range.canonical.as_deref()),
        (Some("float8mi"), None)
    );
    assert_eq!(range.collation, None);
    assert!(schema.routines.is_empty(), "range constructors are implied: {:?}", schema.routines);

    let columns: Vec<&str> =
        table(&schema, "uses_types").columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(columns, ["public.mood", "public.positive", "public.label"]);
    let counts = schema.counts();
    assert_eq!(
        (counts.enums, counts.domains, counts.composite_types, counts.range_types),
        (1, 2, 1, 1)
    );
}

#[tokio::test]
async fn extensions_are_listed_and_their_objects_left_out() {
    let db = db_with(
        "create schema ext;
         create extension btree_gist with schema ext;
         create extension pg_trgm;
         create table words (w text);
         create index words_trgm on words using gin (w public.gin_trgm_ops);",
    )
    .await;
    let versions: Vec<(String, String)> = db
        .client()
        .query("select extname::text, extversion from pg_extension order by 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let schema = read(&db).await;
    let listed: Vec<(String, String)> =
        schema.extensions.iter().map(|e| (e.name.clone(), e.version.clone())).collect();
    assert_eq!(listed, versions);
    let schemas: Vec<&str> = schema.extensions.iter().map(|e| e.schema.as_str()).collect();
    assert_eq!(schemas, ["ext", "public", "pg_catalog"]);
    assert_eq!(
        schema.extensions[2],
        Extension {
            name: "plpgsql".into(),
            version: schema.extensions[2].version.clone(),
            schema: "pg_catalog".into(),
            comment: Some("PL/pgSQL procedural language".into()),
        }
    );

    // pg_trgm and btree_gist create many functions, operators and types in public and ext.
    assert!(schema.routines.is_empty(), "{:?}", schema.routines);
    assert_eq!(schema.types, Default::default());
    let tables: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["words"]);
    let key = &table(&schema, "words").index("words_trgm").unwrap().keys[0];
    assert_eq!(key.opclass, Some(qn("public", "gin_trgm_ops")));
    let names: Vec<&str> = schema.schemas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ext", "public"]);
    assert_eq!(schema.counts().extensions, 3);
}
