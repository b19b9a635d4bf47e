//! `godwit fetch`: the bulk copy, and its per-table ledger.

use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use godwit::conn::{ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::fetch::{self, FetchOptions, FetchResult, StorageMode, TableHandling};

use super::Outcome;
use crate::args::{FetchArgs, TableHandlingArg};
use crate::{metrics, render};

/// Copy; print the ledger; exit 2 when any table failed (the others are still copied).
pub async fn run(args: FetchArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let shard_bytes = parse_size(&args.shard_size).ok_or_else(|| {
        anyhow::anyhow!("--shard-size {:?} is not a size like 64MiB or 100MB", args.shard_size)
    })?;
    let metrics = metrics::serve_if(args.metrics.metrics_addr.as_deref(), events).await?;
    let events = &metrics::Tee::new(metrics.as_ref(), events);
    let env = Environment::from_process();
    let source = args.source.as_deref().map(|s| ConnParams::resolve(s, &env)).transpose()?;
    let target = ConnParams::resolve(&args.target, &env)?;
    for warning in source.iter().flat_map(|s| &s.warnings).chain(&target.warnings) {
        events.emit(Event::Warning { message: warning.clone() });
    }
    let options = FetchOptions {
        schemas: args.selection.schemas.clone(),
        tables: super::table_filter(&args.selection)?,
        jobs: usize::from(args.jobs),
        shard_bytes,
        resume: args.resume.filter(|r| !r.is_empty()),
        table_handling: match args.table_handling {
            TableHandlingArg::None => TableHandling::None,
            TableHandlingArg::TruncateIfExists => TableHandling::TruncateIfExists,
            TableHandlingArg::DropOnTargetAndRecreate => TableHandling::DropAndRecreate,
        },
        cdc: !args.no_cdc,
        storage: args.storage,
        storage_mode: match (args.export_only, args.import_only) {
            (true, _) => StorageMode::ExportOnly,
            (_, true) => StorageMode::ImportOnly,
            _ => StorageMode::Both,
        },
        storage_http_addr: args.storage_http_addr,
        ..FetchOptions::default()
    };
    let result = match &source {
        Some(source) if !args.import_only => {
            fetch::fetch(source, &target, &options, events).await?
        }
        _ => fetch::import(&target, &options, events).await?,
    };
    render::write_result(None, &ledger(&result))?;
    for f in &result.deferred.failures {
        let code = f.sqlstate.as_deref().map(|c| format!(" (SQLSTATE {c})")).unwrap_or_default();
        events.emit(Event::Warning {
            message: format!("{} not created: {}{code}", f.object, f.message),
        });
    }
    if result.failed.is_empty() && result.deferred.failures.is_empty() {
        return Ok(Outcome::Clean);
    }
    if !result.failed.is_empty() {
        let failed = result.failed.join(", ");
        events.emit(Event::Warning {
            message: format!("tables not copied: {failed} (see _godwit.exceptions)"),
        });
    }
    Ok(Outcome::Incomplete)
}

/// A positive byte count, bare or with a decimal (`kB`, `MB`, `GB`, `TB`) or binary (`KiB`,
/// `MiB`, `GiB`, `TiB`) unit, case-insensitive, optionally spaced (`64 MiB`).
pub(super) fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(factor).filter(|&n| n > 0)
}

/// The per-table ledger: rows, bytes, seconds, MB/s.
pub fn ledger(result: &FetchResult) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(vec!["table", "shards", "rows", "size", "seconds", "MB/s"]);
    for t in &result.tables {
        #[allow(clippy::cast_precision_loss)]
        let mbps = if t.seconds > 0.0 { t.bytes as f64 / 1e6 / t.seconds } else { 0.0 };
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
    let handoff = result.handoff.as_ref().map_or_else(String::new, |h| {
        format!(
            "changes after the snapshot are kept in replication slot {} (publication {}) from LSN {}\n",
            h.slot,
            h.publication,
            h.consistent_lsn.as_deref().unwrap_or("unknown")
        )
    });
    let d = &result.deferred;
    let deferred = if d.created + d.existing + d.failures.len() > 0 {
        format!(
            "{} index/constraint statements run after the data ({} already present, {} failed)\n",
            d.created,
            d.existing,
            d.failures.len()
        )
    } else {
        String::new()
    };
    format!(
        "run {}{resumed}\n{table}\n{} sequences synced\n{deferred}{handoff}",
        result.run_id, result.sequences_synced
    )
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("64 mib"), Some(64 << 20));
        assert_eq!(parse_size("100MB"), Some(100_000_000));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("2kB"), Some(2_000));
    }

    #[test]
    fn bad_sizes_are_refused() {
        for bad in ["", "0", "0MiB", "MiB", "1.5GiB", "-1", "64XB", "99999999999TiB", "64 MiB x"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
