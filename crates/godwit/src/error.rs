//! Typed errors for the whole library.
//!
//! Every failure carries an [`ErrorKind`] that decides what happens next: [`ErrorKind::retry`]
//! says whether a worker may retry (connection loss, serialization failures) or must stop.
//! Database errors are classified by SQLSTATE in exactly one place, [`classify_sqlstate`], so the
//! retry policy for PostgreSQL and CockroachDB lives in one table.
//!
//! Messages name what failed and where (host, table, file:line) but never include a password or
//! row values; causes are attached as `source`, never interpolated, so the CLI can render the
//! chain on one line.

use std::fmt;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, at the granularity that decides retry vs fail and the CLI exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    // --- Configuration and input ---
    /// A flag, connection string or file the user gave is malformed.
    Config,
    /// Something the machine lacks (PostgreSQL binaries, a package, a file).
    Environment,
    // --- Connections ---
    /// The server could not be reached (refused, timed out, DNS); may succeed later.
    Unreachable,
    /// Authentication was rejected (wrong password, no pg_hba entry, missing client cert).
    Auth,
    /// TLS could not be set up or the server's certificate was not trusted.
    Tls,
    /// The named database, schema or object does not exist.
    NotFound,
    // --- Statements ---
    /// A definite SQL error: retrying the same statement gives the same answer.
    Sql,
    /// A transient error (serialization failure, admin shutdown, connection lost mid-query).
    Transient,
    // --- Local ---
    /// Reading or writing a local file or process failed.
    Io,
    /// A broken invariant inside godwit; always a bug.
    Internal,
}

/// What a worker should do after an error of a given kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retry after a backoff.
    Timed,
    /// Stop; a person has to change something first.
    Never,
}

impl ErrorKind {
    /// The retry directive for this kind: only unreachable servers and transient statement
    /// failures are retried.
    pub fn retry(self) -> Retry {
        match self {
            ErrorKind::Unreachable | ErrorKind::Transient => Retry::Timed,
            _ => Retry::Never,
        }
    }
}

/// The library error: a kind, a message naming what failed, an optional SQLSTATE and a cause.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    sqlstate: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message that names what failed.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into(), sqlstate: None, source: None }
    }

    /// Shorthand for a [`ErrorKind::Config`] error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// Shorthand for an [`ErrorKind::Internal`] error (a bug in godwit).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// An I/O failure on `what` (a path or a command), keeping the OS error as the cause.
    pub fn io(what: impl fmt::Display, source: std::io::Error) -> Self {
        Self::new(ErrorKind::Io, format!("{what}")).with_source(source)
    }

    /// Attach the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Wrap a `tokio_postgres` error that happened while doing `context` (e.g.
    /// `querying pg_class on postgresql://app@db/shop`). Server errors are classified by
    /// SQLSTATE; client-side errors (I/O, TLS, closed connection) by their cause.
    pub fn db(context: impl Into<String>, err: tokio_postgres::Error) -> Self {
        let context = context.into();
        if let Some(db) = err.as_db_error() {
            let code = db.code().code().to_owned();
            let server = ServerError {
                message: db.message().to_owned(),
                detail: db.detail().map(str::to_owned),
                hint: db.hint().map(str::to_owned),
                code: code.clone(),
            };
            let mut e = Self::new(classify_sqlstate(&code), context).with_source(server);
            e.sqlstate = Some(code);
            return e;
        }
        let kind = if err.is_closed() { ErrorKind::Transient } else { client_error_kind(&err) };
        Self::new(kind, context).with_source(err)
    }

    /// Wrap an error the server reported on a replication-protocol session
    /// ([`crate::cdc::transport`]) while doing `context`, classified by its SQLSTATE like any
    /// other server error.
    pub fn replication(context: impl Into<String>, server: ServerError) -> Self {
        let code = server.code.clone();
        let mut e = Self::new(classify_sqlstate(&code), context).with_source(server);
        e.sqlstate = Some(code);
        e
    }

    /// The kind, which decides retry and exit code.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The SQLSTATE when the error came from a server.
    pub fn sqlstate(&self) -> Option<&str> {
        self.sqlstate.as_deref()
    }

    /// The top-level message, without causes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Replace the kind (used when the caller knows better, e.g. TLS failures seen as I/O).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// Append a hint to the message (`what failed; what to do`), keeping kind and cause.
    pub fn with_hint(mut self, hint: impl fmt::Display) -> Self {
        self.message = format!("{}; {hint}", self.message);
        self
    }

    /// Prefix the message with more context (`while doing X`), keeping kind and cause.
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An error reported by the server, reduced to what a person needs: message, SQLSTATE, detail
/// and hint. Row values can appear in `detail` (e.g. duplicate keys), so it is shown only by
/// [`ServerError::detail`], never by `Display`.
#[derive(Debug, Clone)]
pub struct ServerError {
    /// The primary message.
    pub message: String,
    /// The five-character SQLSTATE.
    pub code: String,
    /// Optional DETAIL line (may contain values; not displayed).
    pub detail: Option<String>,
    /// Optional HINT line.
    pub hint: Option<String>,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (SQLSTATE {})", self.message, self.code)?;
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

/// The one place where SQLSTATEs become error kinds (PostgreSQL and CockroachDB share codes).
///
/// Definite classes (syntax, privileges, missing objects, constraint violations) are never
/// retried; serialization failures, deadlocks, admin shutdowns and connection exceptions are.
/// Unknown codes are treated as definite so that a bug never turns into an endless retry loop.
pub fn classify_sqlstate(code: &str) -> ErrorKind {
    match code {
        "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300" | "55P03" | "58C01" => {
            ErrorKind::Transient
        }
        "3D000" | "3F000" | "42P01" | "42704" | "42883" => ErrorKind::NotFound,
        "28P01" | "28000" => ErrorKind::Auth,
        _ if code.starts_with("08") => ErrorKind::Unreachable,
        _ if code.starts_with("28") => ErrorKind::Auth,
        _ => ErrorKind::Sql,
    }
}

/// Kind of a client-side `tokio_postgres` error, from the root of its cause chain.
fn client_error_kind(err: &tokio_postgres::Error) -> ErrorKind {
    // tokio-postgres exposes no kind accessor; its configuration errors are recognisable by
    // their fixed text. The server asking for a password we do not have is an auth problem.
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if text.contains("password missing") {
        return ErrorKind::Auth;
    }
    if text.starts_with("invalid configuration") {
        return ErrorKind::Config;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(c) = cause {
        if c.downcast_ref::<rustls::Error>().is_some() {
            return ErrorKind::Tls;
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) {
                return ErrorKind::Tls;
            }
            return ErrorKind::Unreachable;
        }
        cause = c.source();
    }
    ErrorKind::Unreachable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_server_errors_keep_their_sqlstate() {
        let server = |code: &str| ServerError {
            message: "logical decoding requires wal_level >= logical".into(),
            code: code.into(),
            detail: None,
            hint: None,
        };
        let e = Error::replication("creating slot s", server("55000"));
        assert_eq!(e.sqlstate(), Some("55000"));
        assert_eq!(e.kind(), ErrorKind::Sql);
        let e = Error::replication("streaming", server("57P01"));
        assert_eq!(e.kind(), ErrorKind::Transient);
    }

    #[test]
    fn sqlstates_map_to_kinds() {
        assert_eq!(classify_sqlstate("40001"), ErrorKind::Transient);
        assert_eq!(classify_sqlstate("57P01"), ErrorKind::Transient);
        assert_eq!(classify_sqlstate("08006"), ErrorKind::Unreachable);
        assert_eq!(classify_sqlstate("28P01"), ErrorKind::Auth);
        assert_eq!(classify_sqlstate("3D000"), ErrorKind::NotFound);
        assert_eq!(classify_sqlstate("42601"), ErrorKind::Sql);
        assert_eq!(classify_sqlstate("23505"), ErrorKind::Sql);
        assert_eq!(classify_sqlstate("XX000"), ErrorKind::Sql);
    }

    #[test]
    fn only_transient_kinds_retry() {
        assert_eq!(ErrorKind::Transient.retry(), Retry::Timed);
        assert_eq!(ErrorKind::Unreachable.retry(), Retry::Timed);
        assert_eq!(ErrorKind::Sql.retry(), Retry::Never);
        assert_eq!(ErrorKind::Auth.retry(), Retry::Never);
    }

    #[test]
    fn server_error_display_hides_detail() {
        let e = ServerError {
            message: "duplicate key value violates unique constraint \"t_pkey\"".into(),
            code: "23505".into(),
            detail: Some("Key (id)=(42) already exists.".into()),
            hint: None,
        };
        let shown = e.to_string();
        assert!(shown.contains("23505"));
        assert!(!shown.contains("42"), "row values must not be displayed: {shown}");
    }
}
