//! `godwit demo`: the journey on throwaway clusters, printed as it happens.

use godwit::event::{Event, EventSink};

use super::Outcome;
use crate::args::DemoArgs;
use crate::render;

/// Run the demo and print the inventory; with `--keep`, leave the clusters running.
pub async fn run(args: DemoArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let outcome = godwit::demo::run(events).await?;
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let report = format!(
        "{}\n{}",
        render::inventory_text(&outcome.inventory),
        godwit::schema::assess::text(&outcome.assessment, colour)
    );
    render::write_result(None, &report)?;
    if args.keep {
        let url = outcome.source.url(godwit::demo::DATABASE);
        let stop = outcome.source.keep();
        events.emit(Event::Warning {
            message: format!("source cluster left running at {url}; stop it with: {stop}"),
        });
    } else {
        events.emit(Event::Step {
            phase: "cleanup".into(),
            message: "stopping and removing the throwaway cluster".into(),
        });
        drop(outcome);
    }
    Ok(Outcome::Clean)
}
