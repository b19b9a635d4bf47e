//! Connections to PostgreSQL and CockroachDB.
//!
//! Connection strings are parsed by godwit itself ([`params`]) because tokio-postgres rejects
//! libpq options operators rely on (`sslmode=verify-full`, `sslrootcert`, `sslcert`, `sslkey`)
//! and knows nothing of `PG*` variables or `~/.pgpass`. TLS policy lives in [`tls`]. Once
//! connected, the dialect and version are read from the server (`SELECT version()`), never
//! guessed from the port. Every connection announces itself as `application_name=godwit`.
//!
//! Connection strings shown anywhere go through [`ConnParams::redacted`] or [`params::redact`]:
//! a password never reaches a log line, an error, a report or a state table.

pub mod params;
pub mod pgpass;
pub mod tls;

use std::time::Duration;

use tokio_postgres::Client;

pub use params::{ConnParams, Environment, SslMode};

use crate::dialect::{self, Dialect, Version};
use crate::error::{Error, ErrorKind, Result};
use params::HostSpec;

/// An open connection with the dialect and version of the server behind it.
#[derive(Debug)]
pub struct Connection {
    client: Client,
    dialect: Dialect,
    version: Version,
    version_text: String,
    target: String,
}

impl Connection {
    /// The SQL client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The SQL client, mutably (to open transactions).
    pub fn client_mut(&mut self) -> &mut Client {
        &mut self.client
    }

    /// PostgreSQL or CockroachDB, as reported by the server.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The server version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The full `version()` text.
    pub fn version_text(&self) -> &str {
        &self.version_text
    }

    /// The redacted connection string (safe to print).
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// Resolve `input` (a URI or `key=value` string) against the process environment and connect.
pub async fn connect_str(input: &str) -> Result<Connection> {
    let params = ConnParams::resolve(input, &Environment::from_process())?;
    connect(&params).await
}

/// Connect with resolved parameters, trying each host in order, then detect the dialect.
pub async fn connect(params: &ConnParams) -> Result<Connection> {
    let target = params.redacted();
    let config = pg_config(params);
    let client = match tls::client_config(params)? {
        Some(tls_config) if !all_unix(params) => {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config);
            let (client, conn) = config.connect(tls).await.map_err(|e| connect_error(params, e))?;
            tokio::spawn(conn);
            client
        }
        _ => {
            let (client, conn) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| connect_error(params, e))?;
            tokio::spawn(conn);
            client
        }
    };
    let version_text: String = client
        .query_one("select version()", &[])
        .await
        .map_err(|e| Error::db(format!("reading version() on {target}"), e))?
        .get(0);
    let (dialect, version) = dialect::detect(&version_text).ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            format!(
                "{target} is neither PostgreSQL nor CockroachDB (version() = {version_text:?})"
            ),
        )
    })?;
    Ok(Connection { client, dialect, version, version_text, target })
}

fn all_unix(params: &ConnParams) -> bool {
    params.hosts.iter().all(|h| matches!(h, HostSpec::Unix { .. }))
}

/// Translate resolved parameters into tokio-postgres's configuration. TLS verification is
/// decided in [`tls`]; tokio-postgres only learns whether TLS is off, optional or required.
fn pg_config(params: &ConnParams) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    for host in &params.hosts {
        match host {
            HostSpec::Tcp { host, port, .. } => config.host(host).port(*port),
            HostSpec::Unix { dir, port } => config.host_path(dir).port(*port),
        };
    }
    let addrs: Vec<_> = params
        .hosts
        .iter()
        .filter_map(|h| match h {
            HostSpec::Tcp { hostaddr, .. } => *hostaddr,
            HostSpec::Unix { .. } => None,
        })
        .collect();
    if addrs.len() == params.hosts.len() {
        for addr in addrs {
            config.hostaddr(addr);
        }
    }
    config.user(&params.user).dbname(&params.dbname).application_name(&params.application_name);
    if let Some(password) = &params.password {
        config.password(password.expose());
    }
    if let Some(timeout) = params.connect_timeout {
        config.connect_timeout(timeout);
    }
    if let Some(options) = &params.options {
        config.options(options);
    }
    config.keepalives_idle(Duration::from_secs(60));
    config.ssl_mode(match params.sslmode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Allow | SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            tokio_postgres::config::SslMode::Require
        }
    });
    config
}

/// A connection failure, with the cause named in terms of the user's settings.
fn connect_error(params: &ConnParams, err: tokio_postgres::Error) -> Error {
    let base = Error::db(format!("could not connect to {}", params.redacted()), err);
    let hint = match base.kind() {
        ErrorKind::Tls => Some(tls_hint(params, &base)),
        ErrorKind::Auth if params.sslmode == SslMode::Disable && mentions(&base, "no encryption") => {
            Some("the server accepts only TLS connections from this host: use sslmode=require or stricter".to_owned())
        }
        ErrorKind::Auth | ErrorKind::Config if params.password.is_none() => {
            password_hint(params, &base)
        }
        _ => None,
    };
    match hint {
        Some(hint) => base.with_hint(hint),
        None => base,
    }
}

fn tls_hint(params: &ConnParams, err: &Error) -> String {
    let root = params
        .sslrootcert
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), |p| p.display().to_string());
    if mentions(err, "UnknownIssuer") || mentions(err, "unknown issuer") {
        format!("the server's certificate is not signed by a CA in sslrootcert {root}")
    } else if mentions(err, "NotValidForName") || mentions(err, "not valid for name") {
        "the server's certificate does not name the host connected to (sslmode=verify-full)"
            .to_owned()
    } else if mentions(err, "does not support TLS") || mentions(err, "server does not support") {
        format!("the server does not offer TLS but sslmode={} requires it", params.sslmode)
    } else {
        format!("TLS handshake failed (sslmode={}, sslrootcert {root})", params.sslmode)
    }
}

fn password_hint(params: &ConnParams, err: &Error) -> Option<String> {
    if !mentions(err, "password") {
        return None;
    }
    let mut hint = "no password was given (connection string, PGPASSWORD or ~/.pgpass)".to_owned();
    for warning in &params.warnings {
        hint.push_str("; ");
        hint.push_str(warning);
    }
    Some(hint)
}

/// Whether the error or any cause mentions `needle` (case-insensitive).
fn mentions(err: &Error, needle: &str) -> bool {
    let needle = needle.to_lowercase();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(c) = cause {
        if c.to_string().to_lowercase().contains(&needle)
            || format!("{c:?}").to_lowercase().contains(&needle)
        {
            return true;
        }
        cause = c.source();
    }
    false
}
