//! Routines from `pg_proc`, triggers from `pg_trigger` and rules from `pg_rewrite`.
//!
//! A trigger's timing, level and events are bits of `tgtype` (`TRIGGER_TYPE_*` in the server's
//! `catalog/pg_trigger.h`), and its arguments are the NUL-terminated strings of `tgargs`; both
//! are decoded here rather than in SQL.

use tokio_postgres::{Client, Row};

use super::{decode, get, query};
use crate::schema::model::{
    Enablement, QualifiedName, Routine, RoutineKind, Rule, RuleEvent, Trigger, TriggerEvent,
    TriggerLevel, TriggerTiming, Volatility,
};
use crate::{Error, Result};

const TRIGGER_TYPE_ROW: i32 = 1 << 0;
const TRIGGER_TYPE_BEFORE: i32 = 1 << 1;
const TRIGGER_TYPE_INSERT: i32 = 1 << 2;
const TRIGGER_TYPE_DELETE: i32 = 1 << 3;
const TRIGGER_TYPE_UPDATE: i32 = 1 << 4;
const TRIGGER_TYPE_TRUNCATE: i32 = 1 << 5;
const TRIGGER_TYPE_INSTEAD: i32 = 1 << 6;

/// Functions, procedures, aggregates and window functions in `schemas`.
pub async fn routines(client: &Client, schemas: &[String]) -> Result<Vec<Routine>> {
    let rows = query(client, include_str!("routines.sql"), "routines", schemas).await?;
    rows.iter().map(routine).collect()
}

fn routine(row: &Row) -> Result<Routine> {
    let kind: String = get(row, "kind")?;
    let volatility: String = get(row, "volatility")?;
    Ok(Routine {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        kind: decode(
            "prokind",
            &kind,
            &[
                ("f", RoutineKind::Function),
                ("p", RoutineKind::Procedure),
                ("a", RoutineKind::Aggregate),
                ("w", RoutineKind::Window),
            ],
        )?,
        arguments: get(row, "arguments")?,
        result: get(row, "result")?,
        language: get(row, "language")?,
        volatility: decode(
            "provolatile",
            &volatility,
            &[("i", Volatility::Immutable), ("s", Volatility::Stable), ("v", Volatility::Volatile)],
        )?,
        strict: get(row, "strict")?,
        security_definer: get(row, "security_definer")?,
        returns_set: get(row, "returns_set")?,
        returns_trigger: get(row, "returns_trigger")?,
        definition: get(row, "definition")?,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

/// Triggers on tables and views in `schemas`, internal triggers excluded.
pub async fn triggers(client: &Client, schemas: &[String]) -> Result<Vec<Trigger>> {
    let rows = query(client, include_str!("triggers.sql"), "triggers", schemas).await?;
    rows.iter().map(trigger).collect()
}

fn trigger(row: &Row) -> Result<Trigger> {
    let name: String = get(row, "name")?;
    let bits: i32 = get(row, "type_bits")?;
    let (timing, level, events) = decode_trigger_type(bits);
    let count: i32 = get(row, "argument_count")?;
    let raw: Vec<u8> = get(row, "arguments")?;
    let enabled: String = get(row, "enabled")?;
    Ok(Trigger {
        schema: get(row, "schema")?,
        table: get(row, "relation")?,
        timing,
        events,
        update_columns: get(row, "update_columns")?,
        level,
        function: QualifiedName {
            schema: get(row, "function_schema")?,
            name: get(row, "function_name")?,
        },
        arguments: split_trigger_arguments(&raw, count)
            .map_err(|e| e.context(format_args!("Trigger \"{name}\"")))?,
        condition: get(row, "condition")?,
        old_table: get(row, "old_table")?,
        new_table: get(row, "new_table")?,
        enabled: enablement("tgenabled", &enabled)?,
        constraint: get(row, "is_constraint")?,
        inherited: get(row, "inherited")?,
        definition: get(row, "definition")?,
        comment: None,
        name,
    })
}

/// Timing, level and events (in insert, update, delete, truncate order) from `tgtype`.
fn decode_trigger_type(bits: i32) -> (TriggerTiming, TriggerLevel, Vec<TriggerEvent>) {
    let timing = if bits & TRIGGER_TYPE_INSTEAD != 0 {
        TriggerTiming::InsteadOf
    } else if bits & TRIGGER_TYPE_BEFORE != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let level =
        if bits & TRIGGER_TYPE_ROW != 0 { TriggerLevel::Row } else { TriggerLevel::Statement };
    let events = [
        (TRIGGER_TYPE_INSERT, TriggerEvent::Insert),
        (TRIGGER_TYPE_UPDATE, TriggerEvent::Update),
        (TRIGGER_TYPE_DELETE, TriggerEvent::Delete),
        (TRIGGER_TYPE_TRUNCATE, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, event)| event)
    .collect();
    (timing, level, events)
}

/// The `count` NUL-terminated arguments stored in `tgargs`.
fn split_trigger_arguments(raw: &[u8], count: i32) -> Result<Vec<String>> {
    let count = usize::try_from(count)
        .map_err(|_| Error::internal(format!("Negative trigger argument count {count}")))?;
    let mut rest = raw;
    let mut args = Vec::with_capacity(count);
    for _ in 0..count {
        let (arg, tail) = rest.split_at(rest.iter().position(|b| *b == 0).ok_or_else(|| {
            Error::internal(format!(
                "The catalog announces {count} trigger arguments but holds fewer"
            ))
        })?);
        let arg = String::from_utf8(arg.to_vec())
            .map_err(|e| Error::internal("A trigger argument is not valid UTF-8").with_source(e))?;
        args.push(arg);
        rest = tail.get(1..).unwrap_or_default();
    }
    Ok(args)
}

/// Rewrite rules in `schemas`, without the `_RETURN` rules of views.
pub async fn rules(client: &Client, schemas: &[String]) -> Result<Vec<Rule>> {
    let rows = query(client, include_str!("rules.sql"), "rules", schemas).await?;
    rows.iter().map(rule).collect()
}

fn rule(row: &Row) -> Result<Rule> {
    let event: String = get(row, "event")?;
    let enabled: String = get(row, "enabled")?;
    Ok(Rule {
        schema: get(row, "schema")?,
        table: get(row, "relation")?,
        name: get(row, "name")?,
        event: decode(
            "ev_type",
            &event,
            &[
                ("1", RuleEvent::Select),
                ("2", RuleEvent::Update),
                ("3", RuleEvent::Insert),
                ("4", RuleEvent::Delete),
            ],
        )?,
        instead: get(row, "instead")?,
        enabled: enablement("ev_enabled", &enabled)?,
        definition: get(row, "definition")?,
        comment: None,
    })
}

fn enablement(what: &str, code: &str) -> Result<Enablement> {
    decode(
        what,
        code,
        &[
            ("O", Enablement::Origin),
            ("R", Enablement::Replica),
            ("A", Enablement::Always),
            ("D", Enablement::Disabled),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decodes_trigger_type_bits() {
        // BEFORE UPDATE FOR EACH ROW
        let (timing, level, events) = decode_trigger_type(19);
        assert_eq!((timing, level), (TriggerTiming::Before, TriggerLevel::Row));
        assert_eq!(events, [TriggerEvent::Update]);
        // AFTER INSERT OR DELETE FOR EACH ROW
        let (timing, _, events) = decode_trigger_type(13);
        assert_eq!(timing, TriggerTiming::After);
        assert_eq!(events, [TriggerEvent::Insert, TriggerEvent::Delete]);
        // AFTER TRUNCATE FOR EACH STATEMENT
        let (_, level, events) = decode_trigger_type(32);
        assert_eq!((level, events), (TriggerLevel::Statement, vec![TriggerEvent::Truncate]));
        // INSTEAD OF INSERT OR UPDATE FOR EACH ROW
        let (timing, _, events) = decode_trigger_type(64 | 16 | 4 | 1);
        assert_eq!(timing, TriggerTiming::InsteadOf);
        assert_eq!(events, [TriggerEvent::Insert, TriggerEvent::Update]);
    }

    #[test]
    fn splits_trigger_arguments() {
        assert_eq!(split_trigger_arguments(b"a\0b c\0\0", 3).unwrap(), ["a", "b c", ""]);
        assert!(split_trigger_arguments(b"", 0).unwrap().is_empty());
        assert!(split_trigger_arguments(b"a\0", 2).is_err());
        assert!(split_trigger_arguments(b"\xff\0", 1).is_err());
        assert!(split_trigger_arguments(b"", -1).is_err());
    }
}
