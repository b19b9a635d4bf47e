//! One module per command; each turns flags into a validated configuration, calls the library
//! and renders the result.

mod demo;
mod inspect;

use std::process::ExitCode;

use crate::args::{Cli, Command};
use crate::render::EventRenderer;

/// How a command that ran to the end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, nothing wrong found (exit 0).
    Clean,
    /// Done, and problems were found (exit 1).
    #[allow(dead_code)] // Used by assess and verify.
    ProblemsFound,
}

impl Outcome {
    /// The process exit code for this outcome.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::ProblemsFound => ExitCode::from(1),
        }
    }
}

/// Dispatch a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let events = EventRenderer::new(&cli.global);
    match cli.command {
        Command::Inspect(args) => inspect::run(args, &events).await,
        Command::Demo(args) => demo::run(args, &events).await,
    }
}
