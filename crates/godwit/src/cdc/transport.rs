//! godwit's own replication-protocol connection (`replication=database`).
//!
//! tokio-postgres cannot open replication sessions, and the crates that can either start
//! pgoutput at protocol version 1 with options we do not want or consume its Begin and Commit
//! messages themselves. Streaming large in-progress transactions needs protocol version 2
//! (`streaming 'on'`), so this module speaks the protocol itself: `postgres-protocol` writes
//! and parses the ordinary messages and computes MD5 and SCRAM-SHA-256 answers, [`codec`]
//! frames the stream and handles what is specific to replication, and `connect` opens the
//! socket, TLS and session from the same [`ConnParams`] as every other connection (first
//! reachable host of the list, `sslmode` as libpq, password from the URL, environment or
//! `.pgpass`).
//!
//! PostgreSQL behaviour relied on:
//!
//! - a `replication=database` session accepts replication commands (`IDENTIFY_SYSTEM`,
//!   `CREATE_REPLICATION_SLOT`, `START_REPLICATION`) and plain SQL through the simple query
//!   protocol only;
//! - `START_REPLICATION ... LOGICAL` answers `CopyBothResponse`, then sends `CopyData`
//!   messages (XLogData `w`, keepalive `k`) and reads standby status updates (`r`); when the
//!   server asks for a reply (keepalive with the reply flag) and gets none within
//!   `wal_sender_timeout`, it ends the session, so long work must send a status now and then;
//! - the client ends streaming with `CopyDone`; the server answers `CopyDone`,
//!   `CommandComplete` and `ReadyForQuery`.
//!
//! Reading is cancellation-safe ([`Transport::recv`] may be dropped in a `select!` without
//! losing bytes): bytes read stay in the transport's buffer until a whole message is there.

pub mod codec;
mod connect;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use postgres_protocol::message::{backend, frontend};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use self::codec::{Backend, BackendMessage, Replication, StandbyStatus};
use crate::conn::ConnParams;
use crate::error::{Error, ErrorKind, Result};

/// Spare room kept in the read buffer before each read from the socket.
const READ_CHUNK: usize = 64 * 1024;

/// How long [`Transport::finish`] waits for the server to end streaming cleanly.
const FINISH_TIMEOUT: Duration = Duration::from_secs(2);

/// A row of a simple-query result: text values, `None` for NULL.
pub type Row = Vec<Option<Bytes>>;

/// A byte stream to the server: TCP, TLS over TCP, or a Unix-domain socket.
trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

/// An authenticated replication session.
pub struct Transport {
    socket: Box<dyn Socket>,
    read: BytesMut,
    write: BytesMut,
    server_version: String,
    target: String,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("target", &self.target)
            .field("server_version", &self.server_version)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Connect to the first reachable host of `params` and authenticate a
    /// `replication=database` session; `options` are appended to the `options` startup
    /// parameter (e.g. `-c datestyle=ISO`).
    ///
    /// # Errors
    ///
    /// Unreachable when no host answers, TLS when `sslmode` cannot be met, Auth when the server
    /// refuses the login or asks for a password none of the sources gave, and the server's
    /// own error (classified by SQLSTATE) otherwise.
    pub async fn connect(params: &ConnParams, options: Option<&str>) -> Result<Transport> {
        connect::open(params, options).await
    }

    /// The server's `server_version` as it reported it at startup (e.g. `15.4 (Debian ...)`).
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// The server's major version (`15` for 15.4, `9` for 9.6), if it reported one.
    pub fn server_major(&self) -> Option<u32> {
        let digits: String = self.server_version.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// Run `sql` with the simple query protocol and return the rows of its (last) result.
    ///
    /// # Errors
    ///
    /// The server's error (after it is ready for the next command), or a transient error when
    /// the connection fails.
    pub async fn simple_query(&mut self, sql: &str) -> Result<Vec<Row>> {
        self.query(sql).await?;
        let mut rows = Vec::new();
        let mut failed = None;
        loop {
            match self.read_backend().await? {
                Backend::Message(BackendMessage(message)) => match message {
                    backend::Message::DataRow(row) => {
                        rows.push(codec::data_row(&row).map_err(|e| self.protocol_error(e))?);
                    }
                    backend::Message::RowDescription(_) => rows.clear(),
                    backend::Message::ErrorResponse(e) => {
                        failed = Some(codec::server_error(e.fields()));
                    }
                    backend::Message::ReadyForQuery(_) => break,
                    _ => {}
                },
                other => return Err(self.unexpected("a simple query", &other)),
            }
        }
        match failed {
            Some(server) => {
                Err(Error::replication(format!("running a command on {}", self.target), server))
            }
            None => Ok(rows),
        }
    }

    /// Send `START_REPLICATION ...` (`sql`) and wait until the server streams.
    ///
    /// # Errors
    ///
    /// The server's error (unknown slot, slot in use: 55006, bad options), or a transient error
    /// when the connection fails.
    pub async fn start_copy_both(&mut self, sql: &str) -> Result<()> {
        self.query(sql).await?;
        loop {
            match self.read_backend().await? {
                Backend::CopyBothResponse => return Ok(()),
                Backend::Message(BackendMessage(backend::Message::ErrorResponse(e))) => {
                    let server = codec::server_error(e.fields());
                    let context = format!("starting replication on {}", self.target);
                    return Err(Error::replication(context, server));
                }
                Backend::Message(BackendMessage(
                    backend::Message::NoticeResponse(_) | backend::Message::ParameterStatus(_),
                )) => {}
                other => return Err(self.unexpected("START_REPLICATION", &other)),
            }
        }
    }

    /// The next XLogData or keepalive of the stream; `None` when the server ended it
    /// (`CopyDone`). Cancellation-safe.
    ///
    /// # Errors
    ///
    /// The server's error (e.g. 57P01 when its backend is terminated), a transient error when
    /// the connection fails or closes, internal when the bytes break the protocol.
    pub async fn recv(&mut self) -> Result<Option<Replication>> {
        loop {
            match self.read_backend().await? {
                Backend::CopyData(payload) => {
                    return codec::parse_replication(payload)
                        .map(Some)
                        .map_err(|e| self.protocol_error(e));
                }
                Backend::Message(BackendMessage(message)) => match message {
                    backend::Message::ErrorResponse(e) => {
                        let server = codec::server_error(e.fields());
                        let context = format!("reading the replication stream of {}", self.target);
                        return Err(Error::replication(context, server));
                    }
                    // A walsender stopping with its server (fast or smart shutdown) ends the
                    // stream with CommandComplete ("COPY 0") and no CopyDone (WalSndDone).
                    backend::Message::CopyDone | backend::Message::CommandComplete(_) => {
                        return Ok(None);
                    }
                    backend::Message::NoticeResponse(_) | backend::Message::ParameterStatus(_) => {}
                    _ => {
                        return Err(Error::internal(format!(
                            "{} sent an unexpected message in the replication stream",
                            self.target
                        )));
                    }
                },
                Backend::CopyBothResponse => {
                    return Err(Error::internal(format!(
                        "{} sent a second CopyBothResponse",
                        self.target
                    )));
                }
            }
        }
    }

    /// Send a standby status update.
    ///
    /// # Errors
    ///
    /// A transient error when the connection fails.
    pub async fn send_status(&mut self, status: StandbyStatus) -> Result<()> {
        codec::write_standby_status(status, &mut self.write);
        self.flush_writes("sending a standby status update").await
    }

    /// End streaming cleanly: `CopyDone`, wait (briefly) for the server to finish, then
    /// `Terminate`. Statuses sent before are processed by the server before it answers.
    ///
    /// # Errors
    ///
    /// A transient error when the connection fails; the server's error if it reports one.
    pub async fn finish(mut self) -> Result<()> {
        frontend::copy_done(&mut self.write);
        self.flush_writes("ending the replication stream").await?;
        let drained = tokio::time::timeout(FINISH_TIMEOUT, self.drain_to_ready()).await;
        if let Ok(result) = drained {
            result?;
        }
        frontend::terminate(&mut self.write);
        let _ = self.flush_writes("closing the replication session").await;
        let _ = self.socket.shutdown().await;
        Ok(())
    }

    async fn drain_to_ready(&mut self) -> Result<()> {
        loop {
            if let Backend::Message(BackendMessage(message)) = self.read_backend().await? {
                match message {
                    backend::Message::ReadyForQuery(_) => return Ok(()),
                    backend::Message::ErrorResponse(e) => {
                        let server = codec::server_error(e.fields());
                        let context = format!("ending the replication stream of {}", self.target);
                        return Err(Error::replication(context, server));
                    }
                    _ => {}
                }
            }
        }
    }

    async fn query(&mut self, sql: &str) -> Result<()> {
        frontend::query(sql, &mut self.write)
            .map_err(|e| Error::internal("a command with a NUL byte").with_source(e))?;
        self.flush_writes("sending a command").await
    }

    /// The next complete message; cancellation-safe (see the module docs).
    async fn read_backend(&mut self) -> Result<Backend> {
        read_backend(&mut *self.socket, &mut self.read, &self.target).await
    }

    async fn flush_writes(&mut self, what: &str) -> Result<()> {
        let written = async {
            self.socket.write_all(&self.write).await?;
            self.socket.flush().await
        }
        .await;
        self.write.clear();
        written.map_err(|e| lost(what, &self.target, e))
    }

    fn unexpected(&self, during: &str, got: &Backend) -> Error {
        let what = match got {
            Backend::CopyBothResponse => "CopyBothResponse",
            Backend::CopyData(_) => "CopyData",
            Backend::Message(_) => "message",
        };
        Error::internal(format!("{} sent an unexpected {what} during {during}", self.target))
    }

    fn protocol_error(&self, e: codec::CodecError) -> Error {
        Error::internal(format!("reading from {}", self.target)).with_source(e)
    }
}

/// The next complete message from `socket`, buffering in `read`. Cancellation-safe: a read
/// that is dropped leaves every byte already read in `read`.
async fn read_backend(
    socket: &mut dyn Socket,
    read: &mut BytesMut,
    target: &str,
) -> Result<Backend> {
    loop {
        match codec::next_backend(read) {
            Ok(Some(message)) => return Ok(message),
            Ok(None) => {}
            Err(e) => {
                return Err(Error::internal(format!("reading from {target}")).with_source(e));
            }
        }
        if read.capacity() - read.len() < READ_CHUNK / 8 {
            read.reserve(READ_CHUNK);
        }
        let n = socket.read_buf(read).await.map_err(|e| lost("reading", target, e))?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::Transient,
                format!("the server {target} closed the replication session"),
            ));
        }
    }
}

/// A connection that failed mid-session: the session can be opened again.
fn lost(what: &str, target: &str, e: std::io::Error) -> Error {
    Error::new(ErrorKind::Transient, format!("{what} on the replication session to {target}"))
        .with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_survive_cancellation_and_split_messages() {
        let (mut server, client) = tokio::io::duplex(64);
        let mut transport = Transport {
            socket: Box::new(client),
            read: BytesMut::new(),
            write: BytesMut::new(),
            server_version: "15.4 (Debian 15.4-1)".into(),
            target: "test".into(),
        };
        assert_eq!(transport.server_major(), Some(15));
        let mut k = vec![b'd', 0, 0, 0, 22, b'k'];
        k.extend(7u64.to_be_bytes());
        k.extend(0i64.to_be_bytes());
        k.push(0);
        server.write_all(&k[..10]).await.unwrap();
        // Nothing complete yet: the read is dropped, the first bytes stay buffered.
        let early = tokio::time::timeout(Duration::from_millis(20), transport.recv()).await;
        assert!(early.is_err());
        server.write_all(&k[10..]).await.unwrap();
        let got = transport.recv().await.unwrap();
        let expected =
            Replication::Keepalive { wal_end: crate::cdc::lsn::Lsn(7), clock: 0, reply: false };
        assert_eq!(got, Some(expected));
        server.write_all(&[b'c', 0, 0, 0, 4]).await.unwrap();
        assert_eq!(transport.recv().await.unwrap(), None);
        drop(server);
        let closed = transport.recv().await.unwrap_err();
        assert_eq!(closed.kind(), ErrorKind::Transient);
    }
}
