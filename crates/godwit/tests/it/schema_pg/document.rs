//! Comments, the schema filter, counts, and the JSON document as a whole.

use godwit::ErrorKind;
use godwit::dialect::Dialect;
use godwit::schema::model::{ConstraintCounts, Counts};
use godwit::schema::{Filter, Schema, introspect};

use super::{db_with, read, read_filtered};

/// One object of most kinds, each with a comment.
const COMMENTED: &str = "
    create schema app;
    comment on schema app is 'c:schema';
    create extension pg_trgm;
    comment on extension pg_trgm is 'c:extension';
    create type app.mood as enum ('sad', 'happy');
    comment on type app.mood is 'c:enum';
    create domain app.positive as int constraint positive_check check (value > 0);
    comment on domain app.positive is 'c:domain';
    comment on constraint positive_check on domain app.positive is 'c:domain check';
    create type app.pair as (x int);
    comment on type app.pair is 'c:composite';
    create table app.t (id int primary key, m app.mood, check (id < 1000));
    comment on table app.t is 'c:table';
    comment on column app.t.id is 'c:column';
    comment on constraint t_pkey on app.t is 'c:constraint';
    create index t_m on app.t (m);
    comment on index app.t_m is 'c:index';
    create view app.v as select id from app.t;
    comment on view app.v is 'c:view';
    comment on column app.v.id is 'c:view column';
    create materialized view app.mv as select 1 as one;
    comment on materialized view app.mv is 'c:matview';
    create sequence app.s;
    comment on sequence app.s is 'c:sequence';
    create function app.f(a int) returns int language sql as 'select a';
    comment on function app.f(int) is 'c:function';
    create function app.tf() returns trigger language plpgsql as $$begin return new; end$$;
    create trigger tr before insert on app.t for each row execute function app.tf('x');
    comment on trigger tr on app.t is 'c:trigger';
    create rule ru as on update to app.t do also notify t;
    comment on rule ru on app.t is 'c:rule';
    alter table app.t enable row level security;
    create policy po on app.t using (true);
    comment on policy po on app.t is 'c:policy';
";

#[tokio::test]
async fn comments_attach_to_every_object_kind() {
    let db = db_with(COMMENTED).await;
    let schema = read(&db).await;
    let c = |comment: &Option<String>| comment.clone().unwrap_or_default();
    assert_eq!(c(&schema.schemas[0].comment), "c:schema");
    let pg_trgm = schema.extensions.iter().find(|e| e.name == "pg_trgm").unwrap();
    assert_eq!(c(&pg_trgm.comment), "c:extension");
    assert_eq!(c(&schema.types.enums[0].comment), "c:enum");
    assert_eq!(c(&schema.types.domains[0].comment), "c:domain");
    assert_eq!(c(&schema.types.domains[0].checks[0].comment), "c:domain check");
    assert_eq!(c(&schema.types.composites[0].comment), "c:composite");
    let t = schema.table("app", "t").unwrap();
    assert_eq!(c(&t.comment), "c:table");
    assert_eq!(c(&t.column("id").unwrap().comment), "c:column");
    assert_eq!(t.column("m").unwrap().comment, None);
    assert_eq!(c(&t.constraint("t_pkey").unwrap().comment), "c:constraint");
    assert_eq!(t.constraint("t_id_check").unwrap().comment, None);
    assert_eq!(c(&t.index("t_m").unwrap().comment), "c:index");
    let v = schema.view("app", "v").unwrap();
    assert_eq!(
        (c(&v.comment), c(&v.columns[0].comment)),
        ("c:view".into(), "c:view column".into())
    );
    assert_eq!(c(&schema.view("app", "mv").unwrap().comment), "c:matview");
    assert_eq!(c(&schema.sequence("app", "s").unwrap().comment), "c:sequence");
    assert_eq!(c(&schema.routines[0].comment), "c:function");
    assert_eq!(c(&schema.triggers[0].comment), "c:trigger");
    assert_eq!(c(&schema.rules[0].comment), "c:rule");
    assert_eq!(c(&schema.policies[0].comment), "c:policy");
}

#[tokio::test]
async fn the_filter_selects_schemas() {
    let db = db_with(
        "create schema a; create schema b;
         create table a.t (x int); create table b.t (x int); create table public.t (x int);
         create function b.f() returns int language sql as 'select 1';",
    )
    .await;
    let names = |schema: &Schema| -> Vec<String> {
        schema.tables.iter().map(|t| format!("{}.{}", t.schema, t.name)).collect()
    };
    let all = read(&db).await;
    assert_eq!(names(&all), ["a.t", "b.t", "public.t"]);
    let schemas: Vec<&str> = all.schemas.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(schemas, ["a", "b", "public"], "system schemas are never listed");

    let only_a = read_filtered(&db, &Filter::only(["a", "pg_catalog"])).await;
    assert_eq!(names(&only_a), ["a.t"]);
    assert_eq!(only_a.schemas.len(), 1);
    assert!(only_a.routines.is_empty());
    assert_eq!(only_a.extensions.len(), 1, "extensions are listed whatever the filter");

    let filter = Filter { exclude_schemas: vec!["b".into()], ..Filter::all() };
    assert_eq!(names(&read_filtered(&db, &filter).await), ["a.t", "public.t"]);

    let err =
        introspect(db.client(), Dialect::Postgres, &Filter::only(["a", "nope"])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.message().contains("\"nope\""), "{}", err.message());
    // The failed call left no transaction open.
    assert_eq!(names(&read(&db).await).len(), 3);
}

#[tokio::test]
async fn counts_per_kind() {
    let db = db_with(COMMENTED).await;
    let counts = read(&db).await.counts();
    assert_eq!(
        counts,
        Counts {
            schemas: 2,
            tables: 1,
            views: 1,
            materialized_views: 1,
            sequences: 1,
            enums: 1,
            domains: 1,
            composite_types: 1,
            functions: 2,
            triggers: 1,
            rules: 1,
            policies: 1,
            extensions: 2,
            indexes: 2,
            constraints: ConstraintCounts { primary_keys: 1, checks: 1, ..Default::default() },
            ..Default::default()
        }
    );
}

#[tokio::test]
async fn the_json_document_round_trips_and_keeps_its_key_order() {
    let db = db_with(COMMENTED).await;
    let schema = read(&db).await;
    let json = serde_json::to_string_pretty(&schema).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    let mut in_text_order = keys.clone();
    in_text_order.sort_by_key(|k| json.find(&format!("\n  \"{k}\":")).unwrap());
    assert_eq!(
        in_text_order,
        [
            "dialect",
            "server_version",
            "database",
            "schemas",
            "tables",
            "views",
            "sequences",
            "types",
            "routines",
            "triggers",
            "rules",
            "policies",
            "extensions"
        ]
    );
    assert_eq!(value["dialect"], "postgres");
    assert_eq!(value["database"], db.name());
    assert!(value["server_version"].as_str().unwrap().starts_with("15."));
    let t = &value["tables"][0];
    assert_eq!(t["comment"], "c:table");
    assert!(t.get("partition_of").is_none(), "absent values are left out: {t}");
    assert_eq!(t["constraints"][1]["kind"], "primary_key");
    let back: Schema = serde_json::from_str(&json).unwrap();
    assert_eq!(back, schema);
}

#[tokio::test]
async fn results_do_not_depend_on_the_session() {
    let db = db_with(COMMENTED).await;
    let first = read(&db).await;
    let other = db.connect().await;
    other.batch_execute("set search_path = app, public").await.unwrap();
    let second = introspect(&other, Dialect::Postgres, &Filter::all()).await.unwrap();
    assert_eq!(first, second, "names are qualified whatever the search_path");
    assert_eq!(second.table("app", "t").unwrap().column("m").unwrap().data_type, "app.mood");
    // The search_path was only changed inside the introspection transaction.
    let row = other.query_one("show search_path", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "app, public");
}
