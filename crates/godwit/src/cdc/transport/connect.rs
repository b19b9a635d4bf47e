//! Opening a replication session: socket, TLS, startup message, authentication.
//!
//! Hosts are tried in the order the connection string lists them, as libpq does, each within
//! `connect_timeout`. TLS follows libpq's `sslmode` with the verification policy of
//! [`crate::conn::tls`] (the same rustls configuration as every other connection): `disable`
//! and `allow` connect without TLS, `prefer` asks for it and accepts a refusal, the others
//! require it. Unix-domain sockets never use TLS. Authentication: trust, cleartext password,
//! MD5 and SCRAM-SHA-256 (without channel binding: the client says it does not support it,
//! which every server accepts).

use std::sync::Arc;

use bytes::BytesMut;
use postgres_protocol::authentication::{md5_hash, sasl};
use postgres_protocol::message::{backend, frontend};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;

use super::codec::{self, Backend, BackendMessage};
use super::{Socket, Transport, read_backend};
use crate::conn::params::HostSpec;
use crate::conn::{ConnParams, SslMode, tls};
use crate::error::{Error, ErrorKind, Result};

const SCRAM: &str = "SCRAM-SHA-256";

/// Connect to the first host that answers and authenticate.
pub(super) async fn open(params: &ConnParams, options: Option<&str>) -> Result<Transport> {
    let target = params.redacted();
    let tls_config = tls::client_config(params)?.map(Arc::new);
    let mut last = None;
    for host in &params.hosts {
        let attempt = socket(params, host, tls_config.as_ref());
        let attempt = match params.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, attempt).await.unwrap_or_else(|_| {
                Err(Error::new(ErrorKind::Unreachable, format!("connecting to {host} timed out")))
            }),
            None => attempt.await,
        };
        match attempt {
            Ok(socket) => {
                let context = format!("opening a replication session on {target}");
                return start(socket, params, options, target)
                    .await
                    .map_err(|e| e.context(context));
            }
            Err(e) if e.kind() == ErrorKind::Unreachable => last = Some(e),
            Err(e) => return Err(e.context(format!("opening a replication session on {target}"))),
        }
    }
    let error = last.unwrap_or_else(|| Error::config("no host to connect to"));
    Err(error.context(format!("opening a replication session on {target}")))
}

/// A socket to `host`, with TLS when `sslmode` asks for it and the server agrees.
async fn socket(
    params: &ConnParams,
    host: &HostSpec,
    tls_config: Option<&Arc<rustls::ClientConfig>>,
) -> Result<Box<dyn Socket>> {
    let unreachable = |e: std::io::Error| {
        Error::new(ErrorKind::Unreachable, format!("could not connect to {host}")).with_source(e)
    };
    let (name, mut tcp) = match host {
        HostSpec::Unix { .. } => {
            let path = host.socket_path().unwrap_or_default();
            let unix = UnixStream::connect(&path).await.map_err(unreachable)?;
            return Ok(Box::new(unix));
        }
        HostSpec::Tcp { host: name, hostaddr: Some(addr), port } => {
            (name, TcpStream::connect((*addr, *port)).await.map_err(unreachable)?)
        }
        HostSpec::Tcp { host: name, hostaddr: None, port } => {
            (name, TcpStream::connect((name.as_str(), *port)).await.map_err(unreachable)?)
        }
    };
    let _ = tcp.set_nodelay(true);
    let config = match (params.sslmode, tls_config) {
        (SslMode::Disable | SslMode::Allow, _) | (_, None) => return Ok(Box::new(tcp)),
        (_, Some(config)) => Arc::clone(config),
    };
    let mut request = BytesMut::new();
    frontend::ssl_request(&mut request);
    tcp.write_all(&request).await.map_err(unreachable)?;
    match tcp.read_u8().await.map_err(unreachable)? {
        b'S' => {
            let server_name = ServerName::try_from(name.clone())
                .map_err(|e| Error::config(format!("invalid host name {name:?}")).with_source(e))?;
            let stream =
                TlsConnector::from(config).connect(server_name, tcp).await.map_err(|e| {
                    Error::new(ErrorKind::Tls, format!("TLS handshake with {host} failed"))
                        .with_source(e)
                })?;
            Ok(Box::new(stream))
        }
        b'N' if params.sslmode == SslMode::Prefer => Ok(Box::new(tcp)),
        b'N' => Err(Error::new(
            ErrorKind::Tls,
            format!("{host} does not offer TLS but sslmode={} requires it", params.sslmode),
        )),
        other => Err(Error::new(
            ErrorKind::Unreachable,
            format!("{host} answered the TLS request with {other:#04x}: not a PostgreSQL server?"),
        )),
    }
}

/// Send the startup message, authenticate, and wait until the server is ready.
async fn start(
    socket: Box<dyn Socket>,
    params: &ConnParams,
    options: Option<&str>,
    target: String,
) -> Result<Transport> {
    let mut transport = Transport {
        socket,
        read: BytesMut::new(),
        write: BytesMut::new(),
        server_version: String::new(),
        target,
    };
    let all_options = [params.options.as_deref(), options].into_iter().flatten();
    let all_options = all_options.collect::<Vec<_>>().join(" ");
    let mut startup = vec![
        ("user", params.user.as_str()),
        ("database", params.dbname.as_str()),
        ("replication", "database"),
        ("application_name", params.application_name.as_str()),
        ("client_encoding", "UTF8"),
    ];
    if !all_options.is_empty() {
        startup.push(("options", all_options.as_str()));
    }
    frontend::startup_message(startup, &mut transport.write)
        .map_err(|e| Error::config("a connection parameter holds a NUL byte").with_source(e))?;
    transport.flush_writes("sending the startup message").await?;
    authenticate(&mut transport, params).await?;
    ready(&mut transport).await?;
    Ok(transport)
}

/// Answer the server's authentication requests until it accepts (or refuses) the login.
async fn authenticate(transport: &mut Transport, params: &ConnParams) -> Result<()> {
    let mut scram: Option<sasl::ScramSha256> = None;
    loop {
        let message = match next(transport).await? {
            backend::Message::AuthenticationOk => return Ok(()),
            other => other,
        };
        let password = || password(params);
        match message {
            backend::Message::AuthenticationCleartextPassword => {
                write(frontend::password_message(password()?.as_bytes(), &mut transport.write))?;
            }
            backend::Message::AuthenticationMd5Password(body) => {
                let hash = md5_hash(params.user.as_bytes(), password()?.as_bytes(), body.salt());
                write(frontend::password_message(hash.as_bytes(), &mut transport.write))?;
            }
            backend::Message::AuthenticationSasl(body) => {
                let mut offered = Vec::new();
                let mut mechanisms = body.mechanisms();
                while let Ok(Some(m)) = fallible_iterator::FallibleIterator::next(&mut mechanisms) {
                    offered.push(m.to_owned());
                }
                if !offered.iter().any(|m| m == SCRAM) {
                    return Err(auth(format!("the server offers only {offered:?}")));
                }
                let client = sasl::ScramSha256::new(
                    password()?.as_bytes(),
                    sasl::ChannelBinding::unsupported(),
                );
                let first =
                    frontend::sasl_initial_response(SCRAM, client.message(), &mut transport.write);
                write(first)?;
                scram = Some(client);
            }
            backend::Message::AuthenticationSaslContinue(body) => {
                let client =
                    scram.as_mut().ok_or_else(|| auth("SCRAM continued before it began"))?;
                client
                    .update(body.data())
                    .map_err(|e| auth("SCRAM exchange failed").with_source(e))?;
                write(frontend::sasl_response(client.message(), &mut transport.write))?;
            }
            backend::Message::AuthenticationSaslFinal(body) => {
                let client = scram.as_mut().ok_or_else(|| auth("SCRAM ended before it began"))?;
                client.finish(body.data()).map_err(|e| {
                    auth("the server's SCRAM signature does not match").with_source(e)
                })?;
                continue;
            }
            _ => {
                return Err(auth(
                    "the server asks for an authentication method godwit does not speak (trust, password, md5 and scram-sha-256 are supported)",
                ));
            }
        }
        transport.flush_writes("authenticating").await?;
    }
}

/// Wait for `ReadyForQuery`, keeping `server_version`.
async fn ready(transport: &mut Transport) -> Result<()> {
    loop {
        match next(transport).await? {
            backend::Message::ReadyForQuery(_) => return Ok(()),
            backend::Message::ParameterStatus(status)
                if status.name().is_ok_and(|n| n == "server_version") =>
            {
                transport.server_version = status.value().unwrap_or_default().to_owned();
            }
            _ => {}
        }
    }
}

/// The next ordinary message during startup; an error response becomes our error.
async fn next(transport: &mut Transport) -> Result<backend::Message> {
    loop {
        let message =
            read_backend(&mut *transport.socket, &mut transport.read, &transport.target).await?;
        match message {
            Backend::Message(BackendMessage(backend::Message::ErrorResponse(e))) => {
                let server = codec::server_error(e.fields());
                return Err(Error::replication("logging in", server));
            }
            Backend::Message(BackendMessage(backend::Message::NoticeResponse(_))) => {}
            Backend::Message(BackendMessage(message)) => return Ok(message),
            _ => return Err(Error::internal("the server sent copy data during startup")),
        }
    }
}

fn password(params: &ConnParams) -> Result<&str> {
    match &params.password {
        Some(p) => Ok(p.expose()),
        None => {
            let mut hint =
                "no password was given (connection string, PGPASSWORD or ~/.pgpass)".to_owned();
            for warning in &params.warnings {
                hint.push_str("; ");
                hint.push_str(warning);
            }
            Err(auth("the server asks for a password").with_hint(hint))
        }
    }
}

fn auth(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Auth, message)
}

fn write(result: std::io::Result<()>) -> Result<()> {
    result.map_err(|e| Error::internal("encoding an authentication message").with_source(e))
}
