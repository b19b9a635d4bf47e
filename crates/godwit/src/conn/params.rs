//! libpq-compatible connection parameters: parsing, resolution and redaction.
//!
//! People hand godwit the same connection strings they give `psql`, so this module behaves like
//! libpq (PostgreSQL 15 docs, "Connection Strings", "Environment Variables", "The Password
//! File"): `postgresql://` URIs and `keyword=value` strings, comma-separated host and port
//! lists, per-parameter precedence of explicit value > `PG*` environment variable > default,
//! `~/.pgpass` lookup, `~/.postgresql` certificate defaults, and the libpq 16 rule that
//! `sslrootcert=system` implies `sslmode=verify-full`.
//!
//! Resolution is pure apart from existence checks on files under `~/.postgresql`, the password
//! file and the default socket directory; the process environment comes in as an
//! [`Environment`] value so tests can inject it. Passwords never appear in `Debug` output, in
//! [`ConnParams::redacted`] or in error messages; use [`redact`] before quoting any raw
//! connection string.

mod parse;
mod redact;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::pgpass::{self, PgPassLookup};
use crate::error::{Error, Result};
use parse::RawParams;

pub use redact::redact;

/// libpq's default port.
pub const DEFAULT_PORT: u16 = 5432;
/// The `application_name` godwit reports unless told otherwise.
pub const DEFAULT_APPLICATION_NAME: &str = "godwit";
/// Debian's libpq socket directory, used when it exists.
const DEBIAN_SOCKET_DIR: &str = "/var/run/postgresql";
/// The upstream libpq socket directory, used otherwise.
const FALLBACK_SOCKET_DIR: &str = "/tmp";

/// How hard the client insists on TLS, with libpq's names and meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never use TLS.
    Disable,
    /// Try without TLS first, then with it.
    Allow,
    /// Try TLS first, then without it (libpq's default).
    Prefer,
    /// Require TLS but do not verify the certificate.
    Require,
    /// Require TLS and a certificate signed by a trusted root.
    VerifyCa,
    /// Require TLS, a trusted certificate and a matching host name.
    VerifyFull,
}

impl SslMode {
    /// Every mode, weakest first.
    pub const ALL: [SslMode; 6] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// The libpq spelling (`verify-full`).
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether the server certificate must chain to a trusted root.
    pub fn verifies_certificate(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }

    /// Whether the server certificate must also match the host name.
    pub fn verifies_hostname(self) -> bool {
        self == SslMode::VerifyFull
    }
}

impl FromStr for SslMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SslMode::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
            let valid = SslMode::ALL.map(SslMode::as_str).join(", ");
            Error::config(format!(
                "invalid sslmode value: \"{}\" (expected one of {valid})",
                redact(s)
            ))
        })
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One server to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSpec {
    /// A TCP server; `host` has no brackets for IPv6. With `hostaddr` the connection goes to
    /// that address and `host` is only used for certificate checks and `.pgpass`.
    Tcp { host: String, hostaddr: Option<IpAddr>, port: u16 },
    /// A Unix-domain socket `{dir}/.s.PGSQL.{port}`.
    Unix { dir: PathBuf, port: u16 },
}

impl HostSpec {
    /// The port (also part of a socket's file name).
    pub fn port(&self) -> u16 {
        match self {
            HostSpec::Tcp { port, .. } | HostSpec::Unix { port, .. } => *port,
        }
    }

    /// Whether this is a TCP host (the only kind that uses TLS).
    pub fn is_tcp(&self) -> bool {
        matches!(self, HostSpec::Tcp { .. })
    }

    /// The socket file of a Unix-domain host, as libpq names it.
    pub fn socket_path(&self) -> Option<PathBuf> {
        match self {
            HostSpec::Unix { dir, port } => Some(dir.join(format!(".s.PGSQL.{port}"))),
            HostSpec::Tcp { .. } => None,
        }
    }
}

impl fmt::Display for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostSpec::Tcp { host, port, .. } if host.contains(':') => write!(f, "[{host}]:{port}"),
            HostSpec::Tcp { host, port, .. } => write!(f, "{host}:{port}"),
            HostSpec::Unix { dir, port } => write!(f, "{}:{port}", dir.display()),
        }
    }
}

/// A password that never shows in Debug/Display ("********").
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wrap a clear-text password.
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }

    /// The clear text, for the authentication exchange only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Where the password came from, for messages such as "password from ~/.pgpass was rejected".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// No password was found.
    None,
    /// The connection string gave it.
    Given,
    /// `PGPASSWORD` gave it.
    Environment,
    /// This password file gave it.
    PgPass(PathBuf),
}

/// Fully resolved parameters, ready to connect.
#[derive(Debug, Clone)]
pub struct ConnParams {
    /// At least one; tried in order.
    pub hosts: Vec<HostSpec>,
    /// The database role.
    pub user: String,
    /// The password, if any source had one.
    pub password: Option<Password>,
    /// Which source the password came from.
    pub password_source: PasswordSource,
    /// The database name.
    pub dbname: String,
    /// The TLS requirement (irrelevant for Unix-domain sockets, but kept).
    pub sslmode: SslMode,
    /// Explicit or environment root certificate, or `~/.postgresql/root.crt` when it exists;
    /// `sslrootcert=system` is kept as `PathBuf::from("system")`.
    pub sslrootcert: Option<PathBuf>,
    /// Client certificate (explicit, or the `~/.postgresql` default when cert and key exist).
    pub sslcert: Option<PathBuf>,
    /// Client key (explicit, or the `~/.postgresql` default when cert and key exist).
    pub sslkey: Option<PathBuf>,
    /// `application_name`, `PGAPPNAME`, `fallback_application_name` or "godwit".
    pub application_name: String,
    /// `None` means wait forever; libpq raises 1 second to 2.
    pub connect_timeout: Option<Duration>,
    /// libpq `options` (e.g. `-c search_path=x`).
    pub options: Option<String>,
    /// Things the user should know, e.g. a password file refused because of its permissions.
    pub warnings: Vec<String>,
}

/// Process facts the resolution depends on, injectable for tests.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Environment variables (only the `PG*` ones are read).
    pub vars: HashMap<String, String>,
    /// The home directory, for `~/.pgpass` and `~/.postgresql`.
    pub home: Option<PathBuf>,
    /// The operating-system user name, the default database user.
    pub os_user: Option<String>,
}

impl Environment {
    /// The current process: its variables, `$HOME` (or the passwd entry's directory) and the
    /// effective user's name. Variables that are not valid UTF-8 are skipped.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let entry = nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten();
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| entry.as_ref().map(|u| u.dir.clone()));
        Environment { vars, home, os_user: entry.map(|u| u.name) }
    }

    /// A variable's value; empty counts as unset.
    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// `~/.postgresql/{name}`, when the home directory is known.
    fn pg_file(&self, name: &str) -> Option<PathBuf> {
        self.home.as_ref().map(|h| h.join(".postgresql").join(name))
    }
}

/// The parsed string plus the environment: one place for "explicit > env var".
struct Sources<'a> {
    raw: &'a RawParams,
    env: &'a Environment,
}

impl Sources<'_> {
    fn get(&self, keyword: &str, var: &str) -> Option<&str> {
        self.raw.get(keyword).or_else(|| self.env.var(var))
    }
}

impl ConnParams {
    /// Parse a libpq URI or key=value string and resolve it against env vars, defaults and pgpass.
    pub fn resolve(input: &str, env: &Environment) -> Result<ConnParams> {
        Self::resolve_unscrubbed(input, env).map_err(|e| redact::scrub_error(input, e))
    }

    /// [`ConnParams::resolve`] before the final check that errors quote no password.
    fn resolve_unscrubbed(input: &str, env: &Environment) -> Result<ConnParams> {
        let raw = parse::parse(input)?;
        let src = Sources { raw: &raw, env };
        let user = src.get("user", "PGUSER").map(str::to_owned).or_else(|| env.os_user.clone());
        let user = user.ok_or_else(|| {
            Error::config(
                "could not determine the user name: set user in the connection string or PGUSER",
            )
        })?;
        let dbname = src.get("dbname", "PGDATABASE").map_or_else(|| user.clone(), str::to_owned);
        let hosts = resolve_hosts(&src)?;
        let tls = resolve_tls(&src, &hosts)?;
        check_target_session_attrs(&src)?;
        let mut params = ConnParams {
            hosts,
            user,
            password: None,
            password_source: PasswordSource::None,
            dbname,
            sslmode: tls.mode,
            sslrootcert: tls.rootcert,
            sslcert: tls.cert,
            sslkey: tls.key,
            application_name: application_name(&src),
            connect_timeout: connect_timeout(&src)?,
            options: src.get("options", "PGOPTIONS").map(str::to_owned),
            warnings: Vec::new(),
        };
        if raw.contains("sslpassword") {
            params
                .warnings
                .push("sslpassword is ignored: encrypted client keys are not supported".to_owned());
        }
        params.fill_password(&src);
        Ok(params)
    }

    /// A display form that never contains the password: a postgresql:// URI with the password
    /// omitted (user@host:port/db plus sslmode when not prefer), suitable for logs and errors.
    pub fn redacted(&self) -> String {
        let hosts: Vec<String> = self.hosts.iter().map(uri_host).collect();
        let mut out = format!(
            "postgresql://{}@{}/{}",
            utf8_percent_encode(&self.user, URI_COMPONENT),
            hosts.join(","),
            utf8_percent_encode(&self.dbname, URI_COMPONENT),
        );
        if self.sslmode != SslMode::Prefer {
            out.push_str("?sslmode=");
            out.push_str(self.sslmode.as_str());
        }
        out
    }

    /// Password precedence: explicit > `PGPASSWORD` > password file (first host only).
    fn fill_password(&mut self, src: &Sources<'_>) {
        if let Some(p) = src.raw.get("password") {
            self.password = Some(Password::new(p));
            self.password_source = PasswordSource::Given;
            return;
        }
        if let Some(p) = src.env.var("PGPASSWORD") {
            self.password = Some(Password::new(p));
            self.password_source = PasswordSource::Environment;
            return;
        }
        let file = src.get("passfile", "PGPASSFILE").map(PathBuf::from);
        let Some(file) = file.or_else(|| src.env.home.as_ref().map(|h| h.join(".pgpass"))) else {
            return;
        };
        let Some(first) = self.hosts.first() else {
            return;
        };
        let names = pgpass_host_names(first);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match pgpass::lookup_hosts(&file, &names, first.port(), &self.dbname, &self.user) {
            PgPassLookup::Found(p) => {
                self.password = Some(Password::new(p));
                self.password_source = PasswordSource::PgPass(file);
            }
            PgPassLookup::Refused(reason) => self.warnings.push(reason),
            PgPassLookup::NotFound | PgPassLookup::Missing => {}
        }
    }
}

/// Characters left as they are in URI components of [`ConnParams::redacted`].
const URI_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A host in URI form: IPv6 in brackets, socket directories percent-encoded.
fn uri_host(host: &HostSpec) -> String {
    match host {
        HostSpec::Tcp { host, port, .. } if host.contains(':') => {
            format!("[{}]:{port}", host.replace('%', "%25"))
        }
        HostSpec::Tcp { host, port, .. } => {
            format!("{}:{port}", utf8_percent_encode(host, URI_COMPONENT))
        }
        HostSpec::Unix { dir, port } => {
            format!("{}:{port}", utf8_percent_encode(&dir.to_string_lossy(), URI_COMPONENT))
        }
    }
}

/// Host names a password-file line may use for `host`: libpq matches a socket as `localhost`;
/// the socket directory itself is accepted too.
fn pgpass_host_names(host: &HostSpec) -> Vec<String> {
    match host {
        HostSpec::Tcp { host, .. } => vec![host.clone()],
        HostSpec::Unix { dir, .. } => vec!["localhost".to_owned(), dir.to_string_lossy().into()],
    }
}

/// The socket directory used when no host is given: Debian's when it exists, else `/tmp`.
pub fn default_socket_dir() -> PathBuf {
    let debian = Path::new(DEBIAN_SOCKET_DIR);
    if debian.is_dir() { debian.to_path_buf() } else { PathBuf::from(FALLBACK_SOCKET_DIR) }
}

/// A comma list as libpq splits it: `None` for unset, empty entries kept (they mean default).
fn split_list(value: Option<&str>) -> Vec<&str> {
    value.map(|v| v.split(',').collect()).unwrap_or_default()
}

/// Hosts from `host`, `hostaddr` and `port`, with libpq's list-length rules.
fn resolve_hosts(src: &Sources<'_>) -> Result<Vec<HostSpec>> {
    let hosts = split_list(src.get("host", "PGHOST"));
    let addrs = split_list(src.get("hostaddr", "PGHOSTADDR"));
    let ports = split_list(src.get("port", "PGPORT"));
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(Error::config(format!(
            "could not match {} host names to {} hostaddr values",
            hosts.len(),
            addrs.len()
        )));
    }
    let count = hosts.len().max(addrs.len()).max(1);
    if ports.len() > 1 && ports.len() != count {
        return Err(Error::config(format!(
            "could not match {} port numbers to {count} hosts",
            ports.len()
        )));
    }
    (0..count)
        .map(|i| {
            let port = parse_port(ports.get(i).or(ports.first()).copied().unwrap_or(""))?;
            host_spec(
                hosts.get(i).copied().unwrap_or(""),
                addrs.get(i).copied().unwrap_or(""),
                port,
            )
        })
        .collect()
}

/// A port entry: empty means 5432; otherwise 1..=65535.
fn parse_port(value: &str) -> Result<u16> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(DEFAULT_PORT);
    }
    let port = trimmed.bytes().all(|b| b.is_ascii_digit()).then(|| trimmed.parse::<u16>().ok());
    match port.flatten() {
        Some(p) if p > 0 => Ok(p),
        _ => Err(Error::config(format!("invalid port number: \"{}\"", redact(value)))),
    }
}

/// One host entry: `hostaddr` wins for the address, a leading `/` means a socket directory,
/// nothing at all means the default socket directory.
fn host_spec(host: &str, addr: &str, port: u16) -> Result<HostSpec> {
    if !addr.is_empty() {
        let ip: IpAddr = addr.trim().parse().map_err(|_| {
            Error::config(format!("could not parse network address \"{}\"", redact(addr)))
        })?;
        let host = if host.is_empty() { ip.to_string() } else { host.to_owned() };
        return Ok(HostSpec::Tcp { host, hostaddr: Some(ip), port });
    }
    Ok(if host.starts_with('/') {
        HostSpec::Unix { dir: PathBuf::from(host), port }
    } else if host.is_empty() {
        HostSpec::Unix { dir: default_socket_dir(), port }
    } else {
        HostSpec::Tcp { host: host.to_owned(), hostaddr: None, port }
    })
}

/// Resolved TLS settings.
struct Tls {
    mode: SslMode,
    rootcert: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

/// sslmode, root certificate and client certificate, with libpq's checks.
fn resolve_tls(src: &Sources<'_>, hosts: &[HostSpec]) -> Result<Tls> {
    let explicit_root = src.get("sslrootcert", "PGSSLROOTCERT").map(PathBuf::from);
    let system = explicit_root.as_deref() == Some(Path::new("system"));
    let mode = resolve_sslmode(src, system)?;
    let default_root = src.env.pg_file("root.crt");
    let rootcert = explicit_root.or_else(|| default_root.clone().filter(|p| p.is_file()));
    if mode.verifies_certificate() && !system && hosts.iter().any(HostSpec::is_tcp) {
        check_root_cert(rootcert.as_deref(), default_root.as_deref())?;
    }
    let (cert, key) = client_cert(src);
    Ok(Tls { mode, rootcert, cert, key })
}

/// sslmode from the string or `PGSSLMODE`; `verify-full` by default with `sslrootcert=system`,
/// which refuses anything weaker (libpq 16).
fn resolve_sslmode(src: &Sources<'_>, system: bool) -> Result<SslMode> {
    let mode = match src.get("sslmode", "PGSSLMODE") {
        Some(s) => s.parse()?,
        None if system => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if system && mode != SslMode::VerifyFull {
        return Err(Error::config(format!(
            "weak sslmode \"{mode}\" may not be used with sslrootcert=system (use \"verify-full\")"
        )));
    }
    Ok(mode)
}

/// Certificate verification needs a root certificate file that exists.
fn check_root_cert(rootcert: Option<&Path>, default_root: Option<&Path>) -> Result<()> {
    let missing = match rootcert {
        Some(path) if path.exists() => return Ok(()),
        Some(path) => redact(&path.display().to_string()),
        None => default_root
            .map_or_else(|| "~/.postgresql/root.crt".to_owned(), |p| p.display().to_string()),
    };
    Err(Error::config(format!(
        "root certificate file \"{missing}\" does not exist; either provide the file, use the \
         system's trusted roots with sslrootcert=system, or change sslmode to disable server \
         certificate verification"
    )))
}

/// Client certificate and key: explicit values, else the `~/.postgresql` pair when both exist.
fn client_cert(src: &Sources<'_>) -> (Option<PathBuf>, Option<PathBuf>) {
    let cert = src.get("sslcert", "PGSSLCERT").map(PathBuf::from);
    let key = src.get("sslkey", "PGSSLKEY").map(PathBuf::from);
    let pair = match (src.env.pg_file("postgresql.crt"), src.env.pg_file("postgresql.key")) {
        (Some(c), Some(k)) if c.is_file() && k.is_file() => Some((c, k)),
        _ => None,
    };
    let (default_cert, default_key) = pair.unzip();
    (cert.or(default_cert), key.or(default_key))
}

/// `application_name` > `PGAPPNAME` > `fallback_application_name` > "godwit".
fn application_name(src: &Sources<'_>) -> String {
    src.get("application_name", "PGAPPNAME")
        .or_else(|| src.raw.get("fallback_application_name"))
        .unwrap_or(DEFAULT_APPLICATION_NAME)
        .to_owned()
}

/// Whole seconds; 0 or negative waits forever, 1 becomes 2 (libpq).
fn connect_timeout(src: &Sources<'_>) -> Result<Option<Duration>> {
    let Some(value) = src.get("connect_timeout", "PGCONNECT_TIMEOUT") else {
        return Ok(None);
    };
    let secs: i64 = value.trim().parse().map_err(|_| {
        Error::config(format!(
            "invalid integer value \"{}\" for connection option \"connect_timeout\"",
            redact(value)
        ))
    })?;
    Ok(u64::try_from(secs).ok().filter(|s| *s > 0).map(|s| Duration::from_secs(s.max(2))))
}

/// godwit connects to one server and does not check its role, so only `any` is accepted.
fn check_target_session_attrs(src: &Sources<'_>) -> Result<()> {
    match src.get("target_session_attrs", "PGTARGETSESSIONATTRS") {
        None | Some("any") => Ok(()),
        Some(v @ ("read-write" | "read-only" | "primary" | "standby" | "prefer-standby")) => {
            Err(Error::config(format!(
                "target_session_attrs \"{v}\" is not supported by godwit (only \"any\" is)"
            )))
        }
        Some(v) => {
            Err(Error::config(format!("invalid target_session_attrs value: \"{}\"", redact(v))))
        }
    }
}

#[cfg(test)]
mod tests;
