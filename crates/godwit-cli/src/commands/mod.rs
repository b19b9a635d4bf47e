//! One module per command; each turns flags into a validated configuration, calls the library
//! and renders the result.

mod assess;
mod convert;
mod demo;
mod fetch;
mod input;
mod inspect;
mod replicate;
mod schema;
mod status;
mod verify;

use std::process::ExitCode;

use godwit::schema::TableFilter;

use crate::args::{Cli, Command, SelectionArgs};
use crate::render::EventRenderer;

/// How a command that ran to the end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing wrong found (exit 0).
    Clean,
    /// Done, and problems were found (exit 1).
    ProblemsFound,
    /// Done as far as possible, but part of the input could not be read (exit 2).
    Incomplete,
}

impl Outcome {
    /// The process exit code for this outcome.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::ProblemsFound => ExitCode::from(1),
            Outcome::Incomplete => ExitCode::from(2),
        }
    }
}

/// Dispatch a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let events = EventRenderer::new(&cli.global);
    match cli.command {
        Command::Inspect(args) => inspect::run(args, &events).await,
        Command::Assess(args) => assess::run(args, &events).await,
        Command::Convert(args) => convert::run(args, &events).await,
        Command::Schema(command) => schema::run(command, &events).await,
        Command::Fetch(args) => fetch::run(args, &events).await,
        Command::Replicate(args) => replicate::run(args, &events).await,
        Command::Verify(args) => verify::run(args, &events).await,
        Command::Status(args) => status::run(args).await,
        Command::Demo(args) => demo::run(args, &events).await,
    }
}

/// The validated `--tables` / `--exclude-tables` filter.
fn table_filter(selection: &SelectionArgs) -> anyhow::Result<TableFilter> {
    Ok(TableFilter::new(selection.tables.as_deref(), selection.exclude_tables.as_deref())?)
}
