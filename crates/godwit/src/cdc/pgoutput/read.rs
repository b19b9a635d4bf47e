//! A bounds-checked cursor over one pgoutput payload, and the error it reports.
//!
//! Every read checks the bytes left before touching them, and every count read from the wire is
//! checked against the bytes left before anything is allocated for it, so a hostile or corrupt
//! payload costs memory in proportion to its own length. Errors name the message, the field
//! and the byte offset.

use bytes::Bytes;

use super::{Lsn, PgTimestamp};

/// A pgoutput payload that could not be decoded: which message, at which byte, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed pgoutput {message} message at byte {offset}: {problem}")]
pub struct DecodeError {
    /// The message being decoded (`Insert`, `Relation`, ...), or `unknown` when the type byte is
    /// missing or not a pgoutput message type.
    pub message: &'static str,
    /// Offset in the payload of the field that was malformed (0 is the type byte).
    pub offset: usize,
    /// What was wrong with it.
    pub problem: Problem,
}

/// What was wrong with a field of a pgoutput message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The payload has no bytes at all.
    #[error("the payload is empty")]
    Empty,
    /// The first byte is not a pgoutput message type.
    #[error("unknown message type byte 0x{0:02x}")]
    UnknownType(u8),
    /// A fixed-size field runs past the end of the payload.
    #[error("{field} needs {needed} bytes but {left} are left")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the payload.
        left: usize,
    },
    /// A string field has no terminating NUL byte.
    #[error("{field} is not terminated by a NUL byte")]
    Unterminated {
        /// The field being read.
        field: &'static str,
    },
    /// A string field is not UTF-8 (godwit asks for `client_encoding` UTF8).
    #[error("{field} is not valid UTF-8")]
    NotUtf8 {
        /// The field being read.
        field: &'static str,
    },
    /// A count or length is negative.
    #[error("{field} is negative ({value})")]
    Negative {
        /// The field being read.
        field: &'static str,
        /// The value on the wire.
        value: i32,
    },
    /// A count promises more entries than the bytes left could hold.
    #[error("{field} is {count} but only {left} bytes are left")]
    TooMany {
        /// The count field.
        field: &'static str,
        /// The count on the wire.
        count: usize,
        /// Bytes left in the payload.
        left: usize,
    },
    /// A one-byte field holds a value the protocol does not define.
    #[error("{field} has the unknown value 0x{value:02x}")]
    UnknownByte {
        /// The field being read.
        field: &'static str,
        /// The byte on the wire.
        value: u8,
    },
    /// The message ended but bytes are left (wrong streaming state or protocol version).
    #[error("{0} bytes are left after the end of the message")]
    TrailingBytes(usize),
    /// A stream message arrived in the wrong place (`Stream Start` inside a streamed block,
    /// `Stream Stop` outside one).
    #[error("{0}")]
    OutOfOrder(&'static str),
}

/// The cursor: the payload, the position, and the message name for errors.
pub(super) struct Reader {
    buf: Bytes,
    pos: usize,
    message: &'static str,
}

impl Reader {
    /// A reader positioned after the type byte of `buf`, decoding message `message`.
    pub(super) fn new(buf: Bytes, message: &'static str) -> Self {
        Reader { buf, pos: 1, message }
    }

    /// Bytes left after the position.
    pub(super) fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// An error about the field starting at the current position.
    pub(super) fn error(&self, problem: Problem) -> DecodeError {
        self.error_at(self.pos, problem)
    }

    /// An error about the field starting at `offset`.
    pub(super) fn error_at(&self, offset: usize, problem: Problem) -> DecodeError {
        DecodeError { message: self.message, offset, problem }
    }

    /// The next `n` bytes as a zero-copy slice of the payload.
    pub(super) fn bytes(&mut self, n: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        let left = self.left();
        if n > left {
            return Err(self.error(Problem::Truncated { field, needed: n, left }));
        }
        let slice = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(slice)
    }

    /// The next `N` bytes as an array (for the fixed-size integers).
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let left = self.left();
        let mut out = [0; N];
        match self.buf.get(self.pos..self.pos + N) {
            Some(slice) => out.copy_from_slice(slice),
            None => return Err(self.error(Problem::Truncated { field, needed: N, left })),
        }
        self.pos += N;
        Ok(out)
    }

    /// Int8 / Byte1.
    pub(super) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Int16, as a count that must not be negative.
    pub(super) fn count16(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let at = self.pos;
        let value = i16::from_be_bytes(self.array(field)?);
        usize::try_from(value)
            .map_err(|_| self.error_at(at, Problem::Negative { field, value: value.into() }))
    }

    /// Int32, as a count or length that must not be negative.
    pub(super) fn count32(&mut self, field: &'static str) -> Result<usize, DecodeError> {
        let at = self.pos;
        let value = self.i32(field)?;
        usize::try_from(value).map_err(|_| self.error_at(at, Problem::Negative { field, value }))
    }

    /// Int32 (type modifiers).
    pub(super) fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }

    /// Int32 read as unsigned (xids and OIDs).
    pub(super) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Int64 (XLogRecPtr).
    pub(super) fn lsn(&mut self, field: &'static str) -> Result<Lsn, DecodeError> {
        Ok(Lsn(u64::from_be_bytes(self.array(field)?)))
    }

    /// Int64 (TimestampTz).
    pub(super) fn timestamp(&mut self, field: &'static str) -> Result<PgTimestamp, DecodeError> {
        Ok(PgTimestamp(i64::from_be_bytes(self.array(field)?)))
    }

    /// A NUL-terminated UTF-8 string.
    pub(super) fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(len) = rest.iter().position(|&b| b == 0) else {
            return Err(self.error(Problem::Unterminated { field }));
        };
        let text = std::str::from_utf8(&rest[..len])
            .map_err(|_| self.error(Problem::NotUtf8 { field }))?
            .to_owned();
        self.pos += len + 1;
        Ok(text)
    }

    /// Check that `count` entries of at least `min_size` bytes each fit in what is left, before
    /// anything is allocated for them.
    pub(super) fn check_count(
        &self,
        count: usize,
        min_size: usize,
        field: &'static str,
        at: usize,
    ) -> Result<(), DecodeError> {
        let left = self.left();
        if count.saturating_mul(min_size) > left {
            return Err(self.error_at(at, Problem::TooMany { field, count, left }));
        }
        Ok(())
    }

    /// The current offset.
    pub(super) fn offset(&self) -> usize {
        self.pos
    }

    /// End of the message: nothing may be left.
    pub(super) fn finish(self) -> Result<(), DecodeError> {
        match self.left() {
            0 => Ok(()),
            n => Err(self.error(Problem::TrailingBytes(n))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &'static [u8]) -> Reader {
        Reader::new(Bytes::from_static(bytes), "Test")
    }

    #[test]
    fn integers_are_big_endian_and_bounds_checked() {
        let mut r = reader(b"X\x00\x00\x01\x02\xff");
        assert_eq!(r.u32("a").unwrap(), 0x0102);
        let err = r.u32("b").unwrap_err();
        assert_eq!(err.offset, 5);
        assert_eq!(err.problem, Problem::Truncated { field: "b", needed: 4, left: 1 });
        assert_eq!(r.u8("c").unwrap(), 0xff);
    }

    #[test]
    fn negative_counts_are_errors_at_their_offset() {
        let mut r = reader(b"X\xff\xff");
        let err = r.count16("column count").unwrap_err();
        assert_eq!(err.offset, 1);
        assert_eq!(err.problem, Problem::Negative { field: "column count", value: -1 });
    }

    #[test]
    fn strings_need_a_nul_and_utf8() {
        assert_eq!(reader(b"Xab\0").string("s").unwrap(), "ab");
        let err = reader(b"Xab").string("s").unwrap_err();
        assert_eq!(err.problem, Problem::Unterminated { field: "s" });
        let err = reader(b"X\xff\0").string("s").unwrap_err();
        assert_eq!(err.problem, Problem::NotUtf8 { field: "s" });
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        let r = reader(b"Xabc");
        let err = r.check_count(32767, 1, "column count", 1).unwrap_err();
        assert_eq!(err.problem, Problem::TooMany { field: "column count", count: 32767, left: 3 });
        assert!(r.check_count(usize::MAX, 4, "n", 1).is_err());
        r.check_count(3, 1, "n", 1).unwrap();
    }

    #[test]
    fn finish_rejects_trailing_bytes() {
        let err = reader(b"Xab").finish().unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed pgoutput Test message at byte 1: 2 bytes are left after the end of the message"
        );
        reader(b"X").finish().unwrap();
    }

    #[test]
    fn byte_slices_share_the_payload() {
        let payload = Bytes::from_static(b"Xhello");
        let mut r = Reader::new(payload.clone(), "Test");
        let slice = r.bytes(5, "value").unwrap();
        assert_eq!(slice.as_ptr(), payload[1..].as_ptr());
        assert!(r.bytes(1, "value").is_err());
    }
}
