//! Incremental row parsers for the two `COPY ... TO STDOUT` formats verify reads: PostgreSQL's
//! binary format and the text format (CockroachDB has no binary `COPY TO`).
//!
//! Rows may span the CopyData chunks the server sends (PostgreSQL sends one per row, with the
//! binary header riding on the first), so a parser keeps the unconsumed tail of the stream in
//! one buffer and hands out one row at a time as field offsets into it: no allocation per row
//! or value, and memory of one row plus one chunk. A row stays valid until the next
//! [`Rows::next_row`] (which may compact the buffer).
//!
//! Binary format (PostgreSQL docs, "COPY", binary format): an 11-byte signature, a 32-bit
//! flags field, a 32-bit header-extension length and that many bytes; per tuple a 16-bit field
//! count (-1 ends the data), and per field a 32-bit length (-1 for NULL) and that many bytes;
//! big-endian. Text format: one line per row, fields separated by tabs, `\N` for NULL,
//! backslash escapes (`\t`, `\n`, `\\`, `\b`, `\f`, `\r`, `\v`, octal `\ooo`, hex `\xhh`).

use crate::error::{Error, Result};

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
const HEADER: usize = 19;

/// Where a field of the current row is: `(start, len)` in [`Rows::data`], `None` for NULL.
pub(crate) type Field = Option<(usize, usize)>;

/// What asking for the next row gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// A row is in the field list.
    Row,
    /// The buffered data ends inside a row: push the next chunk.
    NeedMore,
    /// The end-of-data marker was read.
    End,
}

/// A row parser for either format.
#[derive(Debug)]
pub(crate) enum Rows {
    /// PostgreSQL binary COPY.
    Binary(BinaryRows),
    /// Text COPY.
    Text(TextRows),
}

impl Rows {
    /// Append the next chunk of the stream.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        match self {
            Rows::Binary(b) => b.push(chunk),
            Rows::Text(t) => t.push(chunk),
        }
    }

    /// Parse the next row into `fields` (cleared first) if the buffer holds all of it.
    pub(crate) fn next_row(&mut self, fields: &mut Vec<Field>) -> Result<Next> {
        match self {
            Rows::Binary(b) => b.next_row(fields),
            Rows::Text(t) => t.next_row(fields),
        }
    }

    /// The bytes the current row's fields point into.
    pub(crate) fn data(&self) -> &[u8] {
        match self {
            Rows::Binary(b) => &b.buf,
            Rows::Text(t) => &t.unescaped,
        }
    }

    /// The stream ended: an error unless it ended where it may.
    pub(crate) fn finish(&self) -> Result<()> {
        match self {
            Rows::Binary(b) if !b.ended => {
                Err(malformed("the binary COPY stream ended before its end marker"))
            }
            Rows::Text(t) if t.pos < t.buf.len() && !t.ended => {
                Err(malformed("the text COPY stream ended inside a row"))
            }
            _ => Ok(()),
        }
    }
}

/// Binary COPY rows.
#[derive(Debug, Default)]
pub(crate) struct BinaryRows {
    buf: Vec<u8>,
    pos: usize,
    header: bool,
    ended: bool,
}

impl BinaryRows {
    fn push(&mut self, chunk: &[u8]) {
        compact(&mut self.buf, &mut self.pos);
        self.buf.extend_from_slice(chunk);
    }

    fn next_row(&mut self, fields: &mut Vec<Field>) -> Result<Next> {
        fields.clear();
        if self.ended {
            return if self.pos < self.buf.len() {
                Err(malformed("data after the end-of-data marker"))
            } else {
                Ok(Next::End)
            };
        }
        if !self.header && !self.read_header()? {
            return Ok(Next::NeedMore);
        }
        let data = &self.buf[self.pos..];
        let Some(count) = data.get(..2) else { return Ok(Next::NeedMore) };
        let count = i16::from_be_bytes([count[0], count[1]]);
        if count == -1 {
            self.pos += 2;
            self.ended = true;
            return self.next_row(fields);
        }
        let count = usize::try_from(count).map_err(|_| malformed("a negative field count"))?;
        let mut at = 2;
        for _ in 0..count {
            let Some(len) = data.get(at..at + 4) else { return Ok(Next::NeedMore) };
            let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
            at += 4;
            if len == -1 {
                fields.push(None);
                continue;
            }
            let len = usize::try_from(len).map_err(|_| malformed("a negative field length"))?;
            if data.len() < at + len {
                return Ok(Next::NeedMore);
            }
            fields.push(Some((self.pos + at, len)));
            at += len;
        }
        self.pos += at;
        Ok(Next::Row)
    }

    /// Consume the header once it is complete; `false` when more data is needed.
    fn read_header(&mut self) -> Result<bool> {
        let data = &self.buf[self.pos..];
        if data.len() < HEADER {
            if !SIGNATURE.starts_with(&data[..data.len().min(SIGNATURE.len())]) {
                return Err(malformed("the binary COPY signature is missing"));
            }
            return Ok(false);
        }
        if &data[..11] != SIGNATURE {
            return Err(malformed("the binary COPY signature is missing"));
        }
        let ext = u32::from_be_bytes([data[15], data[16], data[17], data[18]]);
        let ext = usize::try_from(ext).map_err(|_| malformed("a huge header extension"))?;
        if data.len() < HEADER + ext {
            return Ok(false);
        }
        self.pos += HEADER + ext;
        self.header = true;
        Ok(true)
    }
}

/// Text COPY rows (escapes undone into a per-row buffer).
#[derive(Debug, Default)]
pub(crate) struct TextRows {
    buf: Vec<u8>,
    pos: usize,
    /// Where the search for the end of the current line resumes.
    scanned: usize,
    unescaped: Vec<u8>,
    ended: bool,
}

impl TextRows {
    fn push(&mut self, chunk: &[u8]) {
        let before = self.pos;
        compact(&mut self.buf, &mut self.pos);
        self.scanned -= before - self.pos;
        self.buf.extend_from_slice(chunk);
    }

    fn next_row(&mut self, fields: &mut Vec<Field>) -> Result<Next> {
        fields.clear();
        if self.ended {
            return Ok(Next::End);
        }
        let from = self.scanned.max(self.pos);
        let Some(nl) = self.buf[from..].iter().position(|&b| b == b'\n') else {
            self.scanned = self.buf.len();
            return Ok(Next::NeedMore);
        };
        let end = from + nl;
        let line = &self.buf[self.pos..end];
        self.pos = end + 1;
        self.scanned = self.pos;
        if line == b"\\." {
            self.ended = true;
            return Ok(Next::End);
        }
        self.unescaped.clear();
        for raw in line.split(|&b| b == b'\t') {
            if raw == b"\\N" {
                fields.push(None);
                continue;
            }
            let start = self.unescaped.len();
            unescape(raw, &mut self.unescaped)?;
            fields.push(Some((start, self.unescaped.len() - start)));
        }
        Ok(Next::Row)
    }
}

/// Drop the consumed front of `buf` before appending (all of it when everything was read,
/// which is the common case with one CopyData message per row).
fn compact(buf: &mut Vec<u8>, pos: &mut usize) {
    if *pos == buf.len() {
        buf.clear();
    } else if *pos > 0 {
        buf.drain(..*pos);
    }
    *pos = 0;
}

/// Undo text COPY escapes of one field.
fn unescape(raw: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = raw.get(i) else {
            return Err(malformed("a text COPY field ends with a lone backslash"));
        };
        i += 1;
        match e {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && matches!(raw.get(i), Some(b'0'..=b'7')) {
                    v = v * 8 + u32::from(raw[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if raw.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u8;
                let mut n = 0;
                while n < 2 && raw.get(i).is_some_and(u8::is_ascii_hexdigit) {
                    v = v * 16 + hex(raw[i]);
                    i += 1;
                    n += 1;
                }
                out.push(v);
            }
            other => out.push(other),
        }
    }
    Ok(())
}

fn hex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

fn malformed(what: &str) -> Error {
    Error::internal(format!("unexpected COPY data: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary stream of `rows` tuples (int4 i, NULL, text "abc"), then a zero-column tuple.
    fn binary(rows: u32) -> Vec<u8> {
        let mut s = SIGNATURE.to_vec();
        s.extend_from_slice(&0u32.to_be_bytes());
        s.extend_from_slice(&3u32.to_be_bytes());
        s.extend_from_slice(b"ext");
        for i in 0..rows {
            s.extend_from_slice(&3i16.to_be_bytes());
            s.extend_from_slice(&4i32.to_be_bytes());
            s.extend_from_slice(&i.to_be_bytes());
            s.extend_from_slice(&(-1i32).to_be_bytes());
            s.extend_from_slice(&3i32.to_be_bytes());
            s.extend_from_slice(b"abc");
        }
        s.extend_from_slice(&0i16.to_be_bytes());
        s.extend_from_slice(&(-1i16).to_be_bytes());
        s
    }

    /// Every row of `data` fed in chunks of `size`, as owned values.
    fn parse(mut rows: Rows, data: &[u8], size: usize) -> Result<Vec<Vec<Option<Vec<u8>>>>> {
        let mut out = Vec::new();
        let mut fields = Vec::new();
        let mut chunks = data.chunks(size);
        loop {
            match rows.next_row(&mut fields)? {
                Next::Row => out.push(
                    fields.iter().map(|f| f.map(|(s, l)| rows.data()[s..s + l].to_vec())).collect(),
                ),
                Next::End => return Ok(out),
                Next::NeedMore => match chunks.next() {
                    Some(c) => rows.push(c),
                    None => {
                        rows.finish()?;
                        return Ok(out);
                    }
                },
            }
        }
    }

    #[test]
    fn binary_rows_whatever_the_chunking() {
        let data = binary(20);
        for size in [1, 2, 3, 5, 19, 21, 22, 64, data.len()] {
            let rows = parse(Rows::Binary(BinaryRows::default()), &data, size).unwrap();
            assert_eq!(rows.len(), 21, "chunks of {size}");
            assert_eq!(
                rows[7],
                vec![Some(7u32.to_be_bytes().to_vec()), None, Some(b"abc".to_vec())]
            );
            assert!(rows[20].is_empty());
        }
    }

    #[test]
    fn truncated_or_foreign_binary_data_is_an_error() {
        let data = binary(3);
        for cut in 0..data.len() {
            let got = parse(Rows::Binary(BinaryRows::default()), &data[..cut], 7);
            assert!(got.is_err(), "cut at {cut}");
        }
        let not_binary = parse(Rows::Binary(BinaryRows::default()), b"1\tabc\n", 100);
        assert!(not_binary.is_err());
        let mut extra = binary(1);
        extra.push(0);
        assert!(parse(Rows::Binary(BinaryRows::default()), &extra, 4).is_err());
        let mut negative = binary(0);
        negative.truncate(negative.len() - 4);
        negative.extend_from_slice(&(-2i16).to_be_bytes());
        assert!(parse(Rows::Binary(BinaryRows::default()), &negative, 100).is_err());
    }

    #[test]
    fn text_rows_undo_escapes_and_read_nulls() {
        let data = b"1\t\\N\ta\\tb\\\\c\\nd\n2\t\t\\101\\x41\\x4g\\q\n\\.\n";
        for size in [1, 2, 5, data.len()] {
            let rows = parse(Rows::Text(TextRows::default()), data, size).unwrap();
            assert_eq!(rows.len(), 2, "chunks of {size}");
            assert_eq!(rows[0], vec![Some(b"1".to_vec()), None, Some(b"a\tb\\c\nd".to_vec())]);
            assert_eq!(
                rows[1],
                vec![Some(b"2".to_vec()), Some(Vec::new()), Some(b"AA\x04gq".to_vec())]
            );
        }
        let no_marker = parse(Rows::Text(TextRows::default()), b"1\tx\n", 3).unwrap();
        assert_eq!(no_marker.len(), 1);
        assert!(parse(Rows::Text(TextRows::default()), b"1\tx\n2\ty", 3).is_err());
        assert!(parse(Rows::Text(TextRows::default()), b"1\tx\\\n", 3).is_err());
    }
}
