//! Rows the batch inserted, encoded as the data of a `COPY .. FROM STDIN` in text format.
//!
//! A large source transaction of inserts reaches the target fastest as `COPY`: the server
//! parses each value with the column type's input function and inserts the rows in batches
//! (heap multi-insert), with no conflict check per row. The upsert statements of
//! [`crate::cdc::apply_sql::bulk`] cost about three times as much per row (a speculative
//! insertion and an index probe each, and the text arrays to unnest and cast).
//!
//! pgoutput sends each value in its type's text output format, which is what the text format
//! of `COPY` reads, so a value only needs the format's escapes: backslash, tab, newline and
//! carriage return are written as `\\`, `\t`, `\n`, `\r`; NULL is `\N` (the default null
//! string; a value that is the two characters `\N` becomes `\\N`, so it stays a string).
//! Columns are separated by a tab and rows end with a newline. The bytes go as the server sent
//! them: the apply session's encoding is the replication session's, and the server checks it.
//! <https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2>

use bytes::{BufMut, Bytes, BytesMut};

use crate::cdc::apply_sql::TableShape;
use crate::cdc::pgoutput::{Tuple, Value};
use crate::dialect::quote_ident;
use crate::error::{Error, Result};

/// The `COPY` text data of `rows` (each one value per column of `shape`, in column order).
///
/// # Errors
///
/// An internal error for a row whose length is not the shape's (a stale relation), a config
/// error for a value the stream did not send in text (binary, or unchanged TOAST).
pub(super) fn encode(shape: &TableShape, rows: &[&Tuple]) -> Result<Bytes> {
    let guess: usize = rows.iter().map(|r| row_size(r)).sum();
    let mut out = BytesMut::with_capacity(guess);
    for row in rows {
        for (i, value) in shape.values(row)?.iter().enumerate() {
            if i > 0 {
                out.put_u8(b'\t');
            }
            match value {
                Value::Null => out.put_slice(b"\\N"),
                Value::Text(text) => escape(text, &mut out),
                Value::Binary(_) | Value::UnchangedToast => return Err(not_text(shape, i)),
            }
        }
        out.put_u8(b'\n');
    }
    Ok(out.freeze())
}

/// About the encoded size of a row (escapes aside).
fn row_size(row: &Tuple) -> usize {
    row.0
        .iter()
        .map(|v| match v {
            Value::Text(b) | Value::Binary(b) => b.len() + 1,
            Value::Null | Value::UnchangedToast => 3,
        })
        .sum()
}

/// `text` with the text format's escapes, appended to `out`.
fn escape(text: &[u8], out: &mut BytesMut) {
    let mut rest = text;
    while let Some(at) = rest.iter().position(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        out.put_slice(&rest[..at]);
        out.put_slice(match rest[at] {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            _ => b"\\r",
        });
        rest = &rest[at + 1..];
    }
    out.put_slice(rest);
}

/// A value that cannot go into text `COPY` data.
fn not_text(shape: &TableShape, i: usize) -> Error {
    let column = shape.columns.get(i).map(|c| c.name.as_str()).unwrap_or("?");
    Error::config(format!(
        "column {} of table {}: a new row's value is not in the replication stream as text \
         (binary, or an unchanged TOAST value)",
        quote_ident(column),
        shape.quoted()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdc::apply_sql::{ShapeColumn, SqlType};

    fn shape(columns: usize) -> TableShape {
        TableShape {
            schema: "s".into(),
            name: "t".into(),
            columns: (0..columns)
                .map(|i| ShapeColumn {
                    name: format!("c{i}"),
                    sql_type: SqlType::new("pg_catalog", "text"),
                })
                .collect(),
            key: vec![0],
            overriding: false,
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn encoded(values: Vec<Value>) -> String {
        let row = Tuple(values);
        let shape = shape(row.0.len());
        String::from_utf8(encode(&shape, &[&row]).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn nulls_and_plain_values_are_tab_separated_rows() {
        assert_eq!(encoded(vec![text("1"), Value::Null, text("x y")]), "1\t\\N\tx y\n");
        // The empty string is a value, distinct from NULL.
        assert_eq!(encoded(vec![text(""), Value::Null]), "\t\\N\n");
    }

    #[test]
    fn the_text_format_escapes_are_applied() {
        assert_eq!(encoded(vec![text("\\N")]), "\\\\N\n");
        assert_eq!(encoded(vec![text("a\tb\nc\rd\\e")]), "a\\tb\\nc\\rd\\\\e\n");
        assert_eq!(encoded(vec![text("\\x00ff")]), "\\\\x00ff\n");
        assert_eq!(encoded(vec![text("\\.")]), "\\\\.\n");
        assert_eq!(encoded(vec![text("\n\n")]), "\\n\\n\n");
    }

    #[test]
    fn non_ascii_passes_unchanged() {
        assert_eq!(encoded(vec![text("Grüße, 東京 🦆")]), "Grüße, 東京 🦆\n");
    }

    #[test]
    fn several_rows_follow_each_other() {
        let (a, b) = (Tuple(vec![text("1"), text("a")]), Tuple(vec![text("2"), Value::Null]));
        let data = encode(&shape(2), &[&a, &b]).unwrap();
        assert_eq!(&data[..], b"1\ta\n2\t\\N\n");
    }

    #[test]
    fn values_that_are_not_text_or_rows_of_another_shape_are_refused() {
        let row = Tuple(vec![text("1"), Value::UnchangedToast]);
        let err = encode(&shape(2), &[&row]).unwrap_err();
        assert!(err.to_string().contains(r#"column "c1" of table "s"."t""#), "{err}");
        let err = encode(&shape(3), &[&row]).unwrap_err();
        assert!(err.to_string().contains("2 values for 3 columns"), "{err}");
    }
}
