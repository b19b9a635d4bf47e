//! The `godwit` command: parses flags, builds a validated configuration, calls the library and
//! renders what it returns.
//!
//! Exit codes (every command, see DESIGN.md): `0` done and nothing wrong found; `1` done and
//! problems found (assessment blockers, verification differences); `2` could not do the job
//! (bad usage, unreachable database, SQL or I/O error). Errors print as one line on stderr,
//! never as a panic or backtrace.

mod args;
mod commands;
mod metrics;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    godwit::conn::tls::install_crypto_provider();
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return render::fatal(&anyhow::Error::new(e).context("starting the runtime")),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => render::fatal(&e),
    }
}
