//! Test helpers: one throwaway PostgreSQL cluster per test binary, a fresh database per test.
//!
//! The cluster starts on first use and is torn down by its reaper process when the test binary
//! exits (statics are never dropped, so [`godwit::cluster::LocalCluster`]'s pipe-based clean-up
//! is what removes it, even after a panic or a kill). Each test gets its own database with a
//! unique name, dropped when the [`TestDb`] goes out of scope. [`matrix`] is the type matrix
//! and its bit-exact comparison, shared by the copy tests.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use godwit::cluster::{ClusterOptions, LocalCluster};
use tokio_postgres::{Client, NoTls};

pub mod matrix;

static CLUSTER: OnceLock<LocalCluster> = OnceLock::new();
static NEXT_DB: AtomicU64 = AtomicU64::new(0);

/// The cluster shared by every test of this binary.
pub fn cluster() -> &'static LocalCluster {
    CLUSTER.get_or_init(|| {
        LocalCluster::start(&ClusterOptions::default())
            .unwrap_or_else(|e| panic!("could not start the test cluster: {}", chain(&e)))
    })
}

/// A database created for one test; dropped (with `FORCE`) when this value is dropped.
#[derive(Debug)]
pub struct TestDb {
    name: String,
    client: Client,
}

/// Create a fresh database on the shared cluster, connected as `postgres`.
pub async fn test_db() -> TestDb {
    let cluster = tokio::task::spawn_blocking(cluster).await.unwrap();
    let name = format!("t_{}_{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::SeqCst));
    let admin = connect_url(&cluster.url("postgres")).await;
    admin.batch_execute(&format!("create database \"{name}\"")).await.unwrap();
    let client = connect_url(&cluster.url(&name)).await;
    TestDb { name, client }
}

impl TestDb {
    /// A connection to this database as the superuser.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `postgresql://postgres@127.0.0.1:PORT/NAME`.
    pub fn url(&self) -> String {
        cluster().url(&self.name)
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Another connection to this database.
    pub async fn connect(&self) -> Client {
        connect_url(&self.url()).await
    }

    /// Run a multi-statement script; panics with the server's message on failure.
    pub async fn execute_script(&self, sql: &str) {
        if let Err(e) = self.client.batch_execute(sql).await {
            panic!("script failed in {}: {}", self.name, describe(&e));
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let url = cluster().url("postgres");
        let sql = format!("drop database if exists \"{}\" with (force)", self.name);
        // Drop may run inside a runtime: do the async work on a thread of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok((client, conn)) = tokio_postgres::connect(&url, NoTls).await {
                    tokio::spawn(conn);
                    let _ = client.batch_execute(&sql).await;
                }
            });
        });
        let _ = done.join();
    }
}

/// Connect with tokio-postgres (no TLS) and drive the connection on the current runtime.
pub async fn connect_url(url: &str) -> Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {}", describe(&e)));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A one-line description of a tokio-postgres error including the server message.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => chain(e),
    }
}

/// An error and its causes on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
