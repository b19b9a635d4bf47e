//! Constraints and indexes.

use godwit::schema::model::{
    ConstraintKind, ForeignKey, IndexKey, IndexTarget, MatchType, ReferentialAction,
};

use super::{db_with, qn, read, strings, table};

#[tokio::test]
async fn primary_key_and_unique_constraints() {
    let db = db_with(
        "create table ref (
             a int, b int, code text, slot int,
             primary key (b, a),
             constraint ref_code_key unique nulls not distinct (code),
             constraint ref_slot_key unique (slot) deferrable initially deferred
         );",
    )
    .await;
    let schema = read(&db).await;
    let t = table(&schema, "ref");
    let pk = t.primary_key().unwrap();
    assert_eq!((pk.name.as_str(), pk.kind), ("ref_pkey", ConstraintKind::PrimaryKey));
    assert_eq!(pk.columns, strings(&["b", "a"]));
    assert_eq!(pk.definition, "PRIMARY KEY (b, a)");
    assert_eq!(pk.index.as_deref(), Some("ref_pkey"));
    assert!(pk.validated && !pk.deferrable && !pk.nulls_not_distinct && !pk.no_inherit);
    assert_eq!((&pk.foreign_key, &pk.check, pk.exclusion_operators.len()), (&None, &None, 0));

    let code = t.constraint("ref_code_key").unwrap();
    assert_eq!(code.kind, ConstraintKind::Unique);
    assert!(code.nulls_not_distinct);
    assert_eq!(code.definition, "UNIQUE NULLS NOT DISTINCT (code)");
    let slot = t.constraint("ref_slot_key").unwrap();
    assert!(slot.deferrable && slot.initially_deferred && !slot.nulls_not_distinct);

    let index = t.index("ref_pkey").unwrap();
    assert!(index.primary && index.unique);
    assert_eq!(index.constraint.as_deref(), Some("ref_pkey"));
    let keys: Vec<&IndexTarget> = index.keys.iter().map(|k| &k.target).collect();
    assert_eq!(keys, [&IndexTarget::Column("b".into()), &IndexTarget::Column("a".into())]);
    assert!(t.index("ref_code_key").unwrap().nulls_not_distinct);
    assert_eq!(
        t.constraints.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["ref_code_key", "ref_pkey", "ref_slot_key"]
    );
}

#[tokio::test]
async fn foreign_keys_report_both_sides_and_actions() {
    let db = db_with(
        "create table parent_t (id int primary key, k1 int, k2 int, unique (k1, k2));
         create table fk_t (
             a int, x int, y int,
             constraint fk_full foreign key (x, y) references parent_t (k1, k2)
                 match full on delete cascade on update set null,
             constraint fk_plain foreign key (a) references parent_t
         );
         alter table fk_t add constraint fk_late foreign key (a) references parent_t (id)
             on delete restrict on update set default deferrable not valid;
         create table pp (id int primary key) partition by range (id);
         create table pp1 partition of pp for values from (0) to (10);
         create table refpp (x int constraint refpp_x_fkey references pp (id));",
    )
    .await;
    let schema = read(&db).await;
    let t = table(&schema, "fk_t");
    let full = t.constraint("fk_full").unwrap();
    assert_eq!(full.kind, ConstraintKind::ForeignKey);
    assert_eq!(full.columns, strings(&["x", "y"]));
    assert_eq!(
        full.foreign_key,
        Some(ForeignKey {
            table: qn("public", "parent_t"),
            columns: strings(&["k1", "k2"]),
            match_type: MatchType::Full,
            on_update: ReferentialAction::SetNull,
            on_delete: ReferentialAction::Cascade,
        })
    );
    assert_eq!(
        full.definition,
        "FOREIGN KEY (x, y) REFERENCES public.parent_t(k1, k2) MATCH FULL ON UPDATE SET NULL ON \
         DELETE CASCADE"
    );
    assert!(full.validated && !full.deferrable);
    assert_eq!(full.index, None, "the referenced index is not the constraint's own");

    let plain = t.constraint("fk_plain").unwrap().foreign_key.as_ref().unwrap();
    assert_eq!(plain.columns, strings(&["id"]));
    assert_eq!(plain.match_type, MatchType::Simple);
    assert_eq!(
        (plain.on_update, plain.on_delete),
        (ReferentialAction::NoAction, ReferentialAction::NoAction)
    );

    let late = t.constraint("fk_late").unwrap();
    assert!(!late.validated && late.deferrable && !late.initially_deferred);
    let late_fk = late.foreign_key.as_ref().unwrap();
    assert_eq!(
        (late_fk.on_update, late_fk.on_delete),
        (ReferentialAction::SetDefault, ReferentialAction::Restrict)
    );
    assert!(late.definition.ends_with("DEFERRABLE NOT VALID"), "{}", late.definition);

    // A foreign key to a partitioned table has internal per-partition rows; only one is real.
    let refpp = table(&schema, "refpp");
    assert_eq!(refpp.constraints.len(), 1, "{:?}", refpp.constraints);
    assert_eq!(refpp.constraints[0].foreign_key.as_ref().unwrap().table, qn("public", "pp"));
    assert!(schema.triggers.is_empty(), "foreign-key triggers are internal");
    assert_eq!(schema.counts().constraints.foreign_keys, 4);
}

#[tokio::test]
async fn check_and_exclusion_constraints() {
    let db = db_with(
        "create table booking (
             id int, during tsrange, room int,
             constraint booking_no_overlap exclude using gist (during with &&),
             constraint booking_room check (room > 0) no inherit
         );
         alter table booking add constraint booking_id check (id > 0) not valid;",
    )
    .await;
    let schema = read(&db).await;
    let t = table(&schema, "booking");
    let exclusion = t.constraint("booking_no_overlap").unwrap();
    assert_eq!(exclusion.kind, ConstraintKind::Exclusion);
    assert_eq!(exclusion.columns, strings(&["during"]));
    assert_eq!(exclusion.exclusion_operators, strings(&["&&"]));
    assert_eq!(exclusion.definition, "EXCLUDE USING gist (during WITH &&)");
    assert_eq!(exclusion.index.as_deref(), Some("booking_no_overlap"));
    let index = t.index("booking_no_overlap").unwrap();
    assert_eq!((index.method.as_str(), index.unique), ("gist", false));
    assert_eq!(index.constraint.as_deref(), Some("booking_no_overlap"));

    let room = t.constraint("booking_room").unwrap();
    assert_eq!(room.kind, ConstraintKind::Check);
    assert_eq!(room.check.as_deref(), Some("(room > 0)"));
    assert_eq!(room.columns, strings(&["room"]));
    assert!(room.no_inherit && room.validated && !room.inherited);
    assert_eq!(room.definition, "CHECK ((room > 0)) NO INHERIT");
    let id = t.constraint("booking_id").unwrap();
    assert!(!id.validated && !id.no_inherit);
    assert_eq!(id.definition, "CHECK ((id > 0)) NOT VALID");
    let counts = schema.counts().constraints;
    assert_eq!((counts.checks, counts.exclusions, counts.total()), (2, 1, 3));
}

#[tokio::test]
async fn indexes_report_keys_methods_and_options() {
    let db = db_with(
        "create table docs (
             id int primary key, name text, title varchar(50), body jsonb, price numeric,
             tags text[]
         );
         create index docs_body on docs using gin (body jsonb_path_ops);
         create index docs_body_default on docs using gin (body);
         create index docs_cheap on docs (price) where price < 10;
         create index docs_lower on docs (lower(name));
         create index docs_price on docs (price desc nulls last, name nulls first)
             include (tags, title);
         create index docs_hash on docs using hash (name) with (fillfactor = 80);
         create unique index docs_title on docs (title);
         create index docs_pattern on docs (name text_pattern_ops);
         create index docs_title_c on docs (title collate \"C\" desc);
         comment on index docs_lower is 'case-insensitive lookups';",
    )
    .await;
    let schema = read(&db).await;
    let t = table(&schema, "docs");
    let index = |name: &str| t.index(name).unwrap_or_else(|| panic!("no index {name}"));
    let key = |target: IndexTarget| IndexKey {
        target,
        opclass: None,
        collation: None,
        descending: false,
        nulls_first: false,
    };
    let col = |name: &str| key(IndexTarget::Column(name.into()));

    assert_eq!(index("docs_body").method, "gin");
    assert_eq!(
        index("docs_body").keys,
        [IndexKey { opclass: Some(qn("pg_catalog", "jsonb_path_ops")), ..col("body") }]
    );
    assert_eq!(index("docs_body_default").keys, [col("body")]);
    let cheap = index("docs_cheap");
    assert_eq!(cheap.predicate.as_deref(), Some("(price < (10)::numeric)"));
    assert_eq!(
        cheap.definition,
        "CREATE INDEX docs_cheap ON public.docs USING btree (price) WHERE (price < (10)::numeric)"
    );
    let lower = index("docs_lower");
    assert_eq!(lower.keys, [key(IndexTarget::Expression("lower(name)".into()))]);
    assert_eq!(lower.comment.as_deref(), Some("case-insensitive lookups"));
    let price = index("docs_price");
    assert_eq!(
        price.keys,
        [
            IndexKey { descending: true, nulls_first: false, ..col("price") },
            IndexKey { nulls_first: true, ..col("name") },
        ]
    );
    assert_eq!(price.include, strings(&["tags", "title"]));
    assert_eq!(
        price.definition,
        "CREATE INDEX docs_price ON public.docs USING btree (price DESC NULLS LAST, name NULLS \
         FIRST) INCLUDE (tags, title)"
    );
    let hash = index("docs_hash");
    assert_eq!((hash.method.as_str(), hash.options.clone()), ("hash", strings(&["fillfactor=80"])));
    let title = index("docs_title");
    assert!(title.unique && !title.primary && title.valid && !title.inherited);
    assert_eq!(title.constraint, None);
    assert_eq!(title.keys, [col("title")], "varchar uses text_ops, the default");
    assert_eq!(
        index("docs_pattern").keys,
        [IndexKey { opclass: Some(qn("pg_catalog", "text_pattern_ops")), ..col("name") }]
    );
    assert_eq!(
        index("docs_title_c").keys,
        [IndexKey {
            collation: Some(qn("pg_catalog", "C")),
            descending: true,
            nulls_first: true,
            ..col("title")
        }]
    );
    let names: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "docs_body",
            "docs_body_default",
            "docs_cheap",
            "docs_hash",
            "docs_lower",
            "docs_pattern",
            "docs_pkey",
            "docs_price",
            "docs_title",
            "docs_title_c"
        ]
    );
}
