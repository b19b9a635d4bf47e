//! Deferred objects: the secondary indexes, unique and exclusion constraints, checks and
//! foreign keys of the copied tables that the target lacks, created by `fetch` once the data
//! is in, as `pg_restore` and pgcopydb do, because building an index over loaded rows is much
//! cheaper than maintaining it row by row during the load.
//!
//! - A table's indexes and checks are built as soon as its last shard is in, on their own
//!   connections (at most `jobs` builds at a time), while other tables still copy.
//! - Foreign keys come last, once every table is complete: each is added `NOT VALID` (no scan,
//!   a short lock) and then validated (a scan that does not block writes on PostgreSQL).
//!
//! The statements are those `convert` writes to `post-data.sql` for the target dialect
//! ([`crate::schema::convert::table_objects`]), limited to objects whose name the target table
//! does not have yet, so a target prepared with `schema apply --section all` gets nothing new
//! and a resumed run builds only what is still missing. A statement whose object exists
//! meanwhile counts as done (the same SQLSTATEs as `schema apply`); any other failure is
//! reported with the object and SQLSTATE, and the others go on.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::plan::TablePlan;
use crate::conn::{self, ConnParams};
use crate::dialect::{Dialect, Version};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::apply::ALREADY_EXISTS;
use crate::schema::assess::Target;
use crate::schema::convert::{self, KeyStrategy, Statement, table_objects};
use crate::schema::model::{Schema, Table};

/// `(schema, table)`.
type TableKey = (String, String);

/// What the deferred objects of a run came to.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeferredReport {
    /// Statements that ran.
    pub created: usize,
    /// Statements whose object existed already.
    pub existing: usize,
    /// Statements that failed.
    pub failures: Vec<DeferredFailure>,
}

/// A deferred statement that failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeferredFailure {
    /// The object, as `convert` names it (`index public.orders.orders_customer_idx`).
    pub object: String,
    /// SQLSTATE, when the server answered.
    pub sqlstate: Option<String>,
    /// What went wrong (the server's message, never row values).
    pub message: String,
}

/// The deferred statements of a run, per table and for the end.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    builds: HashMap<TableKey, TableWork>,
    foreign_keys: Vec<Statement>,
    validations: Vec<Statement>,
}

/// What one table gets once its rows are in: indexes side by side, then constraints in order.
#[derive(Debug, Clone, Default)]
struct TableWork {
    indexes: Vec<Statement>,
    constraints: Vec<Statement>,
}

impl Plan {
    /// How many statements the plan holds.
    pub fn len(&self) -> usize {
        let tables: usize =
            self.builds.values().map(|w| w.indexes.len() + w.constraints.len()).sum();
        tables + self.foreign_keys.len() + self.validations.len()
    }

    /// Whether there is nothing to create.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The objects of the copied `tables` that `source` has and `target` lacks, as statements
/// for `target_dialect`.
pub fn plan(
    source: &Schema,
    target: &Schema,
    tables: &[TablePlan],
    target_dialect: (Dialect, Version),
) -> Plan {
    let options = convert::Options {
        target: Target { dialect: target_dialect.0, version: target_dialect.1 },
        keys: KeyStrategy::Keep,
    };
    let ready = convert::convert(source, &options, None).schema;
    let mut plan = Plan::default();
    for t in tables {
        let Some(wanted) = ready.table(&t.schema, &t.name) else { continue };
        let missing = missing_objects(wanted, target.table(&t.schema, &t.name));
        let objects = table_objects(&missing, target_dialect.0);
        plan.foreign_keys.extend(objects.foreign_keys);
        plan.validations.extend(objects.validations);
        if !objects.indexes.is_empty() || !objects.constraints.is_empty() {
            let work = TableWork { indexes: objects.indexes, constraints: objects.constraints };
            plan.builds.insert((t.schema.clone(), t.name.clone()), work);
        }
    }
    plan
}

/// `wanted` without the indexes and constraints `existing` already has (by name).
fn missing_objects(wanted: &Table, existing: Option<&Table>) -> Table {
    let mut missing = wanted.clone();
    if let Some(existing) = existing {
        missing.indexes.retain(|i| !existing.indexes.iter().any(|e| e.name == i.name));
        missing.constraints.retain(|c| !existing.constraints.iter().any(|e| e.name == c.name));
    }
    missing
}

/// Runs a [`Plan`]: table builds as tables complete, foreign keys at the end. At most
/// `jobs` statements run at a time, each index build on its own connection.
pub struct Builder {
    target: Arc<ConnParams>,
    dialect: Dialect,
    pending: HashMap<TableKey, TableWork>,
    foreign_keys: Vec<Statement>,
    validations: Vec<Statement>,
    slots: Arc<Semaphore>,
    running: JoinSet<DeferredReport>,
}

impl Builder {
    /// A builder for `plan` on `target`, at most `jobs` statements at a time.
    pub fn new(plan: Plan, target: &ConnParams, dialect: Dialect, jobs: usize) -> Self {
        Builder {
            target: Arc::new(target.clone()),
            dialect,
            pending: plan.builds,
            foreign_keys: plan.foreign_keys,
            validations: plan.validations,
            slots: Arc::new(Semaphore::new(jobs.max(1))),
            running: JoinSet::new(),
        }
    }

    /// Table `schema.name` holds all its rows: start its builds in the background (its
    /// indexes side by side, then its constraints in order).
    /// Contract: call at most once per table, only when every shard of it is done; a table
    /// with nothing deferred is ignored.
    pub fn table_done(&mut self, schema: &str, name: &str) {
        let Some(work) = self.pending.remove(&(schema.to_owned(), name.to_owned())) else {
            return;
        };
        let target = Arc::clone(&self.target);
        let slots = Arc::clone(&self.slots);
        let dialect = self.dialect;
        self.running.spawn(async move {
            let mut report = side_by_side(&target, dialect, &slots, work.indexes).await;
            let Ok(_slot) = slots.acquire().await else { return report };
            merge(&mut report, run_statements(&target, dialect, &work.constraints).await);
            report
        });
    }

    /// Wait for the builds, then add the foreign keys (one after the other: each add takes a
    /// short lock on two tables) and validate them side by side. Tables never reported done
    /// (failed ones) keep their objects unbuilt, and foreign keys are skipped if any are.
    pub async fn finish(mut self, events: &dyn EventSink) -> DeferredReport {
        let mut report = DeferredReport::default();
        while let Some(joined) = self.running.join_next().await {
            merge(&mut report, joined.unwrap_or_else(|e| lost(&e)));
        }
        if !self.pending.is_empty() || self.foreign_keys.is_empty() {
            return report;
        }
        events.emit(Event::Step {
            phase: "fetch".into(),
            message: format!("adding and validating {} foreign keys", self.foreign_keys.len()),
        });
        merge(&mut report, run_statements(&self.target, self.dialect, &self.foreign_keys).await);
        let validations = std::mem::take(&mut self.validations);
        merge(
            &mut report,
            side_by_side(&self.target, self.dialect, &self.slots, validations).await,
        );
        report
    }
}

/// Run independent `statements` at the same time, each on its own connection, as many as
/// `slots` allows.
async fn side_by_side(
    target: &Arc<ConnParams>,
    dialect: Dialect,
    slots: &Arc<Semaphore>,
    statements: Vec<Statement>,
) -> DeferredReport {
    let mut set = JoinSet::new();
    for statement in statements {
        let (target, slots) = (Arc::clone(target), Arc::clone(slots));
        set.spawn(async move {
            let Ok(_slot) = slots.acquire().await else { return DeferredReport::default() };
            run_statements(&target, dialect, std::slice::from_ref(&statement)).await
        });
    }
    let mut report = DeferredReport::default();
    while let Some(joined) = set.join_next().await {
        merge(&mut report, joined.unwrap_or_else(|e| lost(&e)));
    }
    report
}

fn merge(into: &mut DeferredReport, part: DeferredReport) {
    into.created += part.created;
    into.existing += part.existing;
    into.failures.extend(part.failures);
}

fn lost(e: &tokio::task::JoinError) -> DeferredReport {
    let message = format!("a deferred-object task failed to finish: {e}");
    let failure = DeferredFailure { object: "deferred objects".into(), sqlstate: None, message };
    DeferredReport { failures: vec![failure], ..DeferredReport::default() }
}

/// Run `statements` in order on one new connection; a failure is recorded and the next
/// statement still runs (a missing index must not hide a failing check).
async fn run_statements(
    target: &ConnParams,
    dialect: Dialect,
    statements: &[Statement],
) -> DeferredReport {
    let mut report = DeferredReport::default();
    let conn = match connect(target, dialect).await {
        Ok(conn) => conn,
        Err(e) => {
            let failure = |s: &Statement| DeferredFailure {
                object: s.object.clone(),
                sqlstate: e.sqlstate().map(str::to_owned),
                message: e.to_string(),
            };
            report.failures.extend(statements.iter().map(failure));
            return report;
        }
    };
    for statement in statements {
        match conn.client().batch_execute(&statement.sql).await {
            Ok(()) => report.created += 1,
            Err(e) => {
                let code = e.as_db_error().map(|d| d.code().code().to_owned());
                if code.as_deref().is_some_and(|c| ALREADY_EXISTS.contains(&c)) {
                    report.existing += 1;
                    continue;
                }
                let message =
                    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned());
                report.failures.push(DeferredFailure {
                    object: statement.object.clone(),
                    sqlstate: code,
                    message,
                });
            }
        }
    }
    report
}

async fn connect(target: &ConnParams, dialect: Dialect) -> Result<conn::Connection> {
    let conn = conn::connect(target).await?;
    if dialect == Dialect::Postgres {
        conn.client()
            .batch_execute(include_str!("deferred/session_pg.sql"))
            .await
            .map_err(|e| Error::db("preparing a session for index builds", e))?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::parse::pg::parse;

    const DDL: &str = "
        create table public.p (id int primary key, code text unique);
        create table public.t (id int primary key, a int, b int check (b > 0),
            p int references public.p (id));
        create index t_a_idx on public.t (a);
        create index t_b_idx on public.t (b);
    ";

    #[test]
    fn only_objects_the_target_lacks_are_planned() {
        let source = parse(DDL, "db").schema;
        let mut target = source.clone();
        let t = target.tables.iter_mut().find(|t| t.name == "t").unwrap();
        t.indexes.retain(|i| i.name != "t_b_idx");
        t.constraints.retain(|c| c.name != "t_b_check" && c.name != "t_p_fkey");
        let missing =
            missing_objects(source.table("public", "t").unwrap(), target.table("public", "t"));
        let objects = table_objects(&missing, Dialect::Postgres);
        let indexes: Vec<_> = objects.indexes.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            indexes,
            [r#"CREATE INDEX IF NOT EXISTS "t_b_idx" ON "public"."t" USING btree ("b")"#]
        );
        let constraints: Vec<_> = objects.constraints.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(constraints.len(), 2, "{constraints:#?}");
        assert!(
            constraints[0].contains(r#"ADD CONSTRAINT "t_b_check" CHECK"#)
                && constraints[0].ends_with("NOT VALID")
        );
        assert!(constraints[1].contains(r#"VALIDATE CONSTRAINT "t_b_check""#));
        assert_eq!((objects.foreign_keys.len(), objects.validations.len()), (1, 1));
        assert!(objects.validations[0].sql.contains(r#"VALIDATE CONSTRAINT "t_p_fkey""#));
        let everything = table_objects(
            &missing_objects(source.table("public", "t").unwrap(), None),
            Dialect::Postgres,
        );
        assert_eq!(everything.indexes.len(), 3, "the key's unique index, t_a_idx, t_b_idx");
        assert_eq!(
            everything.indexes[0].sql,
            r#"CREATE UNIQUE INDEX IF NOT EXISTS "t_pkey" ON "public"."t" ("id")"#
        );
        assert_eq!(
            everything.constraints[0].sql,
            r#"ALTER TABLE "public"."t" ADD CONSTRAINT "t_pkey" PRIMARY KEY USING INDEX "t_pkey""#
        );
    }
}
