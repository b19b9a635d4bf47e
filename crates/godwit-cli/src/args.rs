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
    /// Print only results, warnings and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Print more: every progress line (unthrottled) and, in text, one line per shard.
    #[arg(long, short, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
}

/// Flags of commands that can be watched with Prometheus while they run.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Serve Prometheus metrics at http://ADDR/metrics while the command runs, e.g.
    /// `127.0.0.1:9187`; `:9187` listens on every interface, port 0 on a free port (the
    /// address is printed as a `listening` event).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,
}

/// Which tables a command works on (`--schema`, `--tables`, `--exclude-tables`).
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Only these schemas (repeatable; default: every user schema).
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
    /// Only tables whose whole name (`orders`) or qualified name (`sales.orders`) matches this
    /// regular expression.
    #[arg(long, value_name = "REGEX")]
    pub tables: Option<String>,
    /// Leave out tables whose whole or qualified name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub exclude_tables: Option<String>,
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
    /// List everything in a schema that will not survive the move, with the rewrite for each.
    Assess(AssessArgs),
    /// Write target DDL: pre-data.sql, post-data.sql, unsupported.sql, report.json, report.md.
    Convert(ConvertArgs),
    /// Copy every table from one consistent snapshot of the source into the target, in
    /// parallel shards, resumable after a crash.
    Fetch(FetchArgs),
    /// Stream the source's changes into the target, exactly once, from where fetch ended (or
    /// from a new replication slot); runs until SIGINT/SIGTERM.
    Replicate(ReplicateArgs),
    /// Prove source and target hold the same rows and schema: name every missing, extra or
    /// different row; repair on request.
    Verify(VerifyArgs),
    /// What godwit did and does to a target: fetch runs and tables, replication streams,
    /// the latest verification (read from its _godwit state).
    Status(StatusArgs),
    /// Work with converted schema files.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Run the whole journey on throwaway local clusters with a sample shop database.
    Demo(DemoArgs),
}

/// `godwit fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Source database (libpq URI or key=value string); not needed with --import-only.
    #[arg(
        long,
        env = "GODWIT_SOURCE",
        hide_env_values = true,
        required_unless_present = "import_only"
    )]
    pub source: Option<String>,
    /// Target database; its tables must exist (`godwit convert` + `godwit schema apply --section
    /// pre`) unless `--table-handling drop-on-target-and-recreate` creates them.
    #[arg(long, env = "GODWIT_TARGET", hide_env_values = true)]
    pub target: String,
    /// Which tables.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Shards copied at the same time.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Tables bigger than this on disk are split into shards of about this size, whatever
    /// their primary key (tables without one by heap pages): bytes, or with a unit such as
    /// 512KiB, 64MiB, 1GiB (binary) or 100MB (decimal).
    #[arg(long, value_name = "SIZE", default_value = "64MiB")]
    pub shard_size: String,
    /// Continue an earlier run (its id, as printed); without an id, the latest unfinished run.
    #[arg(long, value_name = "RUN", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,
    /// What a fresh run does with target tables that already hold rows (never done on resume).
    #[arg(long, value_enum, default_value_t = TableHandlingArg::None)]
    pub table_handling: TableHandlingArg,
    /// Copy without creating a logical replication slot (a plain exported snapshot): nothing
    /// is kept for `replicate`, and nothing retains WAL on the source.
    #[arg(long)]
    pub no_cdc: bool,
    /// Prometheus endpoint.
    #[command(flatten)]
    pub metrics: MetricsArgs,
    /// Go through object storage: file:///dir, s3://bucket/prefix, gs://bucket/prefix or
    /// azure://container/prefix; credentials and options from the usual AWS_*, GOOGLE_*, AZURE_*
    /// variables or as URL options as CockroachDB spells them (?AWS_ENDPOINT=...&AWS_REGION=...).
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,
    /// Export the shards and the manifest to --storage, then stop.
    #[arg(long, requires = "storage", conflicts_with = "import_only")]
    pub export_only: bool,
    /// Load a finished export from --storage (the newest, or --resume RUN); no --source needed.
    #[arg(long, requires = "storage")]
    pub import_only: bool,
    /// For a CockroachDB target and file:// storage: serve the files to IMPORT INTO over HTTP
    /// at this address (reachable from every CockroachDB node), e.g. 10.0.0.5:8080.
    #[arg(long, value_name = "ADDR", requires = "storage")]
    pub storage_http_addr: Option<std::net::SocketAddr>,
}

/// `godwit fetch --table-handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableHandlingArg {
    /// Copy into the tables as they are; refuse if any already holds rows.
    None,
    /// Empty the selected target tables (one TRUNCATE, no CASCADE) before copying.
    TruncateIfExists,
    /// Drop the source's tables on the target and recreate them from the source's DDL
    /// (as `godwit convert` writes it); indexes and constraints follow after the data.
    DropOnTargetAndRecreate,
}

/// `godwit schema ...`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Apply converted DDL to a target, statement by statement; safe to re-run.
    Apply(ApplyArgs),
}

/// Key conversion for CockroachDB targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeysArg {
    /// Keep sequences and identity columns.
    Keep,
    /// Sequence-filled single-column keys become INT8 DEFAULT unique_rowid().
    UniqueRowid,
    /// Sequence-filled single-column keys become UUID DEFAULT gen_random_uuid().
    Uuid,
}

/// `godwit convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The schema to convert.
    #[command(flatten)]
    pub input: SchemaInputArgs,
    /// The dialect to convert to.
    #[arg(long, value_enum)]
    pub target_dialect: DialectArg,
    /// The target release (`26.2`, `15`); default: the newest documented.
    #[arg(long, value_name = "VERSION")]
    pub target_version: Option<String>,
    /// How sequence-filled keys convert for a CockroachDB target.
    #[arg(long, value_enum, default_value = "keep")]
    pub keys: KeysArg,
    /// Directory to write the files to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Which part of the converted DDL to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SectionArg {
    /// pre-data.sql: schemas, types, sequences, tables with primary keys.
    Pre,
    /// post-data.sql: indexes, constraints, routines, views, triggers, comments.
    Post,
    /// Both, pre-data first.
    All,
}

/// `godwit schema apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The target database (libpq URI or key=value string).
    #[arg(long, env = "GODWIT_TARGET", hide_env_values = true)]
    pub target: String,
    /// The directory `godwit convert` wrote.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Which section to apply.
    #[arg(long, value_enum, default_value = "all")]
    pub section: SectionArg,
}

/// A dialect named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// PostgreSQL.
    #[value(alias = "postgresql", alias = "pg")]
    Postgres,
    /// CockroachDB.
    #[value(alias = "crdb", alias = "cockroachdb")]
    Cockroach,
}

/// Where a schema comes from: a live database or a schema file.
#[derive(Debug, Args)]
pub struct SchemaInputArgs {
    /// Read the schema from this live database (libpq URI or key=value string).
    #[arg(long, env = "GODWIT_SOURCE", hide_env_values = true, conflicts_with = "schema_file")]
    pub source: Option<String>,
    /// Read the schema from a file: `pg_dump --schema-only` output or CockroachDB
    /// `SHOW CREATE ...` output (needs --source-dialect).
    #[arg(long, value_name = "FILE", requires = "source_dialect")]
    pub schema_file: Option<PathBuf>,
    /// The dialect the schema file is written in.
    #[arg(long, value_enum)]
    pub source_dialect: Option<DialectArg>,
    /// Only these schemas of a live database (repeatable; default: every user schema).
    #[arg(long = "schema", value_name = "NAME")]
    pub schemas: Vec<String>,
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Grouped text, coloured on a terminal.
    Text,
    /// The documented JSON document.
    Json,
    /// Markdown.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// `godwit assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The schema to assess.
    #[command(flatten)]
    pub input: SchemaInputArgs,
    /// The dialect the schema will move to.
    #[arg(long, value_enum)]
    pub target_dialect: DialectArg,
    /// The target release (`26.2`, `24.3`, `15`); default: the newest documented.
    #[arg(long, value_name = "VERSION")]
    pub target_version: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
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

/// `godwit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Source database: the truth (libpq URI or key=value string).
    #[arg(long, env = "GODWIT_SOURCE", hide_env_values = true)]
    pub source: String,
    /// Target database, made equal to the source by --fix apply.
    #[arg(long, env = "GODWIT_TARGET", hide_env_values = true)]
    pub target: String,
    /// Which tables.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Key ranges compared at the same time (each uses one source and one target connection).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// `rows`: read and compare every row of both sides. `hash`: checksums of key ranges
    /// computed inside each database, rows compared only where they differ.
    #[arg(long, value_enum, default_value_t = VerifyModeArg::Rows)]
    pub mode: VerifyModeArg,
    /// Tables bigger than this on disk are compared in key ranges of about this size (see
    /// fetch --shard-size).
    #[arg(long, value_name = "SIZE", default_value = "64MiB")]
    pub shard_size: String,
    /// For a source that is still written: re-read the differing rows after this delay (e.g.
    /// 5s, 500ms, 2m); rows that became equal count as live_retry, not as differences.
    #[arg(long, value_name = "DURATION")]
    pub live_recheck: Option<String>,
    /// Repair the differing rows: `print` the INSERT/UPDATE/DELETE statements with the
    /// report, or `apply` them on the target (batched transactions) and verify those rows again.
    #[arg(long, value_enum)]
    pub fix: Option<FixArg>,
    /// Sample keys shown per kind of difference and table.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub samples: usize,
    /// Result format on stdout.
    #[arg(long, value_enum, default_value_t = ResultFormat::Text)]
    pub format: ResultFormat,
    /// Write the result to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `godwit replicate`.
#[derive(Debug, Args)]
pub struct ReplicateArgs {
    /// Source database (PostgreSQL, `wal_level=logical`).
    #[arg(long, env = "GODWIT_SOURCE", hide_env_values = true)]
    pub source: String,
    /// Target database (PostgreSQL or CockroachDB); its tables must exist.
    #[arg(long, env = "GODWIT_TARGET", hide_env_values = true)]
    pub target: String,
    /// Which tables.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Stream from this replication slot (default: fetch's handoff, else the slot this target
    /// already replicates from, else a new one).
    #[arg(long, value_name = "NAME")]
    pub slot: Option<String>,
    /// What a source TRUNCATE does: `apply` it on the target, or `refuse` (stop with an error
    /// before the transaction that truncates).
    #[arg(long, value_enum, default_value_t = TruncateArg::Apply)]
    pub truncate: TruncateArg,
    /// Have the source (PostgreSQL 14+) stream large transactions while they are in progress;
    /// they are held in memory up to --spill-size, then in temporary files, and applied at
    /// their commit. Default: sent whole at commit and applied while they arrive.
    #[arg(long)]
    pub stream_in_progress: bool,
    /// Memory for streamed in-progress transactions before they spill to temporary files.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", requires = "stream_in_progress")]
    pub spill_size: String,
    /// Prometheus endpoint.
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// `godwit replicate --truncate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TruncateArg {
    /// Truncate the same tables on the target.
    Apply,
    /// Stop with an error instead.
    Refuse,
}

/// `godwit status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Target database whose _godwit state to read.
    #[arg(long, env = "GODWIT_TARGET", hide_env_values = true)]
    pub target: String,
    /// Print the status as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `godwit verify --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyModeArg {
    /// Every row of both sides is compared.
    Rows,
    /// Checksums inside each database; rows only where they differ.
    Hash,
}

/// `godwit verify --fix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixArg {
    /// Print the repairing statements.
    Print,
    /// Apply them on the target, then verify the repaired rows again.
    Apply,
}

/// Result format of commands that report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultFormat {
    /// A readable table.
    Text,
    /// One JSON document.
    Json,
    /// Markdown.
    Markdown,
}

/// `godwit demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the throwaway clusters running at the end and print how to reach and stop them.
    #[arg(long)]
    pub keep: bool,
}
