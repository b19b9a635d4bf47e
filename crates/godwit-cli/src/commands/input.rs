//! Turning `--source` / `--schema-file` into a loaded schema, shared by assess and convert.

use godwit::conn::{self, ConnParams, Environment};
use godwit::dialect::{Dialect, Version};
use godwit::event::{Event, EventSink};
use godwit::schema::Filter;
use godwit::schema::assess::Target;
use godwit::schema::load::{self, Loaded};

use crate::args::{DialectArg, SchemaInputArgs};

/// The library's dialect for a command-line dialect.
pub fn dialect(arg: DialectArg) -> Dialect {
    match arg {
        DialectArg::Postgres => Dialect::Postgres,
        DialectArg::Cockroach => Dialect::Cockroach,
    }
}

/// Load the schema from a live database or a file; file problems are reported as warnings.
pub async fn load(args: &SchemaInputArgs, events: &dyn EventSink) -> anyhow::Result<Loaded> {
    let loaded = match (&args.source, &args.schema_file, args.source_dialect) {
        (Some(source), _, _) => {
            let params = ConnParams::resolve(source, &Environment::from_process())?;
            for warning in &params.warnings {
                events.emit(Event::Warning { message: warning.clone() });
            }
            let connection = conn::connect(&params).await?;
            let filter = Filter { include_schemas: args.schemas.clone(), ..Filter::default() };
            load::from_database(&connection, &filter).await?
        }
        (None, Some(file), Some(d)) => load::from_file(file, dialect(d))?,
        _ => anyhow::bail!("give --source URL, or --schema-file FILE with --source-dialect"),
    };
    for problem in &loaded.problems {
        events.emit(Event::Warning { message: problem.clone() });
    }
    Ok(loaded)
}

/// The target from `--target-dialect` and `--target-version` (`26.2`, `v24.3`, `15`).
pub fn target(dialect_arg: DialectArg, version: Option<&str>) -> anyhow::Result<Target> {
    let newest = Target::newest(dialect(dialect_arg));
    let Some(text) = version else { return Ok(newest) };
    let parsed = parse_version(text).ok_or_else(|| {
        anyhow::anyhow!("--target-version {text:?} is not a version like 26.2 or 15")
    })?;
    Ok(Target { dialect: newest.dialect, version: parsed })
}

fn parse_version(text: &str) -> Option<Version> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let patch = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    parts.next().is_none().then_some(Version { major, minor, patch })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("26.2"), Some(Version { major: 26, minor: 2, patch: 0 }));
        assert_eq!(parse_version("v24.3.1"), Some(Version { major: 24, minor: 3, patch: 1 }));
        assert_eq!(parse_version("15"), Some(Version { major: 15, minor: 0, patch: 0 }));
        assert_eq!(parse_version("x"), None);
        assert_eq!(parse_version("1.2.3.4"), None);
    }
}
