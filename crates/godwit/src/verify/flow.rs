//! One verification from start to end: record the run in `_godwit`, compare (`run`), re-check
//! live differences (`recheck`), repair on request (`fix`), store the result.

use std::time::Instant;

use super::fix::{self, FixColumn, FixPlan, FixTable};
use super::recheck;
use super::rows::TableCheck;
use super::run::{self, Compared};
use super::{FixMode, FixReport, Mode, Report, VerifyOptions, state};
use crate::conn::{self, ConnParams, Connection};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::schema::model::{IdentityKind, Schema};
use crate::schema::{Filter, introspect};

/// Compare `source` with `target`: schemas, then every selected table's rows; with
/// `opts.live_recheck`, re-read what differs after the delay; with `opts.fix`, repair it. The
/// run and its per-table counts are recorded in `_godwit` on the target (when the target
/// accepts writes; a read-only target gets a warning and no record).
pub async fn verify(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    events: &dyn EventSink,
) -> Result<Report> {
    let mut state_conn = conn::connect(target).await?;
    let run_id = start_run(&state_conn, source, opts.mode, events).await;
    let result = Box::pin(verify_rows(source, target, opts, events)).await;
    let Some(run_id) = run_id else { return result };
    let client = state_conn.client_mut();
    match result {
        Ok(mut report) => {
            report.run_id = run_id.clone();
            state::finish_run(client, &run_id, &report).await?;
            Ok(report)
        }
        Err(e) => {
            // The comparison's error is what matters; a failure to record it is secondary.
            let _ = state::fail_run(client, &run_id).await;
            Err(e)
        }
    }
}

async fn start_run(
    target: &Connection,
    source: &ConnParams,
    mode: Mode,
    events: &dyn EventSink,
) -> Option<String> {
    let mode = match mode {
        Mode::Rows => "rows",
        Mode::Hash => "hash",
    };
    let recorded = async {
        state::ensure_schema(target.client()).await?;
        state::new_run(target.client(), mode, &source.redacted()).await
    };
    match recorded.await {
        Ok(id) => Some(id),
        Err(e) => {
            events.emit(Event::Warning {
                message: format!("the verification is not recorded in _godwit: {e}"),
            });
            None
        }
    }
}

async fn verify_rows(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    events: &dyn EventSink,
) -> Result<Report> {
    let mut compared = run::compare(source, target, opts, events).await?;
    if let Some(delay) = opts.live_recheck {
        live_recheck(source, target, opts, &mut compared, delay, events).await?;
    }
    let fix = match opts.fix {
        Some(mode) => Some(repair(source, target, opts, &compared, mode, events).await?),
        None => None,
    };
    let mut report = compared.report(opts.mode);
    report.fix = fix;
    Ok(report)
}

async fn live_recheck(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    compared: &mut Compared,
    delay: std::time::Duration,
    events: &dyn EventSink,
) -> Result<()> {
    let differing: u64 = compared.outcomes.iter().map(|o| o.diffs.len() as u64).sum();
    if differing == 0 {
        return Ok(());
    }
    let started = Instant::now();
    events.emit(Event::Step {
        phase: "recheck".into(),
        message: format!("re-reading {differing} differing rows in {delay:?}"),
    });
    tokio::time::sleep(delay).await;
    let found =
        recheck::reread([source, target], &compared.checks, &compared.outcomes, opts.samples)
            .await?;
    let mut converged = 0;
    for ((check, outcome), again) in compared.checks.iter().zip(&mut compared.outcomes).zip(found) {
        if let Some(again) = again {
            let n = recheck::merge_recheck(check, outcome, again);
            outcome.report.live_retry += n;
            converged += n;
        }
    }
    events.emit(Event::Done {
        phase: "recheck".into(),
        message: format!("{converged} of {differing} rows converged (live_retry)"),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(())
}

/// Plan the repairing statements; print them or apply them and re-read the repaired rows.
async fn repair(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    compared: &Compared,
    mode: FixMode,
    events: &dyn EventSink,
) -> Result<FixReport> {
    let started = Instant::now();
    events.emit(Event::Step { phase: "fix".into(), message: "planning the repair".into() });
    let src = conn::connect(source).await?;
    src.client()
        .batch_execute(include_str!("rows/sql/session.sql"))
        .await
        .map_err(|e| Error::db("pinning the session settings on the source", e))?;
    let mut tgt = conn::connect(target).await?;
    let schema = target_schema(&tgt, &compared.checks).await?;
    let mut plans = Vec::new();
    for (check, outcome) in compared.checks.iter().zip(&compared.outcomes) {
        if outcome.diffs.is_empty() {
            continue;
        }
        let table = fix_table(check, &schema)?;
        plans.push(fix::plan(src.client(), tgt.dialect(), &table, &outcome.diffs).await?);
    }
    let mut report = fix_report(&plans);
    if mode == FixMode::Apply {
        let dialect = tgt.dialect();
        let replica = fix::apply(tgt.client_mut(), dialect, &report.statements).await?;
        if !replica && dialect == crate::dialect::Dialect::Postgres {
            events.emit(Event::Warning {
                message: "fix ran with the target's triggers enabled (setting \
                          session_replication_role needs a superuser)"
                    .into(),
            });
        }
        report.applied = true;
        report.still_different = still_different(source, target, opts, compared).await?;
    }
    events.emit(Event::Done {
        phase: "fix".into(),
        message: format!(
            "{} statements {}",
            report.statements.len(),
            if report.applied { "applied" } else { "planned" }
        ),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(report)
}

/// Rows of the repaired set that differ when read again, plus the differing rows that were
/// counted but not kept (beyond [`super::MAX_DIFFS`]), which were not repaired.
async fn still_different(
    source: &ConnParams,
    target: &ConnParams,
    opts: &VerifyOptions,
    compared: &Compared,
) -> Result<u64> {
    let found =
        recheck::reread([source, target], &compared.checks, &compared.outcomes, opts.samples)
            .await?;
    let mut remaining = 0;
    for (outcome, again) in compared.outcomes.iter().zip(found) {
        let r = &outcome.report;
        let counted = r.missing + r.extraneous + r.mismatched;
        remaining += counted.saturating_sub(outcome.diffs.len() as u64);
        if let Some(again) = again {
            let o = again.outcome;
            remaining += o.missing + o.extraneous + o.mismatched;
        }
    }
    Ok(remaining)
}

fn fix_report(plans: &[FixPlan]) -> FixReport {
    let count = |f: fn(&FixPlan) -> usize| plans.iter().map(f).sum::<usize>() as u64;
    let mut statements: Vec<String> = plans.iter().flat_map(|p| p.deletes.clone()).collect();
    statements.extend(plans.iter().flat_map(|p| p.updates.clone()));
    statements.extend(plans.iter().flat_map(|p| p.inserts.clone()));
    FixReport {
        applied: false,
        statements,
        inserts: count(|p| p.inserts.len()),
        updates: count(|p| p.updates.len()),
        deletes: count(|p| p.deletes.len()),
        still_different: 0,
    }
}

/// The target's tables of `checks` (their column types, generated and identity columns).
async fn target_schema(target: &Connection, checks: &[TableCheck]) -> Result<Schema> {
    let mut schemas: Vec<String> = checks.iter().map(|c| c.schema.clone()).collect();
    schemas.sort();
    schemas.dedup();
    introspect(target.client(), target.dialect(), &Filter::only(schemas)).await
}

fn fix_table(check: &TableCheck, schema: &Schema) -> Result<FixTable> {
    let table = schema.table(&check.schema, &check.name).ok_or_else(|| {
        Error::config(format!(
            "{}.{} disappeared from the target during verification",
            check.schema, check.name
        ))
    })?;
    let columns = check
        .columns
        .iter()
        .map(|c| {
            let column = table.columns.iter().find(|t| t.name == c.name).ok_or_else(|| {
                Error::config(format!(
                    "column {} of {}.{} disappeared from the target during verification",
                    c.name, check.schema, check.name
                ))
            })?;
            Ok(FixColumn {
                name: c.name.clone(),
                data_type: column.data_type.clone(),
                generated: column.generated.is_some(),
                identity_always: column
                    .identity
                    .as_ref()
                    .is_some_and(|i| i.kind == IdentityKind::Always),
            })
        })
        .collect::<Result<_>>()?;
    Ok(FixTable {
        schema: check.schema.clone(),
        name: check.name.clone(),
        columns,
        key: check.key.clone(),
    })
}
