//! How results, events and errors look: readable text on a terminal, JSON otherwise.
//!
//! Results go to stdout (or `--out FILE`); progress, warnings and errors go to stderr, so
//! `godwit inspect --json > model.json` is always clean JSON.
#![allow(clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Context;
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use godwit::event::{Event, EventSink};
use godwit::inspect::Inventory;

use crate::args::{GlobalArgs, LogFormat};

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

/// Renders library events on stderr.
#[derive(Debug)]
pub struct EventRenderer {
    format: LogFormat,
    quiet: bool,
    out: Mutex<std::io::Stderr>,
}

impl EventRenderer {
    /// A renderer following `--log-format` (default: text on a terminal, json otherwise).
    pub fn new(global: &GlobalArgs) -> Self {
        let format = global.log_format.unwrap_or_else(|| {
            if std::io::stderr().is_terminal() { LogFormat::Text } else { LogFormat::Json }
        });
        EventRenderer { format, quiet: global.quiet, out: Mutex::new(std::io::stderr()) }
    }

    fn line(&self, event: &Event) -> Option<String> {
        match self.format {
            LogFormat::Json => serde_json::to_string(event).ok(),
            LogFormat::Text => match event {
                Event::Step { message, .. } => Some(format!("… {message}")),
                Event::Done { message, seconds, .. } => {
                    Some(format!("✓ {message} ({seconds:.1} s)"))
                }
                Event::Warning { message } => Some(format!("warning: {message}")),
                _ => None,
            },
        }
    }
}

impl EventSink for EventRenderer {
    fn emit(&self, event: Event) {
        let warning = matches!(event, Event::Warning { .. });
        if self.quiet && !warning {
            return;
        }
        if let (Some(line), Ok(mut out)) = (self.line(&event), self.out.lock()) {
            let _ = writeln!(out, "{line}");
        }
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

fn table(header: &[&str]) -> Table {
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

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
