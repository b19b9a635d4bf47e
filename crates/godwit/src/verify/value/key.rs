//! Order-preserving (memcomparable) key encodings: comparing two encodings with `<` on `[u8]`
//! gives the order of `ORDER BY col<order_suffix>` on either dialect.
//!
//! - integers, dates, timestamps: big-endian with the sign bit flipped (PostgreSQL stores the
//!   infinities as the extreme integers, so they sort first and last as in the database);
//! - text, `char(n)` (trailing blanks removed, as `bpchar` compares), `bytea`: the bytes with
//!   0x00 escaped as 0x00 0xFF and terminated by 0x00 0x01, so a prefix sorts first and the
//!   encodings of a composite key can be concatenated;
//! - uuid: the 16 bytes (both dialects compare uuids bytewise);
//! - numeric: see [`decimal::key`]. CockroachDB sorts a `NaN` decimal first where PostgreSQL
//!   sorts it last, so a `NaN` key read from CockroachDB arrives out of this order.

use super::decimal::{self, Num};
use super::scalar::{parse_bool, parse_bytea, parse_int, parse_uuid, trim_char};
use super::{Family, ValueError, time};

/// One key value, whichever form it was read from.
#[derive(Debug)]
enum Key {
    Bool(bool),
    Int(i64),
    Num(Num),
    /// Text, trimmed `char(n)` or `bytea`.
    Bytes(Vec<u8>),
    Uuid([u8; 16]),
    Date(i32),
    /// Timestamp or timestamptz microseconds since 2000-01-01 (UTC).
    Micros(i64),
}

/// Appends an order-preserving (memcomparable) encoding of a non-NULL key value given in
/// PostgreSQL binary (send) format. Prefix-free: composite keys concatenate their columns.
pub(crate) fn key_binary(family: &Family, raw: &[u8], out: &mut Vec<u8>) -> Result<(), ValueError> {
    encode(&from_binary(family, raw)?, out);
    Ok(())
}

/// The same encoding as [`key_binary`] from a text value (CockroachDB text COPY, or
/// PostgreSQL text, under the pinned session settings).
pub(crate) fn key_text(family: &Family, text: &[u8], out: &mut Vec<u8>) -> Result<(), ValueError> {
    encode(&from_text(family, text)?, out);
    Ok(())
}

/// The PostgreSQL text form of a binary key value (for reports, and cast back with `::type`
/// in re-queries).
pub(crate) fn key_binary_to_text(family: &Family, raw: &[u8]) -> Result<String, ValueError> {
    let key = from_binary(family, raw)?;
    let err = |problem| ValueError::new(family, problem);
    Ok(match (family, key) {
        (_, Key::Bool(b)) => (if b { "t" } else { "f" }).to_owned(),
        (_, Key::Int(i)) => i.to_string(),
        (_, Key::Num(num)) => decimal::to_text(&num),
        (Family::Bytea, Key::Bytes(_)) => format!("\\x{}", hex(raw)),
        // `char(n)`: the padded value as sent.
        (Family::Char, Key::Bytes(_)) => {
            String::from_utf8(raw.to_vec()).map_err(|_| err("not UTF-8"))?
        }
        (_, Key::Bytes(bytes)) => String::from_utf8(bytes).map_err(|_| err("not UTF-8"))?,
        (_, Key::Uuid(u)) => uuid_text(&u),
        (_, Key::Date(days)) => time::date_text(days),
        (_, Key::Micros(micros)) => time::timestamp_text(micros, *family == Family::TimestampTz),
    })
}

/// Decodes PostgreSQL's binary send format of an orderable family.
fn from_binary(family: &Family, raw: &[u8]) -> Result<Key, ValueError> {
    let err = |problem| ValueError::new(family, problem);
    let wrong_size = || err("wrong binary size");
    Ok(match family {
        Family::Bool => match raw {
            [0] => Key::Bool(false),
            [1] => Key::Bool(true),
            _ => return Err(wrong_size()),
        },
        Family::Int => Key::Int(match raw.len() {
            2 => i64::from(i16::from_be_bytes([raw[0], raw[1]])),
            4 => i64::from(i32::from_be_bytes(raw.try_into().map_err(|_| wrong_size())?)),
            8 => i64::from_be_bytes(raw.try_into().map_err(|_| wrong_size())?),
            _ => return Err(wrong_size()),
        }),
        Family::Numeric => Key::Num(decimal::from_binary(raw).map_err(err)?),
        Family::Text | Family::Bytea => Key::Bytes(raw.to_vec()),
        Family::Char => Key::Bytes(trim_char(raw).to_vec()),
        Family::Uuid => Key::Uuid(raw.try_into().map_err(|_| wrong_size())?),
        Family::Date => Key::Date(i32::from_be_bytes(raw.try_into().map_err(|_| wrong_size())?)),
        Family::Timestamp | Family::TimestampTz => {
            Key::Micros(i64::from_be_bytes(raw.try_into().map_err(|_| wrong_size())?))
        }
        _ => return Err(err("not an orderable key type")),
    })
}

/// Parses the text form of an orderable family.
fn from_text(family: &Family, text: &[u8]) -> Result<Key, ValueError> {
    let err = |problem| ValueError::new(family, problem);
    Ok(match family {
        Family::Bool => Key::Bool(parse_bool(text).map_err(err)?),
        Family::Int => Key::Int(parse_int(text).map_err(err)?),
        Family::Numeric => Key::Num(decimal::parse(text).map_err(err)?),
        Family::Text => Key::Bytes(text.to_vec()),
        Family::Char => Key::Bytes(trim_char(text).to_vec()),
        Family::Bytea => Key::Bytes(parse_bytea(text).map_err(err)?),
        Family::Uuid => Key::Uuid(parse_uuid(text).map_err(err)?),
        Family::Date => Key::Date(time::parse_date(text).map_err(err)?),
        Family::Timestamp | Family::TimestampTz => {
            let zone = *family == Family::TimestampTz;
            Key::Micros(time::parse_timestamp(text, zone).map_err(err)?)
        }
        _ => return Err(err("not an orderable key type")),
    })
}

/// Appends the memcomparable form.
fn encode(key: &Key, out: &mut Vec<u8>) {
    match key {
        Key::Bool(b) => out.push(u8::from(*b)),
        Key::Int(i) => out.extend_from_slice(&((*i as u64) ^ (1 << 63)).to_be_bytes()),
        Key::Num(num) => decimal::key(num, out),
        Key::Bytes(bytes) => escaped(bytes, out),
        Key::Uuid(u) => out.extend_from_slice(u),
        Key::Date(d) => out.extend_from_slice(&((*d as u32) ^ (1 << 31)).to_be_bytes()),
        Key::Micros(m) => out.extend_from_slice(&((*m as u64) ^ (1 << 63)).to_be_bytes()),
    }
}

/// Bytes with 0x00 as 0x00 0xFF, terminated by 0x00 0x01.
fn escaped(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `8-4-4-4-12` lowercase.
fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex(u);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}
