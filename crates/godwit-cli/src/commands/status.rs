//! `godwit status`: the target's `_godwit` state for people (or as JSON).

use std::fmt::Write as _;

use godwit::conn::{ConnParams, Environment};
use godwit::status::{self, Status};

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
        let _ = writeln!(
            out,
            "\nreplication from slot {}: applied up to {}{since}; {} transactions, {} rows",
            r.slot,
            r.applied_lsn.as_deref().unwrap_or("nothing yet"),
            r.transactions,
            r.rows
        );
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
