//! `godwit inspect`: the inventory of a database.

use godwit::conn::{self, ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::schema::Filter;

use super::Outcome;
use crate::args::InspectArgs;
use crate::render;

/// Connect, inventory and render (text, or the full model as JSON with `--json`).
pub async fn run(args: InspectArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let params = ConnParams::resolve(&args.source.source, &Environment::from_process())?;
    for warning in &params.warnings {
        events.emit(Event::Warning { message: warning.clone() });
    }
    let connection = conn::connect(&params).await?;
    let filter = Filter { include_schemas: args.schemas, exclude_schemas: args.exclude_schemas };
    let inventory = godwit::inspect::inspect_filtered(&connection, &filter).await?;
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&inventory.document())?;
        json.push('\n');
        json
    } else {
        render::inventory_text(&inventory)
    };
    render::write_result(args.out.as_deref(), &text)?;
    Ok(Outcome::Clean)
}
