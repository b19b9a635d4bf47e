//! `godwit demo`: the whole journey on throwaway local clusters with sample data.
//!
//! It starts a source cluster, loads a small shop database written for the demo
//! (`demo/shop.sql`: an enum, foreign keys, a trigger, a partitioned table, jsonb, about 100k
//! rows), inspects it and assesses it for a move to CockroachDB, then moves it into a second
//! throwaway cluster: schema through `convert` and `schema apply` (pre-data), rows through
//! `fetch` from one snapshot, then post-data (indexes, constraints, triggers). It verifies the
//! copy, breaks a few rows on the target (`demo/break.sql`), shows that verify names exactly
//! those, repairs them with `--fix apply` and verifies again. Then it replicates from the
//! slot fetch created while the source takes writes (`live`), waits for the lag to fall to
//! zero, and verifies once more. Each capability (assess, fetch,
//! replicate, verify) adds its step here, so the demo always shows what godwit can do end to
//! end.

use std::time::Instant;

use crate::cluster::{ClusterOptions, LocalCluster};
use crate::conn::{self, ConnParams, Environment};
use crate::error::{Error, Result};
use crate::event::{Event, EventSink};
use crate::fetch::{self, FetchOptions, FetchResult};
use crate::inspect::{self, Inventory};
use crate::schema::apply::{self, Sections};
use crate::schema::assess::{self, Assessment, Target};
use crate::schema::convert::{self, KeyStrategy, Options, Section};
use crate::verify::{self, FixMode, Report, VerifyOptions};

mod live;

pub use live::Live;

const SHOP_SQL: &str = include_str!("demo/shop.sql");
const BREAK_SQL: &str = include_str!("demo/break.sql");

/// The database the demo creates on the source cluster.
pub const DATABASE: &str = "shop";

/// What the demo produced.
#[derive(Debug)]
pub struct DemoOutcome {
    /// The inventory of the sample source database.
    pub inventory: Inventory,
    /// The sample database assessed for the newest CockroachDB release.
    pub assessment: Assessment,
    /// The copy into the target cluster.
    pub fetch: FetchResult,
    /// The verifications, in order, each with what it shows: after the copy, after breaking
    /// rows on the target, the repair, and after it.
    pub verifications: Vec<(String, Report)>,
    /// Replication while the source took writes, and the verification after it caught up.
    pub live: Live,
    /// The source cluster, still running; dropping it stops and removes it.
    pub source: LocalCluster,
    /// The target cluster, still running; dropping it stops and removes it.
    pub target: LocalCluster,
}

/// Run the demo. The returned clusters keep running until dropped (or detached by `--keep`).
pub async fn run(events: &dyn EventSink) -> Result<DemoOutcome> {
    let started = Instant::now();
    events.emit(step("cluster", "starting a throwaway PostgreSQL source cluster"));
    let source = tokio::task::spawn_blocking(|| LocalCluster::start(&ClusterOptions::default()))
        .await
        .map_err(|e| Error::internal("cluster start task failed").with_source(e))??;
    events.emit(done("cluster", format!("source cluster on 127.0.0.1:{}", source.port()), started));

    let loading = Instant::now();
    events.emit(step("load", "creating the sample shop database (~100k rows)"));
    load_shop(&source).await?;
    events.emit(done("load", "sample shop database loaded", loading));

    let inspecting = Instant::now();
    events.emit(step("inspect", "inspecting the source"));
    let connection = conn::connect_str(&source.url(DATABASE)).await?;
    let inventory = inspect::inspect(&connection).await?;
    events.emit(done("inspect", "inventory complete", inspecting));

    let assessing = Instant::now();
    let target = Target::newest(crate::dialect::Dialect::Cockroach);
    events.emit(step("assess", &format!("assessing the shop for CockroachDB {}", target.version)));
    let assessment = assess::assess(&inventory.schema, target, None);
    let summary = format!(
        "{} blocker(s), {} warning(s)",
        assessment.summary.blockers, assessment.summary.warnings
    );
    events.emit(done("assess", summary, assessing));

    let target = start_cluster(events, "target").await?;
    let fetch = move_shop(&inventory, &source, &target, events).await?;
    let verifications = verify_and_repair(&source, &target, events).await?;
    let live = live::replicate_while_writing(&source, &target, events).await?;
    Ok(DemoOutcome { inventory, assessment, fetch, verifications, live, source, target })
}

/// Verify the copy, break rows on the target, verify, repair, verify.
async fn verify_and_repair(
    source: &LocalCluster,
    target: &LocalCluster,
    events: &dyn EventSink,
) -> Result<Vec<(String, Report)>> {
    let env = Environment::from_process();
    let from = ConnParams::resolve(&source.url(DATABASE), &env)?;
    let into = ConnParams::resolve(&target.url(DATABASE), &env)?;
    let plain = VerifyOptions::default();
    let mut reports = Vec::new();
    let report = verify::verify(&from, &into, &plain, events).await?;
    reports.push(("verify after the copy".to_owned(), report));
    events.emit(step("break", "changing five rows on the target behind godwit's back"));
    let to = conn::connect(&into).await?;
    to.client()
        .batch_execute(BREAK_SQL)
        .await
        .map_err(|e| Error::db("breaking rows on the demo target", e))?;
    let report = verify::verify(&from, &into, &plain, events).await?;
    reports.push(("verify after breaking rows on the target".to_owned(), report));
    let fix = VerifyOptions { fix: Some(FixMode::Apply), ..VerifyOptions::default() };
    let report = verify::verify(&from, &into, &fix, events).await?;
    reports.push(("verify --fix apply".to_owned(), report));
    let report = verify::verify(&from, &into, &plain, events).await?;
    reports.push(("verify after the repair".to_owned(), report));
    Ok(reports)
}

async fn start_cluster(events: &dyn EventSink, role: &str) -> Result<LocalCluster> {
    let started = Instant::now();
    events.emit(step("cluster", &format!("starting a throwaway PostgreSQL {role} cluster")));
    let cluster = tokio::task::spawn_blocking(|| LocalCluster::start(&ClusterOptions::default()))
        .await
        .map_err(|e| Error::internal("cluster start task failed").with_source(e))??;
    events.emit(done(
        "cluster",
        format!("{role} cluster on 127.0.0.1:{}", cluster.port()),
        started,
    ));
    Ok(cluster)
}

/// Schema (pre-data), rows from one snapshot, then post-data, into `target`.
async fn move_shop(
    inventory: &Inventory,
    source: &LocalCluster,
    target: &LocalCluster,
    events: &dyn EventSink,
) -> Result<FetchResult> {
    let admin = conn::connect_str(&target.url("postgres")).await?;
    admin
        .client()
        .batch_execute(&format!("create database {}", crate::dialect::quote_ident(DATABASE)))
        .await
        .map_err(|e| Error::db("creating the demo target database", e))?;
    let to = conn::connect_str(&target.url(DATABASE)).await?;
    let version = to.version();
    let options =
        Options { target: Target { dialect: to.dialect(), version }, keys: KeyStrategy::Keep };
    let conversion = convert::convert(&inventory.schema, &options, None);
    let dir = tempfile::tempdir().map_err(|e| Error::io("creating a directory for the DDL", e))?;
    for (name, section) in [("pre-data.sql", Section::Pre), ("post-data.sql", Section::Post)] {
        std::fs::write(dir.path().join(name), conversion.sql(section))
            .map_err(|e| Error::io(format!("writing {name}"), e))?;
    }
    apply_section(&to, dir.path(), Sections::Pre, events).await?;
    let started = Instant::now();
    events.emit(step("fetch", "copying every table from one snapshot"));
    let env = Environment::from_process();
    let from = ConnParams::resolve(&source.url(DATABASE), &env)?;
    let into = ConnParams::resolve(&target.url(DATABASE), &env)?;
    let options = FetchOptions { cdc: true, ..FetchOptions::default() };
    let result = fetch::fetch(&from, &into, &options, events).await?;
    let rows: u64 = result.tables.iter().map(|t| t.rows).sum();
    events.emit(done("fetch", format!("{rows} rows copied"), started));
    apply_section(&to, dir.path(), Sections::Post, events).await?;
    Ok(result)
}

async fn apply_section(
    to: &conn::Connection,
    dir: &std::path::Path,
    section: Sections,
    events: &dyn EventSink,
) -> Result<()> {
    let report = apply::apply(to, dir, section, events).await?;
    match report.failures.first() {
        None => Ok(()),
        Some(f) => Err(Error::internal(format!(
            "the demo's own DDL failed at {} ({}): {}",
            f.location, f.object, f.message
        ))),
    }
}

async fn load_shop(source: &LocalCluster) -> Result<()> {
    let admin = conn::connect_str(&source.url("postgres")).await?;
    admin
        .client()
        .batch_execute(&format!("create database {}", crate::dialect::quote_ident(DATABASE)))
        .await
        .map_err(|e| Error::db("creating the demo database", e))?;
    let shop = conn::connect_str(&source.url(DATABASE)).await?;
    shop.client()
        .batch_execute(SHOP_SQL)
        .await
        .map_err(|e| Error::db("loading the demo shop schema and data", e))
}

fn step(phase: &str, message: &str) -> Event {
    Event::Step { phase: phase.to_owned(), message: message.to_owned() }
}

fn done(phase: &str, message: impl Into<String>, since: Instant) -> Event {
    Event::Done {
        phase: phase.to_owned(),
        message: message.into(),
        seconds: since.elapsed().as_secs_f64(),
    }
}
