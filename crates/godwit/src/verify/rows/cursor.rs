//! One side's stream of rows: COPY chunks in, one parsed row (and its encoded key) at a time.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::check::TableCheck;
use super::parse::{BinaryRows, Field, Next, Rows, TextRows};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::verify::value::{self, key_binary, key_text};

/// A side of a comparison: the COPY stream, its parser and the current row.
#[derive(Debug)]
pub(crate) struct Cursor<S> {
    stream: S,
    rows: Rows,
    /// Fields of the current row.
    pub fields: Vec<Field>,
    /// The current row's encoded key (key tables only).
    pub key: Vec<u8>,
    /// Rows read so far.
    pub count: u64,
    /// COPY bytes read so far.
    pub bytes: u64,
    side: usize,
    what: &'static str,
}

impl<S> Cursor<S>
where
    S: Stream<Item = std::result::Result<Bytes, tokio_postgres::Error>> + Unpin,
{
    /// A cursor over `stream`, binary COPY from PostgreSQL and text COPY from CockroachDB.
    pub(crate) fn new(stream: S, dialect: Dialect, side: usize) -> Self {
        let rows = match dialect {
            Dialect::Postgres => Rows::Binary(BinaryRows::default()),
            Dialect::Cockroach => Rows::Text(TextRows::default()),
        };
        let what = if side == super::check::SOURCE { "source" } else { "target" };
        Cursor { stream, rows, fields: Vec::new(), key: Vec::new(), count: 0, bytes: 0, side, what }
    }

    /// Move to the next row; `false` at the end of the stream. `width` is the number of
    /// fields every row must have.
    pub(crate) async fn advance(&mut self, width: usize) -> Result<bool> {
        loop {
            match self.rows.next_row(&mut self.fields)? {
                Next::Row if self.fields.len() == width => {
                    self.count += 1;
                    return Ok(true);
                }
                Next::Row => {
                    return Err(Error::internal(format!(
                        "the {} sent a row of {} fields, {width} expected",
                        self.what,
                        self.fields.len()
                    )));
                }
                Next::End => return Ok(false),
                Next::NeedMore => match self.stream.next().await {
                    Some(chunk) => {
                        let chunk = chunk.map_err(|e| {
                            Error::db(format!("reading the rows of the {}", self.what), e)
                        })?;
                        self.bytes += chunk.len() as u64;
                        self.rows.push(&chunk);
                    }
                    None => {
                        self.rows.finish()?;
                        return Ok(false);
                    }
                },
            }
        }
    }

    /// Field `i` of the current row (`None` is NULL).
    pub(crate) fn field(&self, i: usize) -> Option<&[u8]> {
        self.fields[i].map(|(s, l)| &self.rows.data()[s..s + l])
    }

    /// Encode the current row's key into `self.key` (key order, concatenated encodings).
    pub(crate) fn encode_key(&mut self, check: &TableCheck) -> Result<()> {
        self.key.clear();
        let data = self.rows.data();
        for &i in &check.key {
            let column = &check.columns[i];
            let family = &column.families[self.side];
            let Some((s, l)) = self.fields[i] else {
                return Err(Error::internal(format!(
                    "{}: key column {} is NULL on the {}",
                    check.display(),
                    column.name,
                    self.what
                )));
            };
            let raw = &data[s..s + l];
            let encoded = if check.reads_raw(self.side, i) {
                key_binary(family, raw, &mut self.key)
            } else {
                key_text(family, raw, &mut self.key)
            };
            encoded.map_err(|e| value_error(check, &column.name, self.what, &e))?;
        }
        Ok(())
    }

    /// The current row's key as text, one entry per key column (key order).
    pub(crate) fn key_text(&self, check: &TableCheck) -> Result<Vec<Option<String>>> {
        check.key.iter().map(|&i| self.text_of(check, i)).collect()
    }

    /// Every field of the current row as text (a row read with [`TableCheck::select_list`]
    /// in text form, from field `offset` on).
    pub(crate) fn row_text(&self, offset: usize, width: usize) -> Vec<Option<String>> {
        (offset..offset + width)
            .map(|i| self.field(i).map(|t| String::from_utf8_lossy(t).into_owned()))
            .collect()
    }

    /// Column `i` of the current row as PostgreSQL-castable text.
    fn text_of(&self, check: &TableCheck, i: usize) -> Result<Option<String>> {
        let Some(bytes) = self.field(i) else { return Ok(None) };
        if !check.reads_raw(self.side, i) {
            return Ok(Some(String::from_utf8_lossy(bytes).into_owned()));
        }
        let column = &check.columns[i];
        value::key_binary_to_text(&column.families[self.side], bytes)
            .map(Some)
            .map_err(|e| value_error(check, &column.name, self.what, &e))
    }
}

/// A value that could not be read, naming table, column and side (never the value).
pub(crate) fn value_error(
    check: &TableCheck,
    column: &str,
    side: &str,
    e: &value::ValueError,
) -> Error {
    Error::internal(format!("{}.{column} on the {side}: {e}", check.display()))
}
