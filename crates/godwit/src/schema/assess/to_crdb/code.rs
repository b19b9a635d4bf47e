//! Checks on routines, triggers, rules, views, extensions and owners for a CockroachDB target.

use super::relations::column_hits;
use crate::schema::assess::{Hit, Target};
use crate::schema::model::{RoutineKind, Schema, Table, TriggerEvent, TriggerLevel, TriggerTiming};
use crate::schema::parse::ObjectKey;

pub(super) fn event_trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        (r.result.as_deref() == Some("event_trigger")).then(|| "RETURNS event_trigger".to_owned())
    })
}

pub(super) fn plain_views(s: &Schema, _: Target) -> Vec<Hit> {
    s.views
        .iter()
        .filter(|v| !v.materialized)
        .map(|v| Hit::new(ObjectKey::View(v.qualified_name()), "view"))
        .collect()
}

pub(super) fn security_definer(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| r.security_definer.then(|| "SECURITY DEFINER".to_owned()))
}

pub(super) fn built_in_extensions(s: &Schema, _: Target) -> Vec<Hit> {
    s.extensions
        .iter()
        .filter(|e| e.name != "plpgsql" && BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .map(|e| Hit::new(ObjectKey::Schema(e.schema.clone()), format!("extension {}", e.name)))
        .collect()
}

pub(super) fn row_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        let events: Vec<String> =
            t.events.iter().map(|e| format!("{e:?}").to_uppercase()).collect();
        (t.level == TriggerLevel::Row)
            .then(|| format!("{:?} {} FOR EACH ROW", t.timing, events.join(" OR ")).to_uppercase())
    })
}

pub(super) fn trigger_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Trigger) -> Option<String>,
) -> Vec<Hit> {
    s.triggers
        .iter()
        .filter(|t| !t.inherited)
        .filter_map(|t| {
            pred(t).map(|m| {
                Hit::new(
                    ObjectKey::Trigger(
                        crate::schema::QualifiedName::new(&t.schema, &t.table),
                        t.name.clone(),
                    ),
                    m,
                )
            })
        })
        .collect()
}

pub(super) fn triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |_| Some("triggers need v24.3".to_owned()))
}

pub(super) fn statement_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (t.level == TriggerLevel::Statement).then(|| "FOR EACH STATEMENT".to_owned())
    })
}

pub(super) fn truncate_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        t.events.contains(&TriggerEvent::Truncate).then(|| "ON TRUNCATE".to_owned())
    })
}

pub(super) fn instead_of_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| (t.timing == TriggerTiming::InsteadOf).then(|| "INSTEAD OF".to_owned()))
}

pub(super) fn transition_tables(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (t.old_table.is_some() || t.new_table.is_some()).then(|| "REFERENCING ... TABLE".to_owned())
    })
}

pub(super) fn update_of_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        (!t.update_columns.is_empty()).then(|| format!("UPDATE OF {}", t.update_columns.join(", ")))
    })
}

pub(super) fn constraint_triggers(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| t.constraint.then(|| "CREATE CONSTRAINT TRIGGER".to_owned()))
}

pub(super) fn trigger_function<'a>(
    s: &'a Schema,
    t: &crate::schema::model::Trigger,
) -> Option<&'a crate::schema::model::Routine> {
    s.routines
        .iter()
        .find(|r| r.schema == t.function.schema && r.name == t.function.name && r.returns_trigger)
}

pub(super) fn builtin_trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        trigger_function(s, t).is_none().then(|| format!("EXECUTE FUNCTION {}", t.function))
    })
}

/// Functions PostgreSQL has and CockroachDB does not, as they appear in expressions.
pub(super) const UNAVAILABLE_FUNCTIONS: &[&str] =
    &["uuidv7(", "uuidv4(", "pg_current_xact_id(", "txid_current(", "tsvector_update_trigger("];

pub(super) fn unavailable_functions(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| {
        let texts = [c.default.as_deref(), c.generated.as_ref().map(|g| g.expression.as_str())];
        let found = UNAVAILABLE_FUNCTIONS
            .iter()
            .find(|f| texts.iter().flatten().any(|t| t.contains(*f)))?;
        Some(format!("calls {})", found))
    })
}

pub(super) fn trigger_languages(s: &Schema, _: Target) -> Vec<Hit> {
    trigger_hits(s, |t| {
        let r = trigger_function(s, t)?;
        (r.language != "plpgsql").then(|| format!("function {} is in {}", t.function, r.language))
    })
}

pub(super) fn trigger_functions(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref()?;
        (r.returns_trigger
            && (body.contains("NEW.")
                || body.contains("OLD.")
                || body.contains("new.")
                || body.contains("old.")))
        .then(|| "field access on NEW/OLD".to_owned())
    })
}

pub(super) fn routine_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Routine) -> Option<String>,
) -> Vec<Hit> {
    s.routines
        .iter()
        .filter_map(|r| {
            pred(r).map(|m| {
                Hit::new(
                    ObjectKey::Routine(
                        crate::schema::QualifiedName::new(&r.schema, &r.name),
                        r.arguments.clone(),
                    ),
                    m,
                )
            })
        })
        .collect()
}

pub(super) fn plpgsql_routines(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| (r.language == "plpgsql").then(|| "PL/pgSQL needs v23.2".to_owned()))
}

pub(super) fn foreign_languages(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let ok = ["sql", "plpgsql", "internal"].contains(&r.language.as_str())
            || r.kind == RoutineKind::Aggregate;
        (!ok).then(|| format!("LANGUAGE {}", r.language))
    })
}

pub(super) fn aggregates(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| (r.kind == RoutineKind::Aggregate).then(|| "CREATE AGGREGATE".to_owned()))
}

/// PL/pgSQL constructs CockroachDB lacks (`known-limitations/plpgsql-limitations.md`).
pub(super) const PLPGSQL_GAPS: &[(&str, &str)] = &[
    ("%type", "%TYPE"),
    ("%rowtype", "%ROWTYPE"),
    ("perform ", "PERFORM"),
    ("get diagnostics", "GET DIAGNOSTICS"),
    ("foreach ", "FOREACH"),
    (" found", "FOUND"),
    ("assert ", "ASSERT"),
    ("execute ", "EXECUTE (dynamic SQL)"),
];

pub(super) fn plpgsql_constructs(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref().filter(|_| r.language == "plpgsql")?.to_lowercase();
        let mut found: Vec<&str> = PLPGSQL_GAPS
            .iter()
            .filter(|(needle, _)| body.contains(needle))
            .map(|(_, name)| *name)
            .collect();
        if body.contains(" loop") && body.contains(" in select") {
            found.push("FOR ... IN query LOOP");
        }
        (!found.is_empty()).then(|| found.join(", "))
    })
}

pub(super) fn routine_ddl(s: &Schema, _: Target) -> Vec<Hit> {
    routine_hits(s, |r| {
        let body = r.definition.as_deref()?.to_lowercase();
        let ddl = ["create table", "alter table", "drop table", "create index", "truncate "]
            .iter()
            .find(|k| body.contains(*k))?;
        Some(format!("body runs {}", ddl.to_uppercase()))
    })
}

pub(super) fn rules_defined(s: &Schema, _: Target) -> Vec<Hit> {
    s.rules
        .iter()
        .map(|r| {
            Hit::new(
                ObjectKey::Table(crate::schema::QualifiedName::new(&r.schema, &r.table)),
                format!(
                    "rule {} ({:?}{})",
                    r.name,
                    r.event,
                    if r.instead { ", DO INSTEAD" } else { "" }
                ),
            )
        })
        .collect()
}

pub(super) fn materialized_views(s: &Schema, _: Target) -> Vec<Hit> {
    s.views
        .iter()
        .filter(|v| v.materialized)
        .map(|v| Hit::new(ObjectKey::View(v.qualified_name()), "materialized view"))
        .collect()
}

pub(super) fn identity_always(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::IdentityKind;
    column_hits(s, |c| {
        c.identity
            .as_ref()
            .filter(|i| i.kind == IdentityKind::Always)
            .map(|_| "GENERATED ALWAYS AS IDENTITY".to_owned())
    })
}

/// Extensions whose features CockroachDB has built in (`crdb-dialect.md` §1.7).
pub(super) const BUILT_IN_EXTENSIONS: &[&str] = &[
    "plpgsql",
    "uuid-ossp",
    "pg_trgm",
    "postgis",
    "fuzzystrmatch",
    "vector",
    "citext",
    "ltree",
    "pgcrypto",
];

pub(super) fn extensions(s: &Schema, _: Target) -> Vec<Hit> {
    s.extensions
        .iter()
        .filter(|e| !BUILT_IN_EXTENSIONS.contains(&e.name.as_str()))
        .map(|e| {
            Hit::new(
                ObjectKey::Schema(e.schema.clone()),
                format!("extension {} {}", e.name, e.version),
            )
        })
        .collect()
}

pub(super) fn owners(s: &Schema, _: Target) -> Vec<Hit> {
    let mut by_role: std::collections::BTreeMap<&str, Vec<&Table>> =
        std::collections::BTreeMap::new();
    for t in s.tables.iter().filter(|t| !t.owner.is_empty()) {
        by_role.entry(t.owner.as_str()).or_default().push(t);
    }
    by_role
        .into_iter()
        .map(|(role, tables)| {
            let message = format!("role {role} owns {} table(s)", tables.len());
            Hit::new(ObjectKey::Table(tables[0].qualified_name()), message)
        })
        .collect()
}
