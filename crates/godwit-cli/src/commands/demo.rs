//! `godwit demo`: the journey on throwaway clusters, printed as it happens.

use godwit::event::{Event, EventSink};

use super::Outcome;
use crate::args::DemoArgs;
use crate::render;

/// Run the demo and print the inventory; with `--keep`, leave the clusters running.
pub async fn run(args: DemoArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let outcome = godwit::demo::run(events).await?;
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut report = format!(
        "{}\n{}\n{}",
        render::inventory_text(&outcome.inventory),
        godwit::schema::assess::text(&outcome.assessment, colour),
        super::fetch::ledger(&outcome.fetch)
    );
    for (what, verification) in &outcome.verifications {
        report.push_str(&format!("\n== {what}\n{}", super::verify::text(verification)));
    }
    let live = &outcome.live;
    report.push_str(&format!(
        "\n== replicate while the source takes writes\n{} write transactions replicated \
         ({} applied, slot {} up to {}); the target caught up {:.2} s after the last write\n\
         \n== verify after replication\n{}",
        live.writes,
        live.replication.transactions,
        live.replication.slot,
        live.replication.applied_lsn,
        live.drained_seconds,
        super::verify::text(&live.verification)
    ));
    render::write_result(None, &report)?;
    if args.keep {
        for (role, cluster) in [("source", outcome.source), ("target", outcome.target)] {
            let url = cluster.url(godwit::demo::DATABASE);
            let stop = cluster.keep();
            events.emit(Event::Warning {
                message: format!("{role} cluster left running at {url}; stop it with: {stop}"),
            });
        }
    } else {
        events.emit(Event::Step {
            phase: "cleanup".into(),
            message: "stopping and removing the throwaway clusters".into(),
        });
        drop(outcome);
    }
    Ok(Outcome::Clean)
}
