//! Server-side code: routines (functions, procedures, aggregates), triggers and rules.
//!
//! Bodies are kept as the server prints them (`pg_get_functiondef`, `pg_get_triggerdef`,
//! `pg_get_ruledef`); the structured fields say what a migration has to check before it can
//! replay them elsewhere (language, volatility, security definer, trigger events).

use super::{Grant, QualifiedName};

/// A function, procedure, aggregate or window function.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Routine {
    /// The schema the routine is in.
    pub schema: String,
    /// The routine name (overloads share it; `arguments` tells them apart).
    pub name: String,
    /// Function, procedure, aggregate or window function.
    pub kind: RoutineKind,
    /// The identity arguments (`p_film_id integer, p_store_id integer`; procedures also show
    /// modes, `IN a integer`), from `pg_get_function_identity_arguments`: enough to name the
    /// routine in `DROP` or `GRANT`.
    pub arguments: String,
    /// The result type (`SETOF integer`, `TABLE(a integer)`, `trigger`); absent for procedures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The implementation language (`sql`, `plpgsql`, `c`, `internal`).
    pub language: String,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE`.
    pub volatility: Volatility,
    /// `STRICT` (`RETURNS NULL ON NULL INPUT`).
    pub strict: bool,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `RETURNS SETOF` / `RETURNS TABLE`.
    pub returns_set: bool,
    /// `RETURNS trigger`: the routine can only be called by triggers.
    pub returns_trigger: bool,
    /// The complete `CREATE OR REPLACE FUNCTION|PROCEDURE` statement
    /// (`pg_get_functiondef`); absent for aggregates, which it cannot print.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The owning role.
    pub owner: String,
    /// `COMMENT ON FUNCTION|PROCEDURE|AGGREGATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Explicit privileges (`proacl`); absent when the routine has its default privileges
    /// (`EXECUTE` for `PUBLIC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileges: Option<Vec<Grant>>,
}

/// What kind of routine (`pg_proc.prokind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    /// A normal function (`f`).
    Function,
    /// A procedure (`p`), called with `CALL`.
    Procedure,
    /// An aggregate function (`a`).
    Aggregate,
    /// A window function (`w`).
    Window,
}

/// Whether a routine's result may change for the same arguments (`provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    /// `IMMUTABLE` (`i`).
    Immutable,
    /// `STABLE` (`s`).
    Stable,
    /// `VOLATILE` (`v`).
    Volatile,
}

/// A trigger on a table or view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trigger {
    /// The schema of the table or view.
    pub schema: String,
    /// The table or view the trigger is on.
    pub table: String,
    /// The trigger name (unique per table).
    pub name: String,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`.
    pub timing: TriggerTiming,
    /// The events that fire the trigger, in the order insert, update, delete, truncate.
    pub events: Vec<TriggerEvent>,
    /// The columns of `UPDATE OF ...`, in order; empty when any update fires the trigger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_columns: Vec<String>,
    /// `FOR EACH ROW` or `FOR EACH STATEMENT`.
    pub level: TriggerLevel,
    /// The trigger function.
    pub function: QualifiedName,
    /// The literal arguments passed to the function.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// The `WHEN (...)` condition as the server prints it, without `WHEN (` and its closing
    /// parenthesis (`(old.name IS DISTINCT FROM new.name)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `REFERENCING OLD TABLE AS name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_table: Option<String>,
    /// `REFERENCING NEW TABLE AS name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_table: Option<String>,
    /// When the trigger fires, depending on `session_replication_role`.
    pub enabled: Enablement,
    /// `CREATE CONSTRAINT TRIGGER`.
    pub constraint: bool,
    /// True for a partition's copy of a trigger defined on the partitioned table.
    pub inherited: bool,
    /// The `CREATE TRIGGER` statement (`pg_get_triggerdef`).
    pub definition: String,
    /// `COMMENT ON TRIGGER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// When a trigger runs relative to the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    /// `BEFORE`.
    Before,
    /// `AFTER`.
    After,
    /// `INSTEAD OF` (views only).
    InsteadOf,
}

/// An event that fires a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    /// `INSERT`.
    Insert,
    /// `UPDATE` (possibly restricted to `update_columns`).
    Update,
    /// `DELETE`.
    Delete,
    /// `TRUNCATE` (statement-level only).
    Truncate,
}

/// Whether a trigger runs per row or per statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerLevel {
    /// `FOR EACH ROW`.
    Row,
    /// `FOR EACH STATEMENT`.
    Statement,
}

/// When a trigger or rule fires, relative to `session_replication_role` (`tgenabled`,
/// `ev_enabled`). Logical replication appliers run as `replica`, so `origin` triggers do not
/// fire on rows they apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enablement {
    /// Enabled, the default (`O`): fires in `origin` and `local` modes.
    Origin,
    /// `ENABLE REPLICA` (`R`): fires only in `replica` mode.
    Replica,
    /// `ENABLE ALWAYS` (`A`): fires in every mode.
    Always,
    /// `DISABLE` (`D`): never fires.
    Disabled,
}

/// A rewrite rule (`CREATE RULE`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// The schema of the table or view.
    pub schema: String,
    /// The table or view the rule is on.
    pub table: String,
    /// The rule name (unique per table).
    pub name: String,
    /// The event the rule rewrites.
    pub event: RuleEvent,
    /// `DO INSTEAD` (replaces the original statement) rather than `DO ALSO`.
    pub instead: bool,
    /// When the rule fires, relative to `session_replication_role`.
    pub enabled: Enablement,
    /// The `CREATE RULE` statement (`pg_get_ruledef`).
    pub definition: String,
    /// `COMMENT ON RULE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The statement kind a rule rewrites (`ev_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleEvent {
    /// `ON SELECT` (`1`).
    Select,
    /// `ON UPDATE` (`2`).
    Update,
    /// `ON INSERT` (`3`).
    Insert,
    /// `ON DELETE` (`4`).
    Delete,
}
