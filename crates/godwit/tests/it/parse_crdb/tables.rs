//! Tables field by field: columns, families, keys, indexes, constraints and the CockroachDB
//! clauses after the element list, one fixture (or a few of the same kind) per test.

use godwit::schema::model::{
    ConstraintKind, GeneratedKind, IndexTarget, MatchType, Persistence, QualifiedName,
    ReferentialAction,
};
use godwit::schema::parse::ObjectKey;
use godwit::schema::parse::crdb::parse;

use super::{at, column, fixture, table};

#[test]
fn families_named_and_generated() {
    let parsed = fixture("family_named_and_generated.sql");
    let t = table(&parsed, "public", "abcd");
    let families: Vec<(&str, Vec<&str>)> = t
        .cockroach
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.columns.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        families,
        [
            ("f1", vec!["a", "b", "e", "f"]),
            ("fam_1_c_d", vec!["c", "d"]),
            ("fam_2_g", vec!["g"]),
            ("f_h", vec!["h", "i"]),
            ("f_j", vec!["j"]),
        ]
    );
    assert_eq!(column(t, "e").cockroach.family.as_deref(), Some("f1"));
    assert_eq!(column(t, "d").cockroach.family.as_deref(), Some("fam_1_c_d"));
    assert_eq!(column(t, "f").data_type, "DECIMAL");
    let index = t.index("d_idx").unwrap();
    assert_eq!(
        (index.method.as_str(), index.unique, index.definition.as_str()),
        ("btree", false, "INDEX d_idx (d ASC)")
    );
    let abcd = QualifiedName::new("public", "abcd");
    assert_eq!(parsed.locations[&ObjectKey::Table(abcd.clone())], at(5, 1));
    assert_eq!(parsed.locations[&ObjectKey::Column(abcd.clone(), "j".into())], at(15, 5));
    assert_eq!(
        parsed.locations[&ObjectKey::Constraint(abcd.clone(), "abcd_pkey".into())],
        at(16, 5)
    );
    assert_eq!(parsed.locations[&ObjectKey::Index(abcd, "d_idx".into())], at(17, 5));
    // A lone "primary" family (v21.1 printed it) is the default and is not listed.
    let legacy = fixture("computed_stored_with_defaults.sql");
    let x = table(&legacy, "public", "x");
    assert!(x.cockroach.families.is_empty());
    assert!(x.columns.iter().all(|c| c.cockroach.family.is_none()));
    let renamed = fixture("create_table_as_families.sql");
    let foo = table(&renamed, "public", "foo13");
    assert_eq!(foo.cockroach.families[1].name, "fam_1_c_d");
    assert_eq!(column(foo, "z").cockroach.family.as_deref(), Some("fam_1_c_d"));
}

#[test]
fn hash_sharded_primary_and_secondary_indexes() {
    let parsed = fixture("hash_sharded_primary.sql");
    let t = table(&parsed, "public", "sharded_primary");
    let pk = t.index("sharded_primary_pkey").unwrap();
    assert!(pk.primary && pk.unique);
    let hash = pk.cockroach.hash_sharded.as_ref().unwrap();
    assert_eq!(
        (hash.bucket_count, hash.shard_column.as_deref()),
        (Some(10), Some("crdb_internal_a_shard_10"))
    );
    let shard = column(t, "crdb_internal_a_shard_10");
    assert!(shard.cockroach.hidden && shard.not_null);
    assert_eq!((shard.ordinal, shard.data_type.as_str()), (1, "INT4"));
    let generated = shard.generated.as_ref().unwrap();
    assert_eq!(generated.kind, GeneratedKind::Virtual);
    assert_eq!(generated.expression, "mod(fnv32(crdb_internal.datums_to_bytes(a)), 10:::INT8)");
    assert_eq!(
        t.primary_key().unwrap().definition,
        "PRIMARY KEY (a ASC) USING HASH WITH (bucket_count=10)"
    );

    let parsed = fixture("hash_sharded_secondary_family.sql");
    let t = table(&parsed, "public", "specific_family");
    let index = t.index("specific_family_b_idx").unwrap();
    let hash = index.cockroach.hash_sharded.as_ref().unwrap();
    assert_eq!(
        (hash.bucket_count, hash.shard_column.as_deref()),
        (Some(10), Some("crdb_internal_b_shard_10"))
    );
    assert!(column(t, "crdb_internal_b_shard_10").cockroach.hidden);
    assert_eq!(column(t, "rowid").cockroach.family.as_deref(), Some("a_family"));
    assert!(t.index("specific_family_pkey").unwrap().cockroach.hash_sharded.is_none());

    // The shard column survives its index; a plain index on it is not hash-sharded.
    let parsed = fixture("hash_sharded_shard_column_indexed.sql");
    let t = table(&parsed, "public", "column_used_on_unsharded");
    let index = t.index("column_used_on_unsharded_crdb_internal_a_shard_10_idx").unwrap();
    assert!(index.cockroach.hash_sharded.is_none());
    assert_eq!(index.keys[0].target, IndexTarget::Column("crdb_internal_a_shard_10".into()));
}

#[test]
fn hidden_rowid_keys_are_kept_as_printed() {
    let parsed = fixture("scat_families_rowid.sql");
    let t = table(&parsed, "public", "t");
    let rowid = column(t, "rowid");
    assert!(rowid.cockroach.hidden && rowid.not_null);
    assert_eq!(
        (rowid.data_type.as_str(), rowid.default.as_deref()),
        ("INT8", Some("unique_rowid()"))
    );
    assert_eq!(rowid.cockroach.family.as_deref(), Some("f1"));
    let pk = t.primary_key().unwrap();
    assert_eq!((pk.name.as_str(), pk.columns.as_slice()), ("t_pkey", &["rowid".to_owned()][..]));
    assert_eq!(t.index("t_pkey").unwrap().constraint.as_deref(), Some("t_pkey"));
    assert_eq!(t.columns.len(), 5, "no second rowid is added");

    let parsed = fixture("add_pk_rowid_retained.sql");
    let t = table(&parsed, "public", "t");
    assert_eq!(t.primary_key().unwrap().columns, ["x"]);
    assert!(column(t, "rowid").cockroach.hidden);

    let parsed = fixture("user_column_named_rowid.sql");
    let t = table(&parsed, "public", "t");
    assert!(!column(t, "rowid").cockroach.hidden);
    assert!(column(t, "rowid_1").cockroach.hidden);
    assert_eq!(t.primary_key().unwrap().columns, ["rowid_1"]);
}

#[test]
fn not_visible_user_columns_and_composite_keys() {
    let parsed = fixture("docs_not_visible_column.sql");
    let t = table(&parsed, "public", "users");
    let card = column(t, "credit_card");
    assert!(card.cockroach.hidden && !card.not_null);
    assert_eq!(card.data_type, "VARCHAR");
    assert!(!column(t, "name").cockroach.hidden);
    assert_eq!(t.primary_key().unwrap().columns, ["city", "id"]);
    assert_eq!(column(t, "id").data_type, "UUID");
}

#[test]
fn partial_indexes_keep_their_predicates() {
    let parsed = fixture("partial_index.sql");
    let t = table(&parsed, "public", "t6");
    assert_eq!(t.indexes.len(), 10);
    assert_eq!(t.constraints.len(), 1, "UNIQUE INDEX is an index, not a constraint");
    let idx2 = t.index("t6_a_idx2").unwrap();
    assert_eq!(idx2.predicate.as_deref(), Some("a > 2:::INT8"));
    assert!(idx2.keys[0].descending && !idx2.keys[0].nulls_first);
    let key2 = t.index("t6_a_key2").unwrap();
    assert!(key2.unique && key2.constraint.is_none());
    assert_eq!(key2.predicate.as_deref(), Some("a > 5:::INT8"));
    assert_eq!(t.index("t6i1").unwrap().definition, "INDEX t6i1 (a ASC) WHERE a > 6:::INT8");

    let parsed = fixture("partial_index_after_drop_column.sql");
    let t = table(&parsed, "public", "t8");
    assert_eq!(t.index("t8_a_idx").unwrap().predicate.as_deref(), Some("b > 0:::INT8"));
    assert_eq!(t.cockroach.families[0].name, "fam_0_a_b_c_rowid");
}

#[test]
fn expression_indexes_and_virtual_columns() {
    let parsed = fixture("expression_index_virtual_column.sql");
    let t = table(&parsed, "public", "t");
    let comp = column(t, "comp").generated.as_ref().unwrap();
    assert_eq!((comp.kind, comp.expression.as_str()), (GeneratedKind::Virtual, "a + 10:::INT8"));
    let keys = &t.index("t_a_plus_b_idx").unwrap().keys;
    assert_eq!(keys[0].target, IndexTarget::Expression("(a + b)".into()));
    let keys: Vec<&IndexTarget> =
        t.index("t_lower_c_a_plus_b_idx").unwrap().keys.iter().map(|k| &k.target).collect();
    assert_eq!(
        keys,
        [&IndexTarget::Expression("lower(c)".into()), &IndexTarget::Expression("(a + b)".into())]
    );
    let stored = fixture("scat_computed_stored.sql");
    let b = column(table(&stored, "public", "t"), "b");
    assert!(!b.not_null);
    assert_eq!(b.generated.as_ref().unwrap().kind, GeneratedKind::Stored);
}

#[test]
fn inverted_indexes_are_gin_and_keep_quoted_names() {
    let parsed = fixture("inverted_index_jsonb.sql");
    let t = table(&parsed, "public", "c");
    let index = t.index("c_bAr_idx").unwrap();
    assert_eq!(index.method, "gin");
    assert_eq!(index.keys[0].target, IndexTarget::Column("bAr".into()));
    assert!(!index.keys[0].nulls_first, "the inverted key is unordered");
    assert_eq!(column(t, "qUuX").data_type, "JSONB");
    assert!(t.cockroach.families.is_empty());
}

#[test]
fn ttl_storage_parameters_and_on_update() {
    let parsed = fixture("ttl_expire_after.sql");
    let t = table(&parsed, "public", "tbl");
    assert_eq!(
        t.options,
        ["ttl='on'", "ttl_automatic_column='on'", "ttl_expire_after='00:10:00':::INTERVAL"]
    );
    let expiration = column(t, "crdb_internal_expiration");
    assert!(expiration.cockroach.hidden);
    let expression = "current_timestamp():::TIMESTAMPTZ + '00:10:00':::INTERVAL";
    assert_eq!(expiration.default.as_deref(), Some(expression));
    assert_eq!(expiration.cockroach.on_update.as_deref(), Some(expression));

    let parsed = fixture("docs_ttl_expiration_expression.sql");
    let t = table(&parsed, "public", "ttl_test_per_row");
    assert_eq!(
        t.options,
        ["ttl='on'", "ttl_expiration_expression='expired_at'", "ttl_job_cron='@daily'"]
    );
    let expired = column(t, "expired_at");
    assert_eq!(expired.default.as_deref(), Some("now():::TIMESTAMPTZ + '30 days':::INTERVAL"));

    let parsed = fixture("on_update_default.sql");
    let t = table(&parsed, "public", "test_show_default");
    let k = column(t, "k");
    assert_eq!(
        (k.default.as_deref(), k.cockroach.on_update.as_deref()),
        (Some("'def':::STRING"), Some("'regress':::STRING"))
    );
    assert_eq!(t.primary_key().unwrap().name, "primary");

    let locked = fixture("family_schema_locked.sql");
    assert_eq!(table(&locked, "public", "abcd").options, ["schema_locked=true"]);
}

#[test]
fn unique_without_index_and_not_valid_constraints() {
    let parsed = fixture("unique_without_index_not_valid.sql");
    let t = table(&parsed, "public", "c");
    let uwi = |name: &str| t.constraint(name).unwrap_or_else(|| panic!("no constraint {name}"));
    let ab = uwi("unique_a_b");
    assert_eq!(
        (ab.kind, ab.columns.as_slice(), ab.validated),
        (ConstraintKind::Unique, &["a".to_owned(), "b".to_owned()][..], true)
    );
    assert!(ab.cockroach.without_index && ab.index.is_none() && ab.cockroach.predicate.is_none());
    let partial = uwi("unique_b_partial");
    assert_eq!(partial.cockroach.predicate.as_deref(), Some("a > 0:::INT8"));
    assert!(!partial.validated);
    assert!(!uwi("unique_b").validated);
    let check = uwi("check_b");
    assert_eq!(check.check.as_deref(), Some("b IN (1:::INT8, 2:::INT8, 3:::INT8)"));
    assert_eq!((check.columns.as_slice(), check.validated), (&["b".to_owned()][..], false));
    let fk = uwi("fk_a");
    assert!(!fk.validated);
    assert_eq!(fk.foreign_key.as_ref().unwrap().table, QualifiedName::new("public", "d"));
    assert_eq!(uwi("primary").columns, ["rowid"]);
    assert!(t.index("unique_a").unwrap().unique && t.constraint("unique_a").is_none());
    assert_eq!(t.comment.as_deref(), Some("table"));
    assert_eq!(column(t, "a").comment.as_deref(), Some("column"));
    assert_eq!(t.index("c_a_b_idx").unwrap().comment.as_deref(), Some("index"));
}

#[test]
fn foreign_keys_added_by_alter_and_validated() {
    let parsed = fixture("scat_match_full_view_sequence.sql");
    let t = table(&parsed, "public", "full_test");
    let fk = t.constraint("full_test_x_y_z_fkey").unwrap();
    let target = fk.foreign_key.as_ref().unwrap();
    assert_eq!(
        (target.table.name.as_str(), target.columns.as_slice()),
        ("parent", &["x".to_owned(), "y".to_owned(), "z".to_owned()][..])
    );
    assert_eq!(target.match_type, MatchType::Full);
    assert_eq!(
        (target.on_delete, target.on_update),
        (ReferentialAction::Cascade, ReferentialAction::Cascade)
    );
    assert!(fk.validated);
    assert_eq!(
        fk.definition,
        "FOREIGN KEY (x, y, z) REFERENCES public.parent(x, y, z) MATCH FULL ON DELETE CASCADE ON UPDATE CASCADE"
    );
    let test_fk = t.constraint("test_fk").unwrap().foreign_key.as_ref().unwrap();
    assert_eq!(
        (test_fk.on_delete, test_fk.on_update),
        (ReferentialAction::Cascade, ReferentialAction::NoAction)
    );
    let full_test = QualifiedName::new("public", "full_test");
    assert_eq!(
        parsed.locations[&ObjectKey::Constraint(full_test.clone(), "full_test_x_y_z_fkey".into())],
        at(28, 30)
    );
    assert_eq!(parsed.locations[&ObjectKey::Constraint(full_test, "test_fk".into())], at(29, 30));
    let view = parsed.schema.view("public", "vx").unwrap();
    assert_eq!((view.definition.as_str(), view.columns[0].name.as_str()), ("SELECT 1", "?column?"));
    assert_eq!(parsed.locations[&ObjectKey::View(view.qualified_name())], at(24, 1));
    let s = parsed.schema.sequence("public", "s").unwrap();
    assert_eq!((s.start, s.increment, s.min, s.max), (1, 1, 1, i64::MAX));

    // NOT VALID until VALIDATE CONSTRAINT.
    let parsed = parse(
        "CREATE TABLE p (x INT8 PRIMARY KEY);\nCREATE TABLE c (x INT8 PRIMARY KEY);\n\
         ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES p (x) NOT VALID;\n\
         ALTER TABLE c ADD CONSTRAINT ck CHECK (x > 0) NOT VALID;\nALTER TABLE c VALIDATE CONSTRAINT fk",
        "db",
    );
    let c = table(&parsed, "public", "c");
    assert!(c.constraint("fk").unwrap().validated);
    assert!(!c.constraint("ck").unwrap().validated);
}

#[test]
fn partitions_are_kept_as_clause_text() {
    let parsed = fixture("partition_list_default.sql");
    let partitioning = table(&parsed, "public", "ok4").cockroach.partitioning.clone().unwrap();
    assert!(partitioning.starts_with("PARTITION BY LIST (a, b) ("), "{partitioning}");
    assert!(
        partitioning.ends_with("PARTITION p4 VALUES IN ((DEFAULT, DEFAULT))\n)"),
        "{partitioning}"
    );
    assert_eq!(
        parsed.skipped,
        [(at(16, 1), "-- Warning: Partitioned table with no zone configurations.".to_owned())]
    );
    let parsed = fixture("partition_range_minvalue_maxvalue.sql");
    let partitioning = table(&parsed, "public", "ok9").cockroach.partitioning.clone().unwrap();
    assert!(
        partitioning.contains("PARTITION p1 VALUES FROM (MINVALUE, MINVALUE) TO (1, MAXVALUE)")
    );
    assert!(partitioning.starts_with("PARTITION BY RANGE (a, b)"));
    let nothing = fixture("partition_by_nothing.sql");
    let t = table(&nothing, "public", "partition_by_nothing");
    assert!(t.cockroach.partitioning.is_none());
    assert!(t.index("partition_by_nothing_b_key").unwrap().unique && t.constraints.len() == 1);
}

#[test]
fn localities_and_multi_region_columns() {
    let parsed = fixture("regional_by_row.sql");
    let t = table(&parsed, "public", "regional_by_row_table");
    assert_eq!(t.cockroach.locality.as_deref(), Some("REGIONAL BY ROW"));
    let region = column(t, "crdb_region");
    assert!(region.cockroach.hidden);
    assert_eq!(region.data_type, "public.crdb_internal_region");
    assert_eq!(
        region.default.as_deref(),
        Some("default_to_database_primary_region(gateway_region())::public.crdb_internal_region")
    );
    assert_eq!(t.index("regional_by_row_table_j_idx").unwrap().method, "gin");

    let parsed = fixture("docs_scat_localities.sql");
    assert_eq!(parsed.schema.tables.len(), 7);
    let users = table(&parsed, "public", "users");
    assert_eq!(users.comment.as_deref(), Some("This table contains information about users."));
    let rides = table(&parsed, "public", "rides");
    assert_eq!(rides.cockroach.locality.as_deref(), Some("REGIONAL BY TABLE IN PRIMARY REGION"));
    let revenue = column(rides, "revenue");
    assert_eq!(
        (revenue.data_type.as_str(), revenue.base_type.as_str()),
        ("DECIMAL(10,2)", "DECIMAL")
    );
    assert_eq!(
        rides.constraint("check_vehicle_city_city").unwrap().columns,
        ["city", "vehicle_city"]
    );
    let fks = parsed
        .schema
        .tables
        .iter()
        .flat_map(|t| &t.constraints)
        .filter(|c| c.kind == ConstraintKind::ForeignKey);
    assert_eq!(fks.count(), 5);
    let view = parsed.schema.view("public", "user_view").unwrap();
    assert_eq!(view.definition, "SELECT city, name FROM movr.public.users");
    let s = parsed.schema.sequence("public", "desc_customer_list").unwrap();
    assert_eq!((s.start, s.increment, s.min, s.max), (-1, -2, i64::MIN, -1));
}

#[test]
fn legacy_primary_names_interleave_and_temporary_tables() {
    let parsed = fixture("interleave_partial_index_legacy.sql");
    let t = table(&parsed, "public", "t60701_b");
    assert_eq!(t.primary_key().unwrap().name, "primary");
    assert!(t.index("primary").unwrap().primary);
    let index = t.index("i").unwrap();
    assert_eq!(index.predicate.as_deref(), Some("b > 0:::INT8"));
    assert!(index.definition.contains("INTERLEAVE IN PARENT public.t60701_a (a)"));
    assert_eq!(
        t.constraint("fk_a_ref_t60701_a").unwrap().foreign_key.as_ref().unwrap().columns,
        ["a"]
    );
    let parsed = parse(
        "CREATE TABLE c (a INT8 PRIMARY KEY, b INT8) INTERLEAVE IN PARENT public.p (a)",
        "db",
    );
    let c = table(&parsed, "public", "c");
    assert_eq!(c.cockroach.interleave.as_deref(), Some("INTERLEAVE IN PARENT public.p (a)"));

    let parsed = fixture("docs_temp_table_inline_fk.sql");
    let t = table(&parsed, "public", "vehicles");
    assert_eq!(t.persistence, Persistence::Temporary);
    let fk = t.constraint("fk_city_ref_users").unwrap().foreign_key.as_ref().unwrap();
    assert_eq!(
        (fk.table.to_string(), fk.columns.as_slice()),
        ("public.users".to_owned(), &["city".to_owned(), "id".to_owned()][..])
    );
}
