//! `godwit replicate`: stream changes until SIGINT or SIGTERM, then report where it stopped.
//!
//! A signal asks the library to stop: the target transaction in flight is finished (or rolled
//! back), its position confirmed to the source, and the command exits 0 with the position on
//! stdout; running it again continues exactly there.

use godwit::conn::{ConnParams, Environment};
use godwit::event::{Event, EventSink};
use godwit::replicate::{self, ReplicateOptions, ReplicateSummary, Truncate};

use super::Outcome;
use crate::args::{ReplicateArgs, TruncateArg};
use crate::{metrics, render};

/// Replicate until a signal; print the summary.
pub async fn run(args: ReplicateArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    // Handlers first: a signal that arrives while connecting must stop, not kill, the command.
    let stop = stop_signal()?;
    let metrics = metrics::serve_if(args.metrics.metrics_addr.as_deref(), events).await?;
    let events = &metrics::Tee::new(metrics.as_ref(), events);
    let env = Environment::from_process();
    let source = ConnParams::resolve(&args.source, &env)?;
    let target = ConnParams::resolve(&args.target, &env)?;
    for warning in source.warnings.iter().chain(&target.warnings) {
        events.emit(Event::Warning { message: warning.clone() });
    }
    let options = ReplicateOptions {
        schemas: args.selection.schemas.clone(),
        tables: super::table_filter(&args.selection)?,
        slot: args.slot,
        truncate: match args.truncate {
            TruncateArg::Apply => Truncate::Apply,
            TruncateArg::Refuse => Truncate::Refuse,
        },
        stream_in_progress: args.stream_in_progress,
        spill_bytes: super::fetch::parse_size(&args.spill_size)
            .and_then(|b| usize::try_from(b).ok())
            .ok_or_else(|| {
                anyhow::anyhow!("--spill-size {:?} is not a size like 64MiB", args.spill_size)
            })?,
        ..ReplicateOptions::default()
    };
    let summary = replicate::replicate(&source, &target, &options, events, stop).await?;
    render::write_result(None, &summary_text(&summary))?;
    Ok(Outcome::Clean)
}

/// A future that resolves on the first SIGINT or SIGTERM; the handlers are installed now.
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use anyhow::Context;
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

/// A future that resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn summary_text(s: &ReplicateSummary) -> String {
    let paused = if s.paused_tables.is_empty() {
        String::new()
    } else {
        format!(
            "; PAUSED (changes held on the target, see `godwit status`): {}",
            s.paused_tables.join(", ")
        )
    };
    format!(
        "replicate stopped: slot {} (publication {}), applied up to {} (started at {}); \
         {} transactions ({} streamed while in progress, {} bytes spilled to disk), {} row \
         changes, {} already applied and skipped, {} reconnects{paused}\n",
        s.slot,
        s.publication,
        s.applied_lsn,
        s.start_lsn,
        s.transactions,
        s.streamed,
        s.spilled_bytes,
        s.rows,
        s.skipped,
        s.reconnects
    )
}
