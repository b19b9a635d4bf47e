//! `godwit convert`: target DDL files from a live database or a schema file.

use godwit::event::{Event, EventSink};
use godwit::schema::convert::{self, KeyStrategy, Options, Section};

use super::{Outcome, input};
use crate::args::{ConvertArgs, KeysArg};

/// Convert and write the five files; exit 2 when part of a schema file could not be read.
pub async fn run(args: ConvertArgs, events: &dyn EventSink) -> anyhow::Result<Outcome> {
    let target = input::target(args.target_dialect, args.target_version.as_deref())?;
    let loaded = input::load(&args.input, events).await?;
    let keys = match args.keys {
        KeysArg::Keep => KeyStrategy::Keep,
        KeysArg::UniqueRowid => KeyStrategy::UniqueRowid,
        KeysArg::Uuid => KeyStrategy::Uuid,
    };
    let conversion =
        convert::convert(&loaded.schema, &Options { target, keys }, loaded.locations.as_ref());
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", args.out.display()))?;
    let files = [
        ("pre-data.sql", conversion.sql(Section::Pre)),
        ("post-data.sql", conversion.sql(Section::Post)),
        ("unsupported.sql", conversion.unsupported_sql()),
        ("report.json", serde_json::to_string_pretty(&conversion)? + "\n"),
        ("report.md", conversion.report_markdown()),
    ];
    for (name, text) in files {
        let path = args.out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    }
    events.emit(Event::Done {
        phase: "convert".into(),
        message: format!(
            "{} statements written to {} ({} not converted, {} blocker(s))",
            conversion.statements.len(),
            args.out.display(),
            conversion.unsupported.len(),
            conversion.assessment.summary.blockers
        ),
        seconds: 0.0,
    });
    Ok(if loaded.has_problems() { Outcome::Incomplete } else { Outcome::Clean })
}
