//! `godwit fetch`: the bulk copy, and its per-table ledger.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use godwit::conn::{ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::fetch::{self, FetchOptions, FetchResult, TableHandling};

use super::Outcome;
use crate::args::{FetchArgs, TableHandlingArg};
use crate::render;

/// Copy; print the ledger; exit 2 when any table failed (the others are still copied).
pub async fn run(args: FetchArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let env = Environment::from_process();
    let source = ConnParams::resolve(&args.source, &env)?;
    let target = ConnParams::resolve(&args.target, &env)?;
    for warning in source.warnings.iter().chain(&target.warnings) {
        events.emit(Event::Warning { message: warning.clone() });
    }
    let options = FetchOptions {
        schemas: args.schemas,
        jobs: usize::from(args.jobs),
        shard_rows: args.shard_rows,
        resume: args.resume.filter(|r| !r.is_empty()),
        table_handling: match args.table_handling {
            TableHandlingArg::None => TableHandling::None,
            TableHandlingArg::TruncateIfExists => TableHandling::TruncateIfExists,
        },
        ..FetchOptions::default()
    };
    let result = fetch::fetch(&source, &target, &options, events).await?;
    render::write_result(None, &ledger(&result))?;
    if result.failed.is_empty() {
        return Ok(Outcome::Clean);
    }
    let failed = result.failed.join(", ");
    events.emit(Event::Warning {
        message: format!("tables not copied: {failed} (see _godwit.exceptions)"),
    });
    Ok(Outcome::Incomplete)
}

/// The per-table ledger: rows, bytes, seconds, MB/s.
pub fn ledger(result: &FetchResult) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["table", "shards", "rows", "size", "seconds", "MB/s"]);
    for t in &result.tables {
        #[allow(clippy::cast_precision_loss)]
        let mbps = if t.seconds > 0.0 { t.bytes as f64 / 1_048_576.0 / t.seconds } else { 0.0 };
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        table.add_row(vec![
            Cell::new(format!("{}.{}", t.schema, t.table)),
            right(t.shards.to_string()),
            right(t.rows.to_string()),
            right(render::human_bytes(i64::try_from(t.bytes).unwrap_or(i64::MAX))),
            right(format!("{:.2}", t.seconds)),
            right(format!("{mbps:.1}")),
        ]);
    }
    let resumed =
        if result.resumed_from_new_snapshot { " (resumed from a new snapshot)" } else { "" };
    format!(
        "run {}{resumed}\n{table}\n{} sequences synced\n",
        result.run_id, result.sequences_synced
    )
}
