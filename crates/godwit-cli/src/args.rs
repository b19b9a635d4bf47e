//! Command-line flags, exactly as typed. Validation and resolution happen in the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Move a live database between PostgreSQL and CockroachDB, in either direction.
#[derive(Debug, Parser)]
#[command(name = "godwit", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Flags shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// How progress and log lines on stderr look: `text` for people, `json` for machines.
    /// Defaults to text on a terminal and json otherwise.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Print only results and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Format of progress lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inventory a database: object counts, largest tables, features that matter for a move.
    Inspect(InspectArgs),
    /// Run the whole journey on throwaway local clusters with a sample shop database.
    Demo(DemoArgs),
}

/// The source database connection.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Source connection: a libpq URI (postgresql://user@host:port/db?sslmode=...) or a
    /// `key=value` string. PG* variables and ~/.pgpass are honoured.
    #[arg(long, env = "GODWIT_SOURCE", hide_env_values = true)]
    pub source: String,
}

/// `godwit inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The database to inspect.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Print the full schema model as a JSON document instead of the readable inventory.
    #[arg(long)]
    pub json: bool,
    /// Only these schemas (repeatable; default: every user schema).
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Skip these schemas (repeatable).
    #[arg(long = "exclude-schema", value_name = "NAME")]
    pub exclude_schemas: Vec<String>,
    /// Write the result to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `godwit demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the throwaway clusters running at the end and print how to reach and stop them.
    #[arg(long)]
    pub keep: bool,
}
