//! `godwit status`: the target's `_godwit` state for people (or as JSON).

use std::fmt::Write as _;

use godwit::conn::{ConnParams, Environment};
use godwit::status::{self, Replication, Status};

use super::Outcome;
use crate::args::StatusArgs;
use crate::render;

/// Read and print the status.
pub async fn run(args: StatusArgs) -> anyhow::Result<Outcome> {
    let target = ConnParams::resolve(&args.target, &Environment::from_process())?;
    let status = status::status(&target).await?;
    let out = if args.json { serde_json::to_string_pretty(&status)? + "\n" } else { text(&status) };
    render::write_result(None, &out)?;
    Ok(Outcome::Clean)
}

/// A stream's tables: state, changes applied or held; for a paused one why, and the fix.
fn replicated_tables(out: &mut String, r: &Replication) {
    if r.tables.is_empty() {
        return;
    }
    if r.paused_tables > 0 {
        let _ = writeln!(
            out,
            "  {} tables PAUSED by schema drift: their changes are held and applied once the \
             target fits (it resumes by itself)",
            r.paused_tables
        );
    }
    let mut t = render::table(&["table", "state", "applied rows", "held", "since"]);
    for x in &r.tables {
        let since = match (&x.since_lsn, x.paused_seconds) {
            (Some(lsn), Some(s)) => format!("{lsn} ({s:.0} s)"),
            _ => String::new(),
        };
        t.add_row(vec![
            x.table.clone(),
            x.state.clone(),
            x.applied_rows.to_string(),
            x.held.to_string(),
            since,
        ]);
    }
    let _ = writeln!(out, "{t}");
    for x in r.tables.iter().filter(|x| x.state == "paused") {
        let _ = writeln!(out, "  {} paused: {}", x.table, x.reason.as_deref().unwrap_or("?"));
        if let Some(hint) = &x.hint {
            let _ = writeln!(out, "    fix: {hint}");
        }
    }
}

fn text(s: &Status) -> String {
    let mut out = format!("godwit status of {}\n", s.target);
    if s.fetch_runs.is_empty() && s.replication.is_empty() && s.verification.is_none() {
        out.push_str("\nnothing recorded: no fetch, replication or verification ran here\n");
        return out;
    }
    if let Some(newest) = s.fetch_runs.first() {
        let _ = writeln!(
            out,
            "\nfetch run {} ({}), started {}",
            newest.run_id, newest.status, newest.started_at
        );
        if let (Some(slot), Some(lsn)) = (&newest.slot, &newest.consistent_lsn) {
            let _ = writeln!(out, "  handoff: slot {slot} from LSN {lsn}");
        }
        let mut t = render::table(&["table", "shards", "done", "failed", "rows"]);
        for f in &s.fetch_tables {
            t.add_row(vec![
                f.table.clone(),
                f.shards.to_string(),
                f.done.to_string(),
                f.failed.to_string(),
                f.rows.to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    for r in &s.replication {
        let since = r.seconds_since_applied.map(|s| format!(" ({s:.1} s ago)")).unwrap_or_default();
        let lag = match (r.lag_seconds, r.lag_bytes) {
            (Some(s), Some(b)) => format!("; lag at that commit {s:.3} s, {b} bytes"),
            (None, Some(b)) => format!("; lag at that commit {b} bytes"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "\nreplication from slot {}: applied up to {}{since}{lag}; {} transactions, {} rows",
            r.slot,
            r.applied_lsn.as_deref().unwrap_or("nothing yet"),
            r.transactions,
            r.rows
        );
        replicated_tables(&mut out, r);
    }
    if let Some(v) = &s.verification {
        let _ = writeln!(
            out,
            "\nlatest verification {} ({} mode): {}, started {}",
            v.run_id, v.mode, v.status, v.started_at
        );
        let mut t = render::table(&[
            "table",
            "source rows",
            "matched",
            "missing",
            "extraneous",
            "mismatched",
            "live_retry",
        ]);
        for x in &v.tables {
            t.add_row(vec![
                x.table.clone(),
                x.source_rows.to_string(),
                x.matched.to_string(),
                x.missing.to_string(),
                x.extraneous.to_string(),
                x.mismatched.to_string(),
                x.live_retry.to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    out
}
