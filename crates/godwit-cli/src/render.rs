//! How results, events and errors look: readable text on a terminal, JSON otherwise.
//!
//! Results go to stdout (or `--out FILE`); progress, warnings and errors go to stderr, so
//! `godwit inspect --json > model.json` is always clean JSON. Events on stderr are JSON lines
//! when stderr is not a terminal or with `--log-format json` (see docs/events-json.md), bars
//! plus readable lines on a terminal, and plain readable lines with `--log-format text` on a
//! pipe. Progress lines are throttled per table (JSON 1/s, text 1/10 s) unless `--verbose`;
//! `--quiet` keeps only warnings.
#![allow(clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use godwit::event::{Event, EventSink, ShardStatus};
use godwit::inspect::Inventory;

use crate::args::{GlobalArgs, LogFormat};
use crate::progress::{Bars, Throttle, mb_per_s, rate_message};

/// Print a fatal error as one line (`godwit: error: what: cause: cause`) and return exit 2.
pub fn fatal(err: &anyhow::Error) -> ExitCode {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    eprintln!("godwit: error: {}", parts.join(": ").replace('\n', " "));
    ExitCode::from(2)
}

/// How events reach stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// One JSON object per line; progress throttled per table.
    Json,
    /// Readable lines; progress throttled per table (text on a pipe or file).
    Lines,
    /// Readable lines above one live bar per table (text on a terminal).
    Bars,
}

/// A JSON progress line per table at most this often (unless `--verbose`).
const JSON_PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A plain-text progress line per table at most this often (unless `--verbose`).
const TEXT_PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Renders library events on stderr.
#[derive(Debug)]
pub struct EventRenderer {
    mode: Mode,
    quiet: bool,
    verbose: bool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    throttle: Throttle,
    bars: Option<Bars>,
    out: std::io::Stderr,
}

impl EventRenderer {
    /// A renderer following `--log-format` (default: text on a terminal, json otherwise):
    /// text on a terminal draws progress bars, unless `--quiet`.
    pub fn new(global: &GlobalArgs) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let format =
            global.log_format.unwrap_or(if terminal { LogFormat::Text } else { LogFormat::Json });
        let mode = match format {
            LogFormat::Json => Mode::Json,
            LogFormat::Text if terminal && !global.quiet => Mode::Bars,
            LogFormat::Text => Mode::Lines,
        };
        EventRenderer::with_mode(mode, global.quiet, global.verbose)
    }

    fn with_mode(mode: Mode, quiet: bool, verbose: bool) -> Self {
        let every = if mode == Mode::Json { JSON_PROGRESS_EVERY } else { TEXT_PROGRESS_EVERY };
        let bars = (mode == Mode::Bars).then(Bars::stderr);
        let state = State { throttle: Throttle::new(every), bars, out: std::io::stderr() };
        EventRenderer { mode, quiet, verbose, state: Mutex::new(state) }
    }

    /// The line for `event`, or `None` when it is not shown (throttled, or not shown in text).
    fn line(&self, event: &Event, throttle: &mut Throttle, now: Instant) -> Option<String> {
        match event {
            Event::Progress { table, .. } if !self.verbose && !throttle.allow(table, now) => {
                return None;
            }
            Event::Replication { slot, .. } if !self.verbose && !throttle.allow(slot, now) => {
                return None;
            }
            Event::TableDone { table, .. } => throttle.forget(table),
            _ => {}
        }
        match self.mode {
            Mode::Json => serde_json::to_string(event).ok(),
            Mode::Lines | Mode::Bars => text_line(event, self.verbose),
        }
    }
}

impl EventSink for EventRenderer {
    fn emit(&self, event: Event) {
        let warning = matches!(event, Event::Warning { .. } | Event::TablePaused { .. });
        if self.quiet && !warning {
            return;
        }
        let Ok(mut state) = self.state.lock() else { return };
        let State { throttle, bars, out } = &mut *state;
        if let Some(bars) = bars {
            draw(bars, &event, self.verbose);
        } else if let Some(line) = self.line(&event, throttle, Instant::now()) {
            let _ = writeln!(out, "{line}");
        }
    }
}

impl Drop for EventRenderer {
    /// Nothing of the bars is left on screen, whether the command ended well or not.
    fn drop(&mut self) {
        if let Some(bars) = self.state.get_mut().ok().and_then(|s| s.bars.as_mut()) {
            bars.clear();
        }
    }
}

/// Bars mode: progress moves bars; every other shown event is a line above them.
fn draw(bars: &mut Bars, event: &Event, verbose: bool) {
    match event {
        Event::TableStarted { table, rows_estimate, .. } => bars.start(table, *rows_estimate),
        Event::Progress { table, rows, bytes, seconds, .. } => {
            bars.update(table, *rows, *bytes, *seconds);
        }
        Event::Replication { slot, .. } => {
            if let Some(line) = text_line(event, verbose) {
                bars.status(slot, &line);
            }
        }
        Event::TableDone { table, .. } => {
            bars.finish(table);
            if let Some(line) = text_line(event, verbose) {
                bars.println(&line);
            }
        }
        _ => {
            if let Some(line) = text_line(event, verbose) {
                bars.println(&line);
            }
        }
    }
}

/// An event as one readable line (`None`: not shown as text).
fn text_line(event: &Event, verbose: bool) -> Option<String> {
    match event {
        Event::Step { message, .. } => Some(format!("… {message}")),
        Event::Done { message, seconds, .. } => Some(format!("✓ {message} ({seconds:.1} s)")),
        Event::Warning { message } => Some(format!("warning: {message}")),
        Event::Listening { service, url } => Some(format!("… serving {service} on {url}")),
        Event::FetchStarted { run_id, tables, shards } => {
            Some(format!("… run {run_id}: {tables} tables, {shards} shards to copy"))
        }
        Event::TableStarted { table, shards, rows_estimate } => {
            let about = rows_estimate.map(|r| format!(", about {r} rows")).unwrap_or_default();
            Some(format!("… copying {table} ({shards} shards{about})"))
        }
        Event::Progress { table, rows, bytes, rows_estimate, seconds, .. } => {
            let of = rows_estimate.map(|r| format!(" of about {r}")).unwrap_or_default();
            Some(format!("… {table}: {rows}{of} rows, {}", rate_message(*bytes, *seconds)))
        }
        Event::ShardDone { table, shard, status, rows, bytes } if verbose => Some(format!(
            "  {table} shard {shard}: {} {rows} rows, {}",
            shard_status(*status),
            human_bytes(i64::try_from(*bytes).unwrap_or(i64::MAX))
        )),
        Event::TableDone { table, shards, rows, bytes, seconds, failed } => {
            let (mark, verdict) = if *failed { ("✗", "FAILED") } else { ("✓", "copied") };
            let size = human_bytes(i64::try_from(*bytes).unwrap_or(i64::MAX));
            Some(format!(
                "{mark} {verdict} {table}: {rows} rows, {size} in {seconds:.2} s ({} MB/s), \
                 {shards} shards",
                mb_per_s(*bytes, *seconds)
            ))
        }
        Event::Replication {
            slot,
            applied_lsn,
            lag_bytes,
            lag_seconds,
            transactions,
            rows,
            transactions_per_second,
            rows_per_second,
            paused_tables,
            ..
        } => Some(format!(
            "… replicating {slot}: applied {applied_lsn}, lag {} / {lag_seconds:.1} s; \
             {transactions} transactions ({transactions_per_second:.0}/s), {rows} rows \
             ({rows_per_second:.0}/s){}",
            human_bytes(i64::try_from(*lag_bytes).unwrap_or(i64::MAX)),
            if *paused_tables > 0 {
                format!("; {paused_tables} tables PAUSED (godwit status)")
            } else {
                String::new()
            }
        )),
        Event::TablePaused { table, reason, hint, .. } => Some(format!(
            "warning: table {table} PAUSED: {reason}; its changes are held on the target and \
             applied once it fits; fix: {hint}"
        )),
        Event::TableResumed { table, replayed, .. } => {
            Some(format!("✓ table {table} resumed: {replayed} held changes applied"))
        }
        _ => None,
    }
}

fn shard_status(status: ShardStatus) -> &'static str {
    match status {
        ShardStatus::Copied => "copied",
        ShardStatus::Skipped => "skipped (already done)",
        ShardStatus::Failed => "failed",
    }
}

/// Write a result to `--out FILE` or stdout.
pub fn write_result(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("writing to stdout"),
            }
        }
    }
}

/// The readable inventory: where, what, how big, and what matters for a move.
pub fn inventory_text(inv: &Inventory) -> String {
    let mut out = format!(
        "{} {} — database {} at {}\n\n",
        inv.source.dialect, inv.source.version, inv.source.database, inv.source.target
    );
    let mut counts = table(&["objects", "count"]);
    for kc in inv.counts.iter().filter(|kc| kc.count > 0) {
        counts.add_row(vec![
            Cell::new(&kc.kind),
            Cell::new(kc.count).set_alignment(CellAlignment::Right),
        ]);
    }
    out.push_str(&format!("{counts}\n\n"));
    if !inv.largest_tables.is_empty() {
        let mut largest = table(&["largest tables", "rows (est.)", "size"]);
        for t in &inv.largest_tables {
            let rows = t.rows.map_or_else(|| "unknown".to_owned(), |r| r.to_string());
            largest.add_row(vec![
                Cell::new(&t.name),
                Cell::new(rows).set_alignment(CellAlignment::Right),
                Cell::new(human_bytes(t.bytes)).set_alignment(CellAlignment::Right),
            ]);
        }
        out.push_str(&format!("{largest}\n\n"));
    }
    out.push_str(&features_text(inv));
    out
}

fn features_text(inv: &Inventory) -> String {
    if inv.features.is_empty() {
        return "No features in use that need attention for a migration.\n".to_owned();
    }
    let mut out = String::from("Features in use that matter for a migration:\n");
    for f in &inv.features {
        out.push_str(&format!("  [{}] {} ({})\n", f.id, f.title, f.objects.len()));
        out.push_str(&format!("      {}\n", f.why));
        let shown: Vec<&str> = f.objects.iter().take(5).map(String::as_str).collect();
        let more = f.objects.len().saturating_sub(shown.len());
        let suffix = if more > 0 { format!(" and {more} more") } else { String::new() };
        out.push_str(&format!("      {}{suffix}\n", shown.join(", ")));
    }
    out
}

/// A result table in the house style with this header.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(header.to_vec());
    t
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(table: &str, rows: u64) -> Event {
        Event::Progress {
            phase: "fetch".into(),
            table: table.into(),
            rows,
            bytes: rows * 100,
            rows_estimate: Some(1000),
            seconds: 2.0,
        }
    }

    fn done(table: &str) -> Event {
        Event::TableDone {
            table: table.into(),
            shards: 2,
            rows: 1000,
            bytes: 3 * 1024 * 1024,
            seconds: 2.0,
            failed: false,
        }
    }

    #[test]
    fn json_progress_is_throttled_per_table_and_other_events_pass() {
        let r = EventRenderer::with_mode(Mode::Json, false, false);
        let mut throttle = Throttle::new(JSON_PROGRESS_EVERY);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let first = r.line(&progress("s.a", 1), &mut throttle, at(0)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!((value["event"].as_str(), value["rows"].as_u64()), (Some("progress"), Some(1)));
        assert!(r.line(&progress("s.b", 1), &mut throttle, at(10)).is_some(), "other table");
        assert!(r.line(&progress("s.a", 2), &mut throttle, at(250)).is_none());
        assert!(r.line(&progress("s.a", 3), &mut throttle, at(1000)).is_some());
        let done_line = r.line(&done("s.a"), &mut throttle, at(1100)).unwrap();
        assert!(done_line.starts_with(r#"{"event":"table_done""#), "{done_line}");
        let warning = Event::Warning { message: "w".into() };
        assert!(r.line(&warning, &mut throttle, at(1100)).is_some());
    }

    #[test]
    fn paused_tables_are_warnings_with_their_fix() {
        let paused = Event::TablePaused {
            slot: "s".into(),
            table: "app.a".into(),
            column: Some("c".into()),
            reason: r#"column "c" of table "app"."a" is on the source but not on the target"#
                .into(),
            hint: r#"ALTER TABLE "app"."a" ADD COLUMN "c" integer"#.into(),
        };
        let line = text_line(&paused, false).unwrap_or_default();
        assert!(line.starts_with("warning: table app.a PAUSED: column \"c\""), "{line}");
        assert!(line.ends_with(r#"fix: ALTER TABLE "app"."a" ADD COLUMN "c" integer"#), "{line}");
        let json = serde_json::to_string(&paused).unwrap_or_default();
        assert!(
            json.starts_with(r#"{"event":"table_paused","slot":"s","table":"app.a","column":"c""#),
            "{json}"
        );
        let resumed = Event::TableResumed { slot: "s".into(), table: "app.a".into(), replayed: 3 };
        let line = text_line(&resumed, false).unwrap_or_default();
        assert_eq!(line, "✓ table app.a resumed: 3 held changes applied");
    }

    #[test]
    fn verbose_lets_every_progress_line_through() {
        let r = EventRenderer::with_mode(Mode::Json, false, true);
        let mut throttle = Throttle::new(JSON_PROGRESS_EVERY);
        let now = Instant::now();
        for rows in 1..5 {
            assert!(r.line(&progress("s.a", rows), &mut throttle, now).is_some());
        }
    }

    #[test]
    fn text_lines_say_what_happened() {
        let line = |e: &Event| text_line(e, false).unwrap_or_default();
        assert_eq!(
            line(&progress("s.a", 500)),
            "… s.a: 500 of about 1000 rows, 48.8 KiB, 0.0 MB/s"
        );
        assert_eq!(
            line(&done("s.a")),
            "✓ copied s.a: 1000 rows, 3.0 MiB in 2.00 s (1.6 MB/s), 2 shards"
        );
        let started = Event::TableStarted { table: "s.a".into(), shards: 3, rows_estimate: None };
        assert_eq!(line(&started), "… copying s.a (3 shards)");
        let shard = Event::ShardDone {
            table: "s.a".into(),
            shard: 1,
            status: ShardStatus::Copied,
            rows: 10,
            bytes: 2048,
        };
        assert_eq!(text_line(&shard, false), None, "shards only with --verbose");
        assert_eq!(text_line(&shard, true).unwrap(), "  s.a shard 1: copied 10 rows, 2.0 KiB");
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
