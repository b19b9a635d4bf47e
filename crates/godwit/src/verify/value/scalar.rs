//! Canonical equality forms of text values, one function per family.
//!
//! Every form is prefix-free: fixed width (integers, floats, dates, times, uuids, inet),
//! length-prefixed (text, bytes, json, bits, other) or self-delimiting (numeric, arrays).

use super::{Family, ValueError, array, decimal, inet, json, put_len_prefixed, time};

/// See [`super::canonical_text`].
pub(super) fn canonical(family: &Family, text: &[u8], out: &mut Vec<u8>) -> Result<(), ValueError> {
    let err = |problem| ValueError::new(family, problem);
    match family {
        Family::Bool => out.push(u8::from(parse_bool(text).map_err(err)?)),
        Family::Int => out.extend_from_slice(&parse_int(text).map_err(err)?.to_be_bytes()),
        Family::Float4 => float4(text, out).map_err(err)?,
        Family::Float8 => float8(text, out).map_err(err)?,
        Family::Numeric => decimal::canonical(&decimal::parse(text).map_err(err)?, out),
        Family::Text | Family::Bits | Family::Other => {
            if *family == Family::Bits && !text.iter().all(|c| *c == b'0' || *c == b'1') {
                return Err(err("not a bit string"));
            }
            put_len_prefixed(out, text);
        }
        Family::Char => put_len_prefixed(out, trim_char(text)),
        Family::Bytea => put_len_prefixed(out, &parse_bytea(text).map_err(err)?),
        Family::Uuid => out.extend_from_slice(&parse_uuid(text).map_err(err)?),
        Family::Date => out.extend_from_slice(&time::parse_date(text).map_err(err)?.to_be_bytes()),
        Family::Time => {
            let micros = time::parse_time(text.trim_ascii()).map_err(err)?;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Family::TimeTz => {
            let (micros, offset) = time::parse_timetz(text).map_err(err)?;
            out.extend_from_slice(&micros.to_be_bytes());
            out.extend_from_slice(&offset.to_be_bytes());
        }
        Family::Timestamp | Family::TimestampTz => {
            let zone = *family == Family::TimestampTz;
            let micros = time::parse_timestamp(text, zone).map_err(err)?;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        Family::Interval => {
            let iv = time::parse_interval(text).map_err(err)?;
            for part in [iv.months, iv.days, iv.micros] {
                out.extend_from_slice(&part.to_be_bytes());
            }
        }
        Family::Json => {
            let mut doc = Vec::new();
            json::canonical(text, &mut doc).map_err(err)?;
            put_len_prefixed(out, &doc);
        }
        Family::Inet => inet::canonical(text, out).map_err(err)?,
        Family::Array(elem) if **elem == Family::Other => put_len_prefixed(out, text),
        Family::Array(elem) => array::canonical(elem, text, out)?,
    }
    Ok(())
}

type Res<T> = Result<T, &'static str>;

/// `t`/`f` (the wire form of both dialects) or `true`/`false`.
pub(super) fn parse_bool(text: &[u8]) -> Res<bool> {
    match text.trim_ascii() {
        b"t" | b"true" | b"T" | b"TRUE" | b"True" => Ok(true),
        b"f" | b"false" | b"F" | b"FALSE" | b"False" => Ok(false),
        _ => Err("not a boolean"),
    }
}

/// A decimal 64-bit integer.
pub(super) fn parse_int(text: &[u8]) -> Res<i64> {
    let text = std::str::from_utf8(text.trim_ascii()).map_err(|_| "not an integer")?;
    text.parse().map_err(|_| "not a 64-bit integer")
}

/// Blank-padded `char(n)`: trailing spaces are not part of the value.
pub(super) fn trim_char(text: &[u8]) -> &[u8] {
    let end = text.iter().rposition(|c| *c != b' ').map_or(0, |i| i + 1);
    &text[..end]
}

/// A float's text: digits (any precision), `Infinity`/`inf`/`+Inf`/`NaN` in any case.
fn float_text(text: &[u8]) -> Res<&str> {
    let text = std::str::from_utf8(text.trim_ascii()).map_err(|_| "not a number")?;
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let special = ["nan", "inf", "infinity"].iter().any(|s| body.eq_ignore_ascii_case(s));
    if body.is_empty()
        || !(special
            || body.bytes().all(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')))
    {
        return Err("not a number");
    }
    Ok(text)
}

/// `float4`: the bits of the `f32` (one NaN; `-0` is not `0`).
fn float4(text: &[u8], out: &mut Vec<u8>) -> Res<()> {
    let value: f32 = float_text(text)?.parse().map_err(|_| "not a number")?;
    let bits = if value.is_nan() { f32::NAN.to_bits() } else { value.to_bits() };
    out.extend_from_slice(&bits.to_be_bytes());
    Ok(())
}

/// `float8`: the bits of the `f64` (one NaN; `-0` is not `0`).
fn float8(text: &[u8], out: &mut Vec<u8>) -> Res<()> {
    let value: f64 = float_text(text)?.parse().map_err(|_| "not a number")?;
    let bits = if value.is_nan() { f64::NAN.to_bits() } else { value.to_bits() };
    out.extend_from_slice(&bits.to_be_bytes());
    Ok(())
}

/// `bytea` text: `\x` hex (`bytea_output='hex'`) or the escape format (`\\`, `\ooo`).
pub(super) fn parse_bytea(text: &[u8]) -> Res<Vec<u8>> {
    if let Some(hex) = text.strip_prefix(b"\\x") {
        return decode_hex(hex);
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' {
            bytes.push(text[i]);
            i += 1;
        } else if text.get(i + 1) == Some(&b'\\') {
            bytes.push(b'\\');
            i += 2;
        } else {
            let octal = text.get(i + 1..i + 4).ok_or("bad escape")?;
            if !octal.iter().all(|c| (b'0'..=b'7').contains(c)) || octal[0] > b'3' {
                return Err("bad escape");
            }
            bytes.push(octal.iter().fold(0, |n, d| n * 8 + (d - b'0')));
            i += 4;
        }
    }
    Ok(bytes)
}

/// Pairs of hex digits (either case).
fn decode_hex(hex: &[u8]) -> Res<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return Err("odd number of hex digits");
    }
    hex.chunks(2).map(|pair| Ok(hex_digit(pair[0])? << 4 | hex_digit(pair[1])?)).collect()
}

fn hex_digit(c: u8) -> Res<u8> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err("bad hex digit"),
    }
}

/// 32 hex digits, hyphens anywhere (the output form is `8-4-4-4-12`), optional braces.
pub(super) fn parse_uuid(text: &[u8]) -> Res<[u8; 16]> {
    let text = text.trim_ascii();
    let text = text.strip_prefix(b"{").and_then(|t| t.strip_suffix(b"}")).unwrap_or(text);
    let digits: Vec<u8> = text.iter().copied().filter(|c| *c != b'-').collect();
    if digits.len() != 32 {
        return Err("not 32 hex digits");
    }
    let bytes = decode_hex(&digits)?;
    bytes.try_into().map_err(|_| "not 16 bytes")
}
