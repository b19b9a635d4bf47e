//! `godwit assess`: compatibility findings for a move to another dialect or release.

use std::io::IsTerminal;

use godwit::event::EventSink;
use godwit::schema::assess;

use super::{Outcome, input};
use crate::args::{AssessArgs, ReportFormat};
use crate::render;

/// Load, assess, render; exit 1 on blockers, 2 when part of a schema file could not be read.
pub async fn run(args: AssessArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let target = input::target(args.target_dialect, args.target_version.as_deref())?;
    let loaded = input::load(&args.input, events).await?;
    let assessment = assess::assess(&loaded.schema, target, loaded.locations.as_ref());
    let text = match args.format {
        ReportFormat::Text => {
            let colour = args.out.is_none() && std::io::stdout().is_terminal();
            assess::text(&assessment, colour)
        }
        ReportFormat::Json => serde_json::to_string_pretty(&assessment)? + "\n",
        ReportFormat::Markdown => assess::markdown(&assessment),
        ReportFormat::Html => assess::html(&assessment),
    };
    render::write_result(args.out.as_deref(), &text)?;
    Ok(if loaded.has_problems() {
        Outcome::Incomplete
    } else if assessment.has_blockers() {
        Outcome::ProblemsFound
    } else {
        Outcome::Clean
    })
}
