//! The bytes of the replication protocol that `postgres-protocol` does not cover, free of I/O
//! (unit-tested here, fuzzed by `fuzz/fuzz_targets/replication.rs`).
//!
//! `postgres-protocol` parses and writes the ordinary protocol messages (startup,
//! authentication, simple query, rows, errors) but knows neither `CopyBothResponse` (`W`) nor
//! what travels inside the `CopyData` messages of a replication stream:
//!
//! - `w` XLogData: WAL start, WAL end, server clock, then one pgoutput message;
//! - `k` primary keepalive: WAL end, server clock, and whether the server wants a reply now;
//! - `r` standby status update (ours): write, flush and apply positions, our clock, and whether
//!   we want a reply.
//!
//! So framing is done here: a message is taken off the read buffer only when it is complete,
//! and one that announces more than [`MAX_MESSAGE`] bytes is refused at once; the buffer grows
//! with the bytes that arrive, never by what a length announces. A `W` or `d` is handled here, every other tag by `postgres-protocol`.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use fallible_iterator::FallibleIterator;
use postgres_protocol::message::backend;

use crate::cdc::lsn::Lsn;
use crate::error::ServerError;

/// The largest message accepted from the server: PostgreSQL builds no message larger than
/// 1 GiB (`MaxAllocSize`), plus room for the headers around it.
pub const MAX_MESSAGE: usize = (1 << 30) + 1024;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// Bytes the server sent that break the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {what} from the server: {problem}")]
pub struct CodecError {
    /// Which message.
    pub what: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl CodecError {
    fn new(what: &'static str, problem: impl Into<String>) -> Self {
        CodecError { what, problem: problem.into() }
    }
}

/// One complete message from the server.
#[derive(Debug)]
pub enum Backend {
    /// `W`: the server entered copy-both mode (`START_REPLICATION` succeeded).
    CopyBothResponse,
    /// `d`: the payload of a `CopyData` message.
    CopyData(Bytes),
    /// Any other message, as `postgres-protocol` parsed it.
    Message(BackendMessage),
}

/// A `postgres-protocol` backend message (its type implements no `Debug`).
pub struct BackendMessage(pub backend::Message);

impl std::fmt::Debug for BackendMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackendMessage(..)")
    }
}

/// Take the next complete message off `buf`, or `None` (leaving `buf` as it is) when it is
/// not complete yet.
///
/// # Errors
///
/// [`CodecError`] for a length below 4 or above [`MAX_MESSAGE`], or a message
/// `postgres-protocol` cannot parse.
pub fn next_backend(buf: &mut BytesMut) -> Result<Option<Backend>, CodecError> {
    if buf.len() < 5 {
        return Ok(None);
    }
    let tag = buf[0];
    let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
    if !(4..=MAX_MESSAGE).contains(&len) {
        return Err(CodecError::new("message", format!("length {len} of a `{}`", tag as char)));
    }
    let total = len + 1;
    if buf.len() < total {
        // Room grows as bytes arrive (the reader's job): a length alone reserves nothing.
        return Ok(None);
    }
    match tag {
        b'W' => {
            buf.advance(total);
            Ok(Some(Backend::CopyBothResponse))
        }
        b'd' => {
            let mut frame = buf.split_to(total).freeze();
            frame.advance(5);
            Ok(Some(Backend::CopyData(frame)))
        }
        _ => match backend::Message::parse(buf) {
            Ok(Some(message)) => Ok(Some(Backend::Message(BackendMessage(message)))),
            Ok(None) => Err(CodecError::new("message", "complete yet not parsed")),
            Err(e) => Err(CodecError::new("message", e.to_string())),
        },
    }
}

/// A `CopyData` payload of a logical replication stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replication {
    /// `w`: WAL data, here one pgoutput message.
    XLogData {
        /// Where the data starts in the WAL (0 for many pgoutput messages).
        wal_start: Lsn,
        /// The end of the WAL on the server.
        wal_end: Lsn,
        /// The server's clock when it sent this, microseconds since 2000-01-01.
        clock: i64,
        /// The pgoutput message.
        data: Bytes,
    },
    /// `k`: the server is alive; answer at once when `reply` is set.
    Keepalive {
        /// The end of the WAL on the server: everything committed before it has been sent.
        wal_end: Lsn,
        /// The server's clock.
        clock: i64,
        /// The server asks for a standby status update now (it times the session out if none
        /// arrives).
        reply: bool,
    },
}

/// Parse one `CopyData` payload of a replication stream.
///
/// # Errors
///
/// [`CodecError`] for an empty payload, an unknown type byte or a wrong length.
pub fn parse_replication(mut payload: Bytes) -> Result<Replication, CodecError> {
    let Some(&tag) = payload.first() else {
        return Err(CodecError::new("CopyData", "empty"));
    };
    payload.advance(1);
    match tag {
        b'w' => {
            if payload.len() < 24 {
                return Err(CodecError::new("XLogData", format!("{} header bytes", payload.len())));
            }
            let wal_start = Lsn(payload.get_u64());
            let wal_end = Lsn(payload.get_u64());
            let clock = payload.get_i64();
            Ok(Replication::XLogData { wal_start, wal_end, clock, data: payload })
        }
        b'k' => {
            if payload.len() != 17 {
                return Err(CodecError::new(
                    "keepalive",
                    format!("{} bytes, not 17", payload.len()),
                ));
            }
            let wal_end = Lsn(payload.get_u64());
            let clock = payload.get_i64();
            let reply = payload.get_u8() != 0;
            Ok(Replication::Keepalive { wal_end, clock, reply })
        }
        other => Err(CodecError::new("CopyData", format!("unknown type byte {other:#04x}"))),
    }
}

/// A standby status update: what we wrote, flushed and applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandbyStatus {
    /// Received and written (godwit: the same as `flush`).
    pub write: Lsn,
    /// Durable on our side: the slot may drop what comes before it.
    pub flush: Lsn,
    /// Applied (godwit: the same as `flush`).
    pub apply: Lsn,
    /// Our clock, microseconds since 2000-01-01 ([`pg_now`]).
    pub clock: i64,
    /// Ask the server to answer with a keepalive.
    pub reply: bool,
}

/// Append `status` to `out` as a complete `CopyData` message (`d`, length, `r`, fields).
pub fn write_standby_status(status: StandbyStatus, out: &mut BytesMut) {
    out.reserve(39);
    out.put_u8(b'd');
    out.put_u32(38);
    out.put_u8(b'r');
    out.put_u64(status.write.0);
    out.put_u64(status.flush.0);
    out.put_u64(status.apply.0);
    out.put_i64(status.clock);
    out.put_u8(u8::from(status.reply));
}

/// Now, in microseconds since 2000-01-01 (the clock of standby status updates).
pub fn pg_now() -> i64 {
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    i64::try_from(micros).unwrap_or(i64::MAX).saturating_sub(PG_EPOCH_UNIX_MICROS)
}

/// The fields of an `ErrorResponse` (or `NoticeResponse`): message, SQLSTATE, detail, hint.
/// A field missing or not UTF-8 becomes empty (SQLSTATE `XX000`) rather than failing.
pub fn server_error(fields: backend::ErrorFields<'_>) -> ServerError {
    let mut error =
        ServerError { message: String::new(), code: "XX000".to_owned(), detail: None, hint: None };
    let mut fields = fields;
    while let Ok(Some(field)) = fields.next() {
        let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
        match field.type_() {
            b'M' => error.message = value,
            b'C' if value.len() == 5 => error.code = value,
            b'D' => error.detail = Some(value),
            b'H' => error.hint = Some(value),
            _ => {}
        }
    }
    if error.message.is_empty() {
        error.message = "the server reported an error without a message".to_owned();
    }
    error
}

/// The values of a `DataRow` (text format), as slices of its buffer.
///
/// # Errors
///
/// [`CodecError`] when a value's length runs past the row.
pub fn data_row(body: &backend::DataRowBody) -> Result<Vec<Option<Bytes>>, CodecError> {
    let buffer = body.buffer_bytes();
    let mut ranges = body.ranges();
    let mut row = Vec::new();
    loop {
        match ranges.next() {
            Ok(Some(range)) => row.push(range.map(|r| buffer.slice(r))),
            Ok(None) => return Ok(row),
            Err(e) => return Err(CodecError::new("DataRow", e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&u32::try_from(body.len() + 4).unwrap().to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn messages_come_off_the_buffer_only_when_complete() {
        let mut bytes = frame(b'W', &[0, 0, 0]);
        bytes.extend(frame(b'd', b"wxyz"));
        bytes.extend(frame(b'Z', b"I"));
        let mut buf = BytesMut::new();
        for (i, b) in bytes.iter().enumerate() {
            buf.put_u8(*b);
            let next = next_backend(&mut buf).unwrap();
            match i {
                7 => assert!(matches!(next, Some(Backend::CopyBothResponse))),
                16 => match next {
                    Some(Backend::CopyData(data)) => assert_eq!(&data[..], b"wxyz"),
                    other => panic!("{other:?}"),
                },
                22 => match next {
                    Some(Backend::Message(BackendMessage(backend::Message::ReadyForQuery(_)))) => {}
                    other => panic!("{other:?}"),
                },
                _ => assert!(next.is_none(), "byte {i}"),
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn absurd_lengths_are_refused_before_reading_on() {
        let mut buf = BytesMut::from(&[b'd', 0xFF, 0xFF, 0xFF, 0xFF][..]);
        assert!(next_backend(&mut buf).unwrap_err().problem.contains("length"));
        let mut buf = BytesMut::from(&[b'd', 0, 0, 0, 3][..]);
        assert!(next_backend(&mut buf).is_err());
        let mut buf = BytesMut::from(&frame(b'?', b"x")[..]);
        assert!(next_backend(&mut buf).is_err());
    }

    #[test]
    fn xlogdata_and_keepalives_parse() {
        let mut w = vec![b'w'];
        w.extend(1u64.to_be_bytes());
        w.extend(0x1_0000_0002u64.to_be_bytes());
        w.extend(5i64.to_be_bytes());
        w.extend(b"Bpayload");
        let parsed = parse_replication(Bytes::from(w)).unwrap();
        assert_eq!(
            parsed,
            Replication::XLogData {
                wal_start: Lsn(1),
                wal_end: Lsn(0x1_0000_0002),
                clock: 5,
                data: Bytes::from_static(b"Bpayload"),
            }
        );
        let mut k = vec![b'k'];
        k.extend(9u64.to_be_bytes());
        k.extend((-1i64).to_be_bytes());
        k.push(1);
        assert_eq!(
            parse_replication(Bytes::from(k.clone())).unwrap(),
            Replication::Keepalive { wal_end: Lsn(9), clock: -1, reply: true }
        );
        k.push(0);
        assert!(parse_replication(Bytes::from(k)).is_err());
        assert!(parse_replication(Bytes::from_static(b"w123")).is_err());
        assert!(parse_replication(Bytes::new()).is_err());
        assert!(parse_replication(Bytes::from_static(b"q")).is_err());
    }

    #[test]
    fn standby_status_has_the_documented_layout() {
        let mut out = BytesMut::new();
        let status =
            StandbyStatus { write: Lsn(1), flush: Lsn(2), apply: Lsn(3), clock: 4, reply: true };
        write_standby_status(status, &mut out);
        assert_eq!(out.len(), 39);
        assert_eq!(&out[..6], &[b'd', 0, 0, 0, 38, b'r']);
        assert_eq!(&out[6..14], &1u64.to_be_bytes());
        assert_eq!(&out[14..22], &2u64.to_be_bytes());
        assert_eq!(&out[22..30], &3u64.to_be_bytes());
        assert_eq!(&out[30..38], &4i64.to_be_bytes());
        assert_eq!(out[38], 1);
    }

    #[test]
    fn error_responses_keep_code_message_and_hint() {
        let body = b"SERROR\0C55000\0Mlogical decoding requires wal_level >= logical\0Hset it\0\0";
        let mut buf = BytesMut::from(&frame(b'E', body)[..]);
        let Some(Backend::Message(BackendMessage(backend::Message::ErrorResponse(e)))) =
            next_backend(&mut buf).unwrap()
        else {
            panic!("not an error response");
        };
        let error = server_error(e.fields());
        assert_eq!(error.code, "55000");
        assert!(error.message.starts_with("logical decoding"));
        assert_eq!(error.hint.as_deref(), Some("set it"));
    }

    #[test]
    fn data_rows_give_their_values() {
        let mut body = 3u16.to_be_bytes().to_vec();
        body.extend(2i32.to_be_bytes());
        body.extend(b"ab");
        body.extend((-1i32).to_be_bytes());
        body.extend(0i32.to_be_bytes());
        let mut buf = BytesMut::from(&frame(b'D', &body)[..]);
        let Some(Backend::Message(BackendMessage(backend::Message::DataRow(row)))) =
            next_backend(&mut buf).unwrap()
        else {
            panic!("not a row");
        };
        let values = data_row(&row).unwrap();
        assert_eq!(values, vec![Some(Bytes::from_static(b"ab")), None, Some(Bytes::new())]);
    }

    #[test]
    fn the_clock_is_after_2000() {
        assert!(pg_now() > 800_000_000_000_000);
    }
}
