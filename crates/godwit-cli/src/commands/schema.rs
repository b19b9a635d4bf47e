//! `godwit schema apply`: run converted DDL against a target.

use godwit::conn::{self, ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::schema::apply::{self, Sections};

use super::Outcome;
use crate::args::{ApplyArgs, SchemaCommand, SectionArg};
use crate::render;

/// Dispatch `godwit schema ...`.
pub async fn run(command: SchemaCommand, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    match command {
        SchemaCommand::Apply(args) => apply_dir(args, events).await,
    }
}

/// Apply; print each failing statement (file:line, object, SQLSTATE); exit 2 if any failed.
async fn apply_dir(args: ApplyArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let params = ConnParams::resolve(&args.target, &Environment::from_process())?;
    let target = conn::connect(&params).await?;
    let sections = match args.section {
        SectionArg::Pre => Sections::Pre,
        SectionArg::Post => Sections::Post,
        SectionArg::All => Sections::All,
    };
    let report = apply::apply(&target, &args.dir, sections, events).await?;
    let mut text = format!(
        "{} statement(s) applied, {} already present, {} failed\n",
        report.applied,
        report.already_present,
        report.failures.len()
    );
    for f in &report.failures {
        let code = f.sqlstate.as_deref().unwrap_or("-----");
        text.push_str(&format!("{}: {} [SQLSTATE {code}] {}\n", f.location, f.object, f.message));
    }
    render::write_result(None, &text)?;
    if report.failures.is_empty() {
        return Ok(Outcome::Clean);
    }
    events
        .emit(Event::Warning { message: format!("{} statement(s) failed", report.failures.len()) });
    Ok(Outcome::Incomplete)
}
