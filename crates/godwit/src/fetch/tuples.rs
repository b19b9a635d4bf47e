//! Counting the tuples of a binary `COPY` stream as it passes, without decoding values.
//!
//! The per-shard reconciliation compares the rows the source sent with the rows the target's
//! `COPY FROM` reports inserting. Counting them in the stream itself, instead of a separate
//! `count(*)` of the same range in the same snapshot, gives the same number (the same query
//! in the same snapshot) without reading the range twice. The format (PostgreSQL docs, "COPY",
//! binary format): an 11-byte signature, a 32-bit flags field, a 32-bit header-extension
//! length and that many bytes; then per tuple a 16-bit field count (-1 ends the stream) and
//! per field a 32-bit length (-1 for NULL) followed by that many bytes. All integers are
//! big-endian. Chunk boundaries may fall anywhere.

use crate::error::{Error, Result};

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the 19 fixed header bytes.
    Header,
    /// Skipping this many bytes, then reading a field count.
    SkipThenCount(u64),
    /// Reading a 16-bit field count.
    Count,
    /// Reading a 32-bit field length; this many fields of the tuple remain after it.
    Length(u16),
    /// Skipping a field's bytes; this many fields remain after it.
    Value(u64, u16),
    /// The trailer was read.
    Done,
}

/// A streaming tuple counter for binary `COPY` data.
#[derive(Debug, Clone)]
pub struct TupleCounter {
    state: State,
    pending: [u8; 19],
    have: usize,
    tuples: u64,
}

impl Default for TupleCounter {
    fn default() -> Self {
        TupleCounter { state: State::Header, pending: [0; 19], have: 0, tuples: 0 }
    }
}

impl TupleCounter {
    /// Account for the next chunk of the stream; an error names what is malformed.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            data = match self.state {
                State::Header => self.fixed(data, 19)?,
                State::SkipThenCount(n) | State::Value(n, _) => self.skip(data, n),
                State::Count => self.fixed(data, 2)?,
                State::Length(_) => self.fixed(data, 4)?,
                State::Done => return Err(malformed("data after the end-of-data marker")),
            };
        }
        Ok(())
    }

    /// The number of tuples, once the end-of-data marker was seen.
    pub fn finish(&self) -> Result<u64> {
        match self.state {
            State::Done => Ok(self.tuples),
            _ => Err(malformed("the stream ended inside a tuple or before its end marker")),
        }
    }

    fn skip<'a>(&mut self, data: &'a [u8], n: u64) -> &'a [u8] {
        let k = usize::try_from(n).map_or(data.len(), |n| n.min(data.len()));
        let left = n - k as u64;
        self.state = match (self.state, left) {
            (State::SkipThenCount(_), 0) => State::Count,
            (State::SkipThenCount(_), l) => State::SkipThenCount(l),
            (State::Value(_, 0), 0) => State::Count,
            (State::Value(_, f), 0) => State::Length(f - 1),
            (State::Value(_, f), l) => State::Value(l, f),
            (s, _) => s,
        };
        &data[k..]
    }

    /// Gather `width` bytes (across chunks), then act on them.
    fn fixed<'a>(&mut self, data: &'a [u8], width: usize) -> Result<&'a [u8]> {
        let k = (width - self.have).min(data.len());
        self.pending[self.have..self.have + k].copy_from_slice(&data[..k]);
        self.have += k;
        if self.have == width {
            self.have = 0;
            self.complete()?;
        }
        Ok(&data[k..])
    }

    fn complete(&mut self) -> Result<()> {
        let p = self.pending;
        self.state = match self.state {
            State::Header => {
                if &p[..11] != SIGNATURE {
                    return Err(malformed("the binary COPY signature is missing"));
                }
                State::SkipThenCount(u64::from(u32::from_be_bytes([p[15], p[16], p[17], p[18]])))
            }
            State::Count => match i16::from_be_bytes([p[0], p[1]]) {
                -1 => State::Done,
                0 => {
                    self.tuples += 1;
                    State::Count
                }
                n if n > 0 => {
                    self.tuples += 1;
                    State::Length(n.unsigned_abs() - 1)
                }
                _ => return Err(malformed("a negative field count")),
            },
            State::Length(rest) => match i32::from_be_bytes([p[0], p[1], p[2], p[3]]) {
                -1 if rest == 0 => State::Count,
                -1 => State::Length(rest - 1),
                n if n >= 0 => State::Value(u64::from(n.unsigned_abs()), rest),
                _ => return Err(malformed("a negative field length")),
            },
            s => s,
        };
        Ok(())
    }
}

fn malformed(what: &str) -> Error {
    Error::internal(format!("unexpected binary COPY data from the source: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream with `rows` tuples of (int4 value, NULL, 3-byte text).
    fn stream(rows: u32, extension: &[u8]) -> Vec<u8> {
        let mut s = SIGNATURE.to_vec();
        s.extend_from_slice(&0u32.to_be_bytes());
        s.extend_from_slice(&(extension.len() as u32).to_be_bytes());
        s.extend_from_slice(extension);
        for i in 0..rows {
            s.extend_from_slice(&3i16.to_be_bytes());
            s.extend_from_slice(&4i32.to_be_bytes());
            s.extend_from_slice(&i.to_be_bytes());
            s.extend_from_slice(&(-1i32).to_be_bytes());
            s.extend_from_slice(&3i32.to_be_bytes());
            s.extend_from_slice(b"abc");
        }
        s.extend_from_slice(&0i16.to_be_bytes()); // a tuple of zero columns
        s.extend_from_slice(&(-1i16).to_be_bytes());
        s
    }

    #[test]
    fn counts_tuples_whatever_the_chunking() {
        let data = stream(50, b"ext");
        for size in [1, 2, 3, 7, 19, 20, 64, data.len()] {
            let mut c = TupleCounter::default();
            for chunk in data.chunks(size) {
                c.feed(chunk).unwrap();
            }
            assert_eq!(c.finish().unwrap(), 51, "chunks of {size}");
        }
    }

    #[test]
    fn truncated_or_foreign_data_is_an_error() {
        let data = stream(3, b"");
        for cut in 0..data.len() {
            let mut c = TupleCounter::default();
            c.feed(&data[..cut]).unwrap();
            assert!(c.finish().is_err(), "cut at {cut}");
        }
        let mut c = TupleCounter::default();
        assert!(c.feed(b"COPY 1\n not binary at all").is_err());
        let mut c = TupleCounter::default();
        let mut extra = stream(1, b"");
        extra.push(0);
        assert!(c.feed(&extra).is_err(), "bytes after the end marker");
    }
}
