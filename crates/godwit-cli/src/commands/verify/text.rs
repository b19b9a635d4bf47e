//! The verification report as a readable table (text) and as Markdown.

use std::fmt::Write as _;

use comfy_table::{Cell, CellAlignment};
use godwit::verify::{FixReport, Method, Report, SchemaDifference, Severity, TableReport};

use crate::render;

const HEADER: [&str; 8] = [
    "table",
    "method",
    "source rows",
    "matched",
    "missing",
    "extraneous",
    "mismatched",
    "live_retry",
];

/// The report for a terminal or a log.
pub fn text(report: &Report) -> String {
    let mut out = format!("{}\n", summary(report));
    if !report.schema.is_empty() {
        out.push_str("\nSchema differences:\n");
        for d in &report.schema {
            let _ = writeln!(out, "  {:<7} {}", severity(d.severity), difference(d));
        }
    }
    if !report.tables.is_empty() {
        let mut table = render::table(&HEADER);
        for t in &report.tables {
            table.add_row(row(t).into_iter().enumerate().map(|(i, v)| {
                let cell = Cell::new(v);
                if i >= 2 { cell.set_alignment(CellAlignment::Right) } else { cell }
            }));
        }
        let _ = writeln!(out, "\n{table}");
    }
    for t in report.tables.iter().filter(|t| t.has_differences()) {
        out.push_str(&details(t, "  "));
    }
    if let Some(fix) = &report.fix {
        out.push_str(&fix_text(fix));
    }
    out
}

/// The report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = format!("# Verification {}\n\n{}\n", report.run_id, summary(report));
    if !report.schema.is_empty() {
        out.push_str("\n## Schema differences\n\n| severity | difference |\n|---|---|\n");
        for d in &report.schema {
            let _ = writeln!(out, "| {} | {} |", severity(d.severity), cell(&difference(d)));
        }
    }
    out.push_str("\n## Rows\n\n| ");
    out.push_str(&HEADER.join(" | "));
    out.push_str(" |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    for t in &report.tables {
        let _ =
            writeln!(out, "| {} |", row(t).iter().map(|v| cell(v)).collect::<Vec<_>>().join(" | "));
    }
    for t in report.tables.iter().filter(|t| t.has_differences()) {
        let _ = write!(out, "\n### {}.{}\n\n", t.schema, t.name);
        out.push_str(&details(t, "- "));
    }
    if let Some(fix) = &report.fix {
        out.push_str("\n## Fix\n\n");
        out.push_str(&fix_text(fix));
    }
    out
}

fn summary(report: &Report) -> String {
    let differing = report.tables.iter().filter(|t| t.has_differences()).count();
    let equal = report.tables.len() - differing;
    let schema = report.schema.iter().filter(|d| d.severity >= Severity::Warning).count();
    let repaired = report.fix.as_ref().is_some_and(|f| f.applied && f.still_different == 0);
    let verdict = match (report.has_differences(), repaired) {
        (false, _) => "EQUAL",
        (true, true) => "DIFFERENT, REPAIRED",
        (true, false) => "DIFFERENT",
    };
    format!(
        "verify ({} mode, run {}): {verdict}: {} tables compared, {equal} equal, {differing} \
         different; {schema} schema differences",
        report.mode,
        report.run_id,
        report.tables.len()
    )
}

fn row(t: &TableReport) -> Vec<String> {
    let method = match t.method {
        Method::Key => "key",
        Method::Multiset => "multiset",
    };
    let mut values = vec![format!("{}.{}", t.schema, t.name), method.to_owned()];
    values.extend(
        [t.source_rows, t.matched, t.missing, t.extraneous, t.mismatched, t.live_retry]
            .map(|n| n.to_string()),
    );
    values
}

/// Mismatched columns, sample keys and errors of a differing table, one item per line.
fn details(t: &TableReport, bullet: &str) -> String {
    let mut out = String::new();
    let name = format!("{}.{}", t.schema, t.name);
    if let Some(error) = &t.error {
        let _ = writeln!(out, "{bullet}{name}: not fully checked: {error}");
    }
    if !t.mismatched_columns.is_empty() {
        let cols: Vec<String> =
            t.mismatched_columns.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        let _ = writeln!(out, "{bullet}{name} mismatched columns: {}", cols.join(", "));
    }
    let what = if t.method == Method::Key { "keys" } else { "rows" };
    for (kind, keys) in [
        ("missing", &t.samples.missing),
        ("extraneous", &t.samples.extraneous),
        ("mismatched", &t.samples.mismatched),
    ] {
        if !keys.is_empty() {
            let keys: Vec<String> = keys.iter().map(|k| key(k)).collect();
            let _ = writeln!(out, "{bullet}{name} {kind} {what}: {}", keys.join(", "));
        }
    }
    out
}

/// A key for people: one column bare, several in parentheses, NULL spelled out.
fn key(values: &[Option<String>]) -> String {
    let parts: Vec<&str> = values.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect();
    match parts.as_slice() {
        [one] => (*one).to_owned(),
        _ => format!("({})", parts.join(", ")),
    }
}

fn fix_text(fix: &FixReport) -> String {
    let mut out = String::new();
    if fix.applied {
        let _ = writeln!(
            out,
            "\nfix applied: {} inserts, {} updates, {} deletes; {} repaired rows still differ",
            fix.inserts, fix.updates, fix.deletes, fix.still_different
        );
    } else {
        let _ = writeln!(
            out,
            "\n-- fix: {} inserts, {} updates, {} deletes (not applied)",
            fix.inserts, fix.updates, fix.deletes
        );
        for s in &fix.statements {
            let _ = writeln!(out, "{s};");
        }
    }
    out
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn difference(d: &SchemaDifference) -> String {
    match &d.name {
        Some(name) => format!("{} {} {name}: {}", d.table, d.object, d.message),
        None => format!("{} {}: {}", d.table, d.object, d.message),
    }
}

/// A Markdown table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests;
