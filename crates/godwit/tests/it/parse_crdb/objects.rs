//! Everything but table structure: comments, schemas, types, sequences, views, routines,
//! triggers, and names that contain `;`.

use godwit::schema::model::{
    QualifiedName, RoutineKind, TriggerEvent, TriggerLevel, TriggerTiming, Volatility,
};
use godwit::schema::parse::ObjectKey;

use super::{at, column, fixture, table};

#[test]
fn comments_decode_escapes_and_find_indexes_by_table() {
    let parsed = fixture("scat_comment_escaping.sql");
    let t = table(&parsed, "public", "t   t");
    assert_eq!(t.comment.as_deref(), Some("has ' quotes"));
    assert_eq!(column(t, "x'").comment.as_deref(), Some("i ' just ' love ' quotes"));
    assert_eq!(t.index("t   t_pkey").unwrap().comment.as_deref(), Some("has ' more ' quotes"));
    assert_eq!(
        t.constraint("t   t_pkey").unwrap().comment.as_deref(),
        Some("new constraint comment")
    );

    let parsed = fixture("comment_on_constraint.sql");
    let t = table(&parsed, "public", "t");
    let ckb = t.constraint("ckb").unwrap();
    assert_eq!(
        (ckb.comment.as_deref(), ckb.check.as_deref()),
        (Some("cst b"), Some("b > 1:::INT8"))
    );

    let parsed = fixture("schemas_all_comment.sql");
    let schemas: Vec<(&str, Option<&str>)> =
        parsed.schema.schemas.iter().map(|n| (n.name.as_str(), n.comment.as_deref())).collect();
    assert_eq!(schemas, [("public", Some("test comment")), ("test2", None)]);
    assert_eq!(parsed.locations[&ObjectKey::Schema("test2".into())], at(7, 1));
}

#[test]
fn user_schemas_hold_tables_of_the_same_name() {
    let parsed = fixture("scat_user_schemas.sql");
    let names: Vec<String> =
        parsed.schema.tables.iter().map(|t| t.qualified_name().to_string()).collect();
    assert_eq!(names, ["sc1.t", "sc2.t"]);
    assert_eq!(parsed.locations[&ObjectKey::Table(QualifiedName::new("sc1", "t"))], at(5, 1));
    assert_eq!(parsed.locations[&ObjectKey::Table(QualifiedName::new("sc2", "t"))], at(10, 1));
    let key = ObjectKey::Constraint(QualifiedName::new("sc2", "t"), "t_pkey".into());
    assert_eq!(parsed.locations[&key], at(13, 5));
    let schemas: Vec<&str> = parsed.schema.schemas.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(schemas, ["sc1", "sc2"]);
}

#[test]
fn user_defined_types_drop_the_database() {
    let parsed = fixture("scat_enum_column_db_qualified.sql");
    assert_eq!(parsed.schema.database, "type_test");
    let x = column(table(&parsed, "public", "t"), "x");
    assert_eq!((x.data_type.as_str(), x.base_type.as_str()), ("public.test", "public.test"));
    let parsed = fixture("docs_enum_udt_column.sql");
    assert_eq!(parsed.schema.database, "db");
    assert_eq!(column(table(&parsed, "public", "accounts"), "status").data_type, "public.status");
    let parsed = fixture("types_enum_all.sql");
    let enums: Vec<(String, Vec<String>)> = parsed
        .schema
        .types
        .enums
        .iter()
        .map(|e| (format!("{}.{}", e.schema, e.name), e.labels.clone()))
        .collect();
    assert_eq!(
        enums,
        [
            ("public.tableobj".to_owned(), vec!["row".to_owned(), "col".to_owned()]),
            ("s.status".to_owned(), vec!["a".into(), "b".into(), "c".into()])
        ]
    );
    let geometry = fixture("geometry_any_srid.sql");
    let a = column(table(&geometry, "public", "geom_table_negative_values"), "a");
    assert_eq!((a.data_type.as_str(), a.base_type.as_str()), ("GEOMETRY(GEOMETRY)", "GEOMETRY"));
    let aliases = fixture("oid_name_types.sql");
    assert_eq!(column(table(&aliases, "public", "aliases"), "b").data_type, "NAME");
}

#[test]
fn sequences_including_virtual_ones() {
    let parsed = fixture("sequence_virtual.sql");
    let s = parsed.schema.sequence("public", "serial_a_seq").unwrap();
    assert_eq!(
        (s.data_type.as_str(), s.start, s.increment, s.min, s.max, s.cache),
        ("INT8", 1, 1, 1, i64::MAX, 1)
    );
    assert_eq!(s.owner, "");
    let parsed = fixture("serial_virtual_sequence.sql");
    let a = column(table(&parsed, "public", "serial"), "a");
    assert_eq!(a.default.as_deref(), Some("nextval('public.serial_a_seq'::REGCLASS)"));
    let parsed = fixture("serial_mixed_case.sql");
    let t = table(&parsed, "public", "serial_MixedCase");
    assert_eq!(
        column(t, "c").default.as_deref(),
        Some("nextval('public.\"serial_MixedCase_c_seq\"'::REGCLASS)")
    );
    assert!(t.index("serial_MixedCase_c_key").unwrap().unique);
}

#[test]
fn routines_and_triggers() {
    let parsed = fixture("routines_all.sql");
    let keys: Vec<(String, String)> =
        parsed.schema.routines.iter().map(|r| (r.name.clone(), r.arguments.clone())).collect();
    assert_eq!(
        keys,
        [
            ("add_one".to_owned(), "x FLOAT8".to_owned()),
            ("add_one".to_owned(), "x INT8".to_owned()),
            ("double_triple".to_owned(), "INOUT double INT8, OUT triple INT8".to_owned()),
        ]
    );
    let add_one =
        |args: &str| ObjectKey::Routine(QualifiedName::new("public", "add_one"), args.into());
    assert_eq!(parsed.locations[&add_one("x INT8")], at(5, 1));
    assert_eq!(parsed.locations[&add_one("x FLOAT8")], at(15, 1));
    let function = &parsed.schema.routines[1];
    assert_eq!(
        (function.kind, function.result.as_deref(), function.language.as_str()),
        (RoutineKind::Function, Some("INT8"), "sql")
    );
    assert_eq!(
        (function.volatility, function.strict, function.security_definer),
        (Volatility::Volatile, false, false)
    );
    assert!(function.definition.as_deref().unwrap().ends_with("SELECT x + 1;\n$$"));
    let procedure = &parsed.schema.routines[2];
    assert_eq!(
        (procedure.kind, procedure.result.as_deref(), procedure.language.as_str()),
        (RoutineKind::Procedure, None, "plpgsql")
    );

    let parsed = fixture("trigger_function.sql");
    let f = &parsed.schema.routines[0];
    assert!(f.returns_trigger);
    assert!(f.definition.as_deref().unwrap().contains("RETURN (1, 2);"));

    let parsed = fixture("triggers_all.sql");
    let triggers: Vec<String> = parsed
        .schema
        .triggers
        .iter()
        .map(|t| format!("{}.{}/{}", t.schema, t.table, t.name))
        .collect();
    assert_eq!(triggers, ["public.t1/t1_trigger", "public.t1/t1_trigger2", "public.t2/t2_trigger"]);
    let t = &parsed.schema.triggers[1];
    assert_eq!(
        (t.timing, t.level, t.events.as_slice()),
        (TriggerTiming::After, TriggerLevel::Row, &[TriggerEvent::Insert][..])
    );
    assert_eq!(t.function, QualifiedName::new("public", "trigger_func2"));
    let key = ObjectKey::Trigger(QualifiedName::new("public", "t2"), "t2_trigger".into());
    assert_eq!(parsed.locations[&key], at(7, 1));
}

#[test]
fn semicolons_inside_identifiers_do_not_end_statements() {
    let parsed = fixture("scat_semicolon_identifiers.sql");
    let t = table(&parsed, "public", ";");
    assert_eq!(column(t, ";").data_type, "INT8");
    assert!(t.index(";_;_idx").is_some());
    assert_eq!(t.primary_key().unwrap().name, ";_pkey");
}
