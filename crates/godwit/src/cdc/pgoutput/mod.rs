//! `pgoutput`: decoding the messages of PostgreSQL's built-in logical decoding plugin.
//!
//! `replicate` reads changes from a logical replication slot through the replication protocol
//! ([`crate::cdc::transport`]), which hands over each `XLogData` payload as bytes: one pgoutput
//! message per payload. This module turns such a payload into a [`Message`]. It does no I/O and
//! keeps no state beyond one flag, so the apply loop, the unit tests on captured bytes and the
//! fuzzer (`fuzz/fuzz_targets/pgoutput.rs`) all run exactly the same code.
//!
//! Protocol versions covered (the `proto_version` option of `START_REPLICATION`):
//!
//! - 1 (PostgreSQL 10+): Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
//!   Truncate (11+) and Message (14+, with the `messages` option);
//! - 2 (14+, `streaming = on`): Stream Start, Stop, Commit and Abort, and an xid in front of
//!   Relation, Type, Insert, Update, Delete, Truncate and Message *inside a streamed block
//!   only* (the xid of the subtransaction that made the change, which Stream Abort may name),
//!   which is why decoding needs [`Context::in_stream`] ([`Decoder`] tracks it);
//! - 3 (15+, `two_phase = on`): Begin Prepare, Prepare, Commit Prepared, Rollback Prepared and
//!   Stream Prepare;
//! - 4 (16+, `streaming = parallel`): Stream Abort also carries the abort LSN and timestamp
//!   ([`Streaming::Parallel`]).
//!
//! What PostgreSQL guarantees, and the apply loop relies on: the messages of a transaction that
//! is not streamed arrive together between its Begin and Commit, transactions in commit order;
//! a Relation (and Type) message precedes the first change of a table in each session and
//! follows any change to its layout; chunks of streamed transactions (Stream Start .. Stop) of
//! different xids may interleave with each other and with whole transactions, and a streamed
//! transaction's changes are final only at its Stream Commit (or are dropped by Stream Abort,
//! of the whole transaction or one subtransaction).
//!
//! Decoding never panics and allocates at most a small multiple of the payload's size: every
//! length and count is checked against the bytes left before anything is read or reserved. A
//! malformed payload gives a [`DecodeError`] naming the message, the field and the byte offset.

mod body;
mod message;
mod read;

#[cfg(test)]
mod tests;

use std::time::{Duration, SystemTime};

use bytes::Bytes;

pub use crate::cdc::lsn::Lsn;
pub use message::{
    Message, OldTuple, PrepareInfo, Relation, RelationColumn, ReplicaIdentity, TruncateOptions,
    Tuple, Value,
};
pub use read::{DecodeError, Problem};

/// The `streaming` option replication was started with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Streaming {
    /// `off` (or not given): whole transactions only.
    #[default]
    Off,
    /// `on` (protocol 2+): large in-progress transactions arrive in chunks.
    On,
    /// `parallel` (protocol 4+): as `on`, and Stream Abort carries the abort LSN and time.
    Parallel,
}

/// What decoding one payload needs to know besides its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Context {
    /// Between a Stream Start and its Stream Stop: data messages start with an xid.
    pub in_stream: bool,
    /// The `streaming` option of the session.
    pub streaming: Streaming,
}

/// Decode one pgoutput message. `payload` is the whole `XLogData` data; the values of the
/// result are slices of it, not copies.
///
/// # Errors
///
/// A [`DecodeError`] when the payload is empty, has an unknown type byte, ends early, holds a
/// value the protocol does not define, or has bytes left after the message.
pub fn decode(payload: Bytes, ctx: Context) -> Result<Message, DecodeError> {
    let Some(&tag) = payload.first() else {
        return Err(DecodeError { message: "unknown", offset: 0, problem: Problem::Empty });
    };
    let Some(name) = body::name_of(tag) else {
        return Err(DecodeError {
            message: "unknown",
            offset: 0,
            problem: Problem::UnknownType(tag),
        });
    };
    let mut reader = read::Reader::new(payload, name);
    let message = body::decode_body(tag, &mut reader, ctx)?;
    reader.finish()?;
    Ok(message)
}

/// Decodes a session's messages in order, keeping track of streamed blocks.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    ctx: Context,
}

impl Decoder {
    /// A decoder for a session started with `streaming`.
    pub fn new(streaming: Streaming) -> Self {
        Decoder { ctx: Context { in_stream: false, streaming } }
    }

    /// Whether the last message decoded left a streamed block open.
    pub fn in_stream(&self) -> bool {
        self.ctx.in_stream
    }

    /// Decode the next message of the session (see [`decode`]). Stream Start opens a streamed
    /// block and Stream Stop closes it; the state changes only when decoding succeeds.
    ///
    /// # Errors
    ///
    /// As [`decode`], and [`Problem::OutOfOrder`] for a Stream Start inside a streamed block or
    /// a Stream Stop outside one.
    pub fn decode(&mut self, payload: Bytes) -> Result<Message, DecodeError> {
        let message = decode(payload, self.ctx)?;
        let misplaced =
            |message, what| DecodeError { message, offset: 0, problem: Problem::OutOfOrder(what) };
        match (&message, self.ctx.in_stream) {
            (Message::StreamStart { .. }, true) => {
                return Err(misplaced("Stream Start", "the previous chunk has no Stream Stop yet"));
            }
            (Message::StreamStop, false) => {
                return Err(misplaced("Stream Stop", "no Stream Start opened a chunk"));
            }
            (Message::StreamStart { .. }, false) => self.ctx.in_stream = true,
            (Message::StreamStop, true) => self.ctx.in_stream = false,
            _ => {}
        }
        Ok(message)
    }
}

impl From<DecodeError> for crate::error::Error {
    fn from(err: DecodeError) -> Self {
        crate::error::Error::internal("decoding a pgoutput message of the replication stream")
            .with_source(err)
    }
}

/// A PostgreSQL `TimestampTz` on the wire: microseconds since 2000-01-01 00:00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PgTimestamp(pub i64);

/// Microseconds from the Unix epoch to the PostgreSQL epoch (2000-01-01).
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl PgTimestamp {
    /// Microseconds since the Unix epoch (saturating at the ends of `i64`, where PostgreSQL
    /// keeps `infinity`).
    pub fn unix_micros(self) -> i64 {
        self.0.saturating_add(PG_EPOCH_UNIX_MICROS)
    }

    /// The same instant as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        let micros = self.unix_micros();
        let offset = Duration::from_micros(micros.unsigned_abs());
        let time = if micros >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(offset)
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(offset)
        };
        time.unwrap_or(SystemTime::UNIX_EPOCH)
    }
}
