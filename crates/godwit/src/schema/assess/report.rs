//! Rendering an [`Assessment`] as text, Markdown or a self-contained HTML page. (JSON is the
//! serde form of [`Assessment`], documented in `docs/assess-json.md`.)
//!
//! These are pure functions returning strings; the CLI decides where they go and whether the
//! terminal gets colour.

use std::fmt::Write;

use super::{Assessment, Finding, Fixer, Severity};

const ORDER: [Severity; 4] =
    [Severity::Blocker, Severity::Warning, Severity::Suggestion, Severity::Info];

fn headline(a: &Assessment) -> String {
    format!(
        "{} → {} {}: {} blocker(s), {} warning(s), {} suggestion(s), {} info",
        a.source,
        a.target.dialect,
        a.target.version,
        a.summary.blockers,
        a.summary.warnings,
        a.summary.suggestions,
        a.summary.infos
    )
}

fn location(f: &Finding) -> String {
    f.location.as_ref().map_or_else(String::new, |l| format!("{}:{}:{}", l.file, l.line, l.column))
}

fn fixer(f: &Finding) -> &'static str {
    match f.fixer {
        Fixer::Godwit => "godwit applies",
        Fixer::User => "you apply",
    }
}

/// Findings of one severity, grouped by rule (in first-seen order).
fn groups(a: &Assessment, severity: Severity) -> Vec<(&'static str, Vec<&Finding>)> {
    let mut out: Vec<(&'static str, Vec<&Finding>)> = Vec::new();
    for f in a.findings.iter().filter(|f| f.severity == severity) {
        match out.iter_mut().find(|(rule, _)| *rule == f.rule) {
            Some((_, list)) => list.push(f),
            None => out.push((f.rule, vec![f])),
        }
    }
    out
}

/// Plain text grouped by severity and rule; `colour` adds ANSI colours for a terminal.
pub fn text(a: &Assessment, colour: bool) -> String {
    let paint =
        |code: &str, s: &str| if colour { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_owned() };
    let mut out = format!("{}\n", headline(a));
    for severity in ORDER {
        for (rule, list) in groups(a, severity) {
            let code = match severity {
                Severity::Blocker => "1;31",
                Severity::Warning => "33",
                Severity::Suggestion => "36",
                Severity::Info => "2",
            };
            let head = format!("{} {rule} ({})", severity.name().to_uppercase(), list.len());
            let _ = writeln!(out, "\n{}", paint(code, &head));
            let _ = writeln!(out, "  rewrite ({}): {}", fixer(list[0]), list[0].rewrite);
            for f in list {
                let at = location(f);
                let at = if at.is_empty() { String::new() } else { format!("  [{at}]") };
                let _ = writeln!(out, "  - {}: {}{at}", f.object, f.message);
            }
        }
    }
    out
}

/// Markdown: a summary table, then one section per severity with a table per rule.
pub fn markdown(a: &Assessment) -> String {
    let mut out = format!("# Schema assessment\n\n{}\n\n", headline(a));
    out.push_str("| severity | count |\n|---|---|\n");
    let s = &a.summary;
    for (name, n) in [
        ("blocker", s.blockers),
        ("warning", s.warnings),
        ("suggestion", s.suggestions),
        ("info", s.infos),
    ] {
        let _ = writeln!(out, "| {name} | {n} |");
    }
    for severity in ORDER {
        let groups = groups(a, severity);
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n## {}s\n", severity.name());
        for (rule, list) in groups {
            let _ = writeln!(
                out,
                "### `{rule}` ({})\n\n{} — {}: {}\n",
                list.len(),
                severity.name(),
                fixer(list[0]),
                md(list[0].rewrite)
            );
            out.push_str("| object | kind | location | detail |\n|---|---|---|---|\n");
            for f in list {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    md(&f.object),
                    f.object_kind,
                    location(f),
                    md(&f.message)
                );
            }
            out.push('\n');
        }
    }
    out
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// One self-contained HTML page: summary cards, severity filters, a section per rule.
pub fn html(a: &Assessment) -> String {
    let mut out =
        String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    let _ = write!(out, "<title>godwit assessment</title>\n<style>{STYLE}</style></head><body>\n");
    let _ = writeln!(
        out,
        "<header><h1>Schema assessment</h1><p>{}</p></header>",
        html_escape(&headline(a))
    );
    out.push_str("<nav class=\"cards\">");
    let s = &a.summary;
    for (sev, n) in [
        ("blocker", s.blockers),
        ("warning", s.warnings),
        ("suggestion", s.suggestions),
        ("info", s.infos),
    ] {
        let _ = write!(
            out,
            "<label class=\"card {sev}\"><input type=\"checkbox\" checked data-sev=\"{sev}\"><b>{n}</b> {sev}</label>"
        );
    }
    out.push_str("</nav>\n<main>\n");
    for severity in ORDER {
        for (rule, list) in groups(a, severity) {
            html_group(&mut out, severity, rule, &list);
        }
    }
    if a.findings.is_empty() {
        out.push_str("<p class=\"empty\">Nothing to change: the schema moves as it is.</p>\n");
    }
    let _ = write!(out, "</main>\n<script>{SCRIPT}</script></body></html>\n");
    out
}

fn html_group(out: &mut String, severity: Severity, rule: &str, list: &[&Finding]) {
    let sev = severity.name();
    let _ = write!(
        out,
        "<details class=\"rule {sev}\" data-sev=\"{sev}\" open><summary><span class=\"badge\">{sev}</span> <code>{}</code> <span class=\"n\">{}</span></summary>\n<p class=\"rewrite\"><b>{}:</b> {}</p>\n<table><tr><th>object</th><th>kind</th><th>location</th><th>detail</th></tr>\n",
        html_escape(rule),
        list.len(),
        fixer(list[0]),
        html_escape(list[0].rewrite)
    );
    for f in list {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_escape(&f.object),
            f.object_kind,
            html_escape(&location(f)),
            html_escape(&f.message)
        );
    }
    out.push_str("</table></details>\n");
}
