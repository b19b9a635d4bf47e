//! `godwit verify`: compare source and target, report, optionally repair.
//!
//! Exit codes: 0 when both sides are equal (after a successful `--fix apply`, when the repaired
//! rows verified equal and nothing else differs), 1 when differences were found, 2 when a table
//! could not be checked (its counts are incomplete) or the comparison could not run.

mod text;

pub use text::text;

use std::time::Duration;

use godwit::conn::{ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::verify::{self, FixMode, Mode, Report, VerifyOptions};

use super::Outcome;
use super::fetch::parse_size;
use crate::args::{FixArg, ResultFormat, VerifyArgs, VerifyModeArg};
use crate::render;

/// Verify; write the report; exit by what it found.
pub async fn run(args: VerifyArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let options = options(&args)?;
    let env = Environment::from_process();
    let source = ConnParams::resolve(&args.source, &env)?;
    let target = ConnParams::resolve(&args.target, &env)?;
    for warning in source.warnings.iter().chain(&target.warnings) {
        events.emit(Event::Warning { message: warning.clone() });
    }
    let report = verify::verify(&source, &target, &options, events).await?;
    let rendered = match args.format {
        ResultFormat::Text => text(&report),
        ResultFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        ResultFormat::Markdown => text::markdown(&report),
    };
    render::write_result(args.out.as_deref(), &rendered)?;
    Ok(outcome(&report))
}

fn options(args: &VerifyArgs) -> anyhow::Result<VerifyOptions> {
    let shard_bytes = parse_size(&args.shard_size).ok_or_else(|| {
        anyhow::anyhow!("--shard-size {:?} is not a size like 64MiB or 100MB", args.shard_size)
    })?;
    let live_recheck = args
        .live_recheck
        .as_deref()
        .map(|d| {
            parse_duration(d).ok_or_else(|| {
                anyhow::anyhow!("--live-recheck {d:?} is not a duration like 5s, 500ms or 2m")
            })
        })
        .transpose()?;
    Ok(VerifyOptions {
        schemas: args.selection.schemas.clone(),
        tables: super::table_filter(&args.selection)?,
        jobs: usize::from(args.jobs),
        mode: match args.mode {
            VerifyModeArg::Rows => Mode::Rows,
            VerifyModeArg::Hash => Mode::Hash,
        },
        shard_bytes,
        live_recheck,
        fix: args.fix.map(|f| match f {
            FixArg::Print => FixMode::Print,
            FixArg::Apply => FixMode::Apply,
        }),
        samples: args.samples,
        hash_portable: false,
        typed_only: false,
    })
}

/// What the report means for the exit code.
fn outcome(report: &Report) -> Outcome {
    if report.has_unchecked() {
        return Outcome::Incomplete;
    }
    let repaired = report.fix.as_ref().is_some_and(|f| f.applied && f.still_different == 0);
    let rows_differ = report.tables.iter().any(|t| t.has_differences()) && !repaired;
    let schema_differs = report.schema.iter().any(|d| d.severity >= verify::Severity::Warning);
    if rows_differ || schema_differs { Outcome::ProblemsFound } else { Outcome::Clean }
}

/// A duration: a number with `ms`, `s`, `m` or `h` (bare numbers are seconds).
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_take_the_usual_units() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("5"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5h"), Some(Duration::from_secs(5400)));
        for bad in ["", "s", "5 parsecs", "-1s", "1e400"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
