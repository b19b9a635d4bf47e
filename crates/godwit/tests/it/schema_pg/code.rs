//! Routines, triggers and rules.

use godwit::schema::model::{
    Enablement, Routine, RoutineKind, RuleEvent, Trigger, TriggerEvent, TriggerLevel,
    TriggerTiming, Volatility,
};

use super::{db_with, qn, read, strings};

#[tokio::test]
async fn routines_of_every_kind() {
    let db = db_with(
        "create function add_one(a int) returns int language sql as $$select a + 1$$;
         create function shout(x text) returns text language plpgsql
             security definer strict immutable as $$begin return upper(x); end$$;
         create function shout(x text, n int) returns text language sql stable
             as $$select repeat(x, n)$$;
         create procedure reset_all(a int) language sql as $$select 1$$;
         create aggregate total(int) (sfunc = int4pl, stype = int, initcond = '0');
         create function series(n int) returns setof int language sql
             as $$select generate_series(1, n)$$;
         create function touch() returns trigger language plpgsql
             as $$begin return new; end$$;",
    )
    .await;
    let schema = read(&db).await;
    let signatures: Vec<(&str, &str)> =
        schema.routines.iter().map(|r| (r.name.as_str(), r.arguments.as_str())).collect();
    assert_eq!(
        signatures,
        [
            ("add_one", "a integer"),
            ("reset_all", "IN a integer"),
            ("series", "n integer"),
            ("shout", "x text"),
            ("shout", "x text, n integer"),
            ("total", "integer"),
            ("touch", ""),
        ]
    );
    assert_eq!(schema.routines[0], Routine {
        schema: "public".into(),
        name: "add_one".into(),
        kind: RoutineKind::Function,
        arguments: "a integer".into(),
        result: Some("integer".into()),
        language: "sql".into(),
        volatility: Volatility::Volatile,
        strict: false,
        security_definer: false,
        returns_set: false,
        returns_trigger: false,
        definition: Some(
            "CREATE OR REPLACE FUNCTION public.add_one(a integer)\n RETURNS integer\n LANGUAGE \
             sql\nAS $function$select a + 1$function$\n"
                .into()
        ),
        owner: "postgres".into(),
        comment: None,
        privileges: None,
    });
    let procedure = &schema.routines[1];
    assert_eq!((procedure.kind, &procedure.result), (RoutineKind::Procedure, &None));
    assert!(procedure.definition.as_deref().unwrap().starts_with("CREATE OR REPLACE PROCEDURE"));
    assert!(schema.routines[2].returns_set);
    assert_eq!(schema.routines[2].result.as_deref(), Some("SETOF integer"));
    let shout = &schema.routines[3];
    assert_eq!((shout.language.as_str(), shout.volatility), ("plpgsql", Volatility::Immutable));
    assert!(shout.strict && shout.security_definer);
    assert_eq!(schema.routines[4].volatility, Volatility::Stable);
    let total = &schema.routines[5];
    assert_eq!(
        (total.kind, total.definition.as_deref()),
        (
            RoutineKind::Aggregate,
            Some(
                "CREATE AGGREGATE public.total(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0')"
            )
        )
    );
    assert_eq!(total.result.as_deref(), Some("integer"));
    assert!(schema.routines[6].returns_trigger);
    let counts = schema.counts();
    assert_eq!((counts.functions, counts.procedures, counts.aggregates), (5, 1, 1));
}

#[tokio::test]
async fn triggers_report_timing_events_and_state() {
    let db = db_with(
        "create table acct (id int primary key, name text, balance int);
         create function audit() returns trigger language plpgsql
             as $$begin return new; end$$;
         create trigger acct_name before update of name, balance on acct for each row
             when (old.name is distinct from new.name) execute function audit('a', 'b c');
         create trigger acct_truncate after truncate on acct
             for each statement execute function audit();
         create trigger acct_off after insert or delete on acct
             for each row execute function audit();
         alter table acct disable trigger acct_off;
         create trigger acct_always after insert on acct referencing new table as inserted
             for each statement execute function audit();
         alter table acct enable always trigger acct_always;
         create constraint trigger acct_check after insert on acct
             deferrable initially deferred for each row execute function audit();
         create view acct_view as select * from acct;
         create trigger acct_view_ins instead of insert on acct_view
             for each row execute function audit();
         create table child_fk (a int references acct);
         create table parted (id int) partition by range (id);
         create table parted_1 partition of parted for values from (0) to (10);
         create trigger parted_trg after insert on parted for each row execute function audit();",
    )
    .await;
    let schema = read(&db).await;
    let names: Vec<(&str, &str)> =
        schema.triggers.iter().map(|t| (t.table.as_str(), t.name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("acct", "acct_always"),
            ("acct", "acct_check"),
            ("acct", "acct_name"),
            ("acct", "acct_off"),
            ("acct", "acct_truncate"),
            ("acct_view", "acct_view_ins"),
            ("parted", "parted_trg"),
            ("parted_1", "parted_trg"),
        ]
    );
    let trigger = |table: &str, name: &str| {
        *schema.triggers_on("public", table).iter().find(|t| t.name == name).unwrap()
    };
    assert_eq!(
        trigger("acct", "acct_name"),
        &Trigger {
            schema: "public".into(),
            table: "acct".into(),
            name: "acct_name".into(),
            timing: TriggerTiming::Before,
            events: vec![TriggerEvent::Update],
            update_columns: strings(&["name", "balance"]),
            level: TriggerLevel::Row,
            function: qn("public", "audit"),
            arguments: strings(&["a", "b c"]),
            condition: Some("(old.name IS DISTINCT FROM new.name)".into()),
            old_table: None,
            new_table: None,
            enabled: Enablement::Origin,
            constraint: false,
            inherited: false,
            definition:
                "CREATE TRIGGER acct_name BEFORE UPDATE OF name, balance ON public.acct FOR \
                     EACH ROW WHEN ((old.name IS DISTINCT FROM new.name)) EXECUTE FUNCTION \
                     public.audit('a', 'b c')"
                    .into(),
            comment: None,
        }
    );
    let truncate = trigger("acct", "acct_truncate");
    assert_eq!((truncate.timing, truncate.level), (TriggerTiming::After, TriggerLevel::Statement));
    assert_eq!(truncate.events, [TriggerEvent::Truncate]);
    assert!(truncate.arguments.is_empty() && truncate.condition.is_none());
    let off = trigger("acct", "acct_off");
    assert_eq!(
        (off.enabled, off.events.clone()),
        (Enablement::Disabled, vec![TriggerEvent::Insert, TriggerEvent::Delete])
    );
    let always = trigger("acct", "acct_always");
    assert_eq!(
        (always.enabled, always.new_table.as_deref()),
        (Enablement::Always, Some("inserted"))
    );
    assert!(trigger("acct", "acct_check").constraint);
    assert_eq!(trigger("acct_view", "acct_view_ins").timing, TriggerTiming::InsteadOf);
    assert!(!trigger("parted", "parted_trg").inherited);
    assert!(trigger("parted_1", "parted_trg").inherited);
    assert!(schema.triggers_on("public", "child_fk").is_empty());
    assert_eq!(schema.triggers_on("public", "acct").len(), 5);
}

#[tokio::test]
async fn rules_exclude_view_return_rules() {
    let db = db_with(
        "create table log (id int, msg text);
         create table log_archive (id int, msg text);
         create rule log_ignore as on insert to log where new.msg is null do instead nothing;
         create rule log_copy as on update to log
             do also insert into log_archive values (old.id, old.msg);
         alter table log disable rule log_copy;
         create view log_view as select * from log;
         create rule log_view_del as on delete to log_view
             do instead delete from log where id = old.id;",
    )
    .await;
    let schema = read(&db).await;
    let names: Vec<(&str, &str)> =
        schema.rules.iter().map(|r| (r.table.as_str(), r.name.as_str())).collect();
    assert_eq!(names, [("log", "log_copy"), ("log", "log_ignore"), ("log_view", "log_view_del")]);
    let copy = &schema.rules[0];
    assert_eq!(
        (copy.event, copy.instead, copy.enabled),
        (RuleEvent::Update, false, Enablement::Disabled)
    );
    let ignore = &schema.rules[1];
    assert_eq!(
        (ignore.event, ignore.instead, ignore.enabled),
        (RuleEvent::Insert, true, Enablement::Origin)
    );
    assert_eq!(
        ignore.definition,
        "CREATE RULE log_ignore AS\n    ON INSERT TO public.log\n   WHERE (new.msg IS NULL) DO \
         INSTEAD NOTHING;"
    );
    let delete = &schema.rules[2];
    assert_eq!(
        (delete.schema.as_str(), delete.event, delete.instead),
        ("public", RuleEvent::Delete, true)
    );
    assert_eq!(schema.counts().rules, 3);
}
