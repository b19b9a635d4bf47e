//! Exact decimals: `numeric`/`DECIMAL` values and JSON numbers, from PostgreSQL's plain text,
//! CockroachDB's exponent text (`1E-10`, `1.0E-16`, `1E+2`, `-0.00`) and PostgreSQL's binary
//! send format (base-10000 digits with a display scale).
//!
//! A value keeps its display scale (`1.5` and `1.50` are different values to a user), but a
//! negative zero is a zero: PostgreSQL has none, CockroachDB keeps the sign.

/// The longest exponent accepted; PostgreSQL's numeric range is far smaller, and the bound keeps
/// every representation small.
const MAX_EXPONENT: i64 = 1_000_000;

/// A numeric value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Num {
    /// `NaN`.
    NaN,
    /// `Infinity`.
    PosInf,
    /// `-Infinity`.
    NegInf,
    /// A finite value.
    Finite(Decimal),
}

/// A finite decimal `(-1)^neg * coef * 10^-scale`, normalised: `coef` has no leading zeros
/// (empty is zero, never negative); a negative `scale` only occurs with trailing zeros of the
/// integer moved into it (`100` is `1`, scale -2), so every value has one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decimal {
    /// Below zero.
    pub neg: bool,
    /// ASCII digits of the coefficient.
    pub coef: Vec<u8>,
    /// Digits after the decimal point (negative: zeros before it).
    pub scale: i64,
}

impl Decimal {
    /// Normalises sign, leading zeros and non-positive scales.
    fn new(neg: bool, coef: &[u8], scale: i64) -> Decimal {
        let start = coef.iter().position(|d| *d != b'0').unwrap_or(coef.len());
        let mut coef = coef[start..].to_vec();
        let mut scale = scale;
        if coef.is_empty() {
            return Decimal { neg: false, coef, scale: scale.max(0) };
        }
        while scale <= 0 && coef.last() == Some(&b'0') {
            coef.pop();
            scale -= 1;
        }
        Decimal { neg, coef, scale }
    }

    /// The number of digits after the point as PostgreSQL displays it.
    pub fn display_scale(&self) -> i64 {
        self.scale.max(0)
    }
}

/// Parses plain or exponent notation, `NaN`, `Infinity`, `inf` (any case, optional sign).
pub(super) fn parse(text: &[u8]) -> Result<Num, &'static str> {
    let text = text.trim_ascii();
    let (neg, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if body.eq_ignore_ascii_case(b"nan") {
        return Ok(Num::NaN);
    }
    if body.eq_ignore_ascii_case(b"infinity") || body.eq_ignore_ascii_case(b"inf") {
        return Ok(if neg { Num::NegInf } else { Num::PosInf });
    }
    let (mantissa, exponent) = match body.iter().position(|c| *c == b'e' || *c == b'E') {
        Some(at) => (&body[..at], parse_exponent(&body[at + 1..])?),
        None => (body, 0),
    };
    let (int, frac) = match mantissa.iter().position(|c| *c == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &mantissa[..0]),
    };
    if int.is_empty() && frac.is_empty() {
        return Err("no digits");
    }
    if !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return Err("not a number");
    }
    let coef = [int, frac].concat();
    let frac_len = i64::try_from(frac.len()).map_err(|_| "too long")?;
    Ok(Num::Finite(Decimal::new(neg, &coef, frac_len - exponent)))
}

/// The signed decimal exponent after `e`, bounded by [`MAX_EXPONENT`].
fn parse_exponent(text: &[u8]) -> Result<i64, &'static str> {
    let (neg, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err("bad exponent");
    }
    let mut value: i64 = 0;
    for d in digits {
        value = value * 10 + i64::from(d - b'0');
        if value > MAX_EXPONENT {
            return Err("exponent out of range");
        }
    }
    Ok(if neg { -value } else { value })
}

/// Decodes PostgreSQL's `numeric_send` format: ndigits, weight, sign, dscale (16 bits each),
/// then ndigits base-10000 digits; the value is `sum(d[i] * 10000^(weight - i))`.
pub(super) fn from_binary(raw: &[u8]) -> Result<Num, &'static str> {
    let word = |i: usize| -> Result<u16, &'static str> {
        match raw.get(2 * i..2 * i + 2) {
            Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
            None => Err("truncated"),
        }
    };
    let ndigits = usize::try_from(word(0)? as i16).map_err(|_| "negative digit count")?;
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = i64::from(word(3)?);
    if raw.len() != 8 + 2 * ndigits {
        return Err("length does not match the digit count");
    }
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Ok(Num::NaN),
        0xD000 => return Ok(Num::PosInf),
        0xF000 => return Ok(Num::NegInf),
        _ => return Err("bad sign"),
    }
    let mut coef = Vec::with_capacity(4 * ndigits);
    for i in 0..ndigits {
        let digit = word(4 + i)?;
        if digit > 9999 {
            return Err("digit out of range");
        }
        coef.extend_from_slice(format!("{digit:04}").as_bytes());
    }
    // coef * 10^(4 * (weight - ndigits + 1)); re-express with scale dscale.
    let scale = 4 * (i64::try_from(ndigits).map_err(|_| "too long")? - 1 - weight);
    if scale > dscale {
        let extra = usize::try_from(scale - dscale).map_err(|_| "bad scale")?;
        let keep = coef.len().saturating_sub(extra);
        if coef[keep..].iter().any(|d| *d != b'0') {
            return Err("digits beyond the display scale");
        }
        coef.truncate(keep);
    } else {
        let pad = usize::try_from(dscale - scale).map_err(|_| "bad scale")?;
        coef.resize(coef.len() + pad, b'0');
    }
    Ok(Num::Finite(Decimal::new(sign == 0x4000, &coef, dscale)))
}

/// Appends the canonical equality form: a tag, then for finite values the sign, the
/// length-prefixed coefficient and the scale.
pub(super) fn canonical(num: &Num, out: &mut Vec<u8>) {
    match num {
        Num::NaN => out.push(0),
        Num::NegInf => out.push(1),
        Num::PosInf => out.push(3),
        Num::Finite(d) => {
            out.push(2);
            out.push(u8::from(d.neg));
            super::put_len_prefixed(out, &d.coef);
            out.extend_from_slice(&d.scale.to_be_bytes());
        }
    }
}

/// Appends the memcomparable key form, in PostgreSQL's order: `-Infinity` < negatives < zero <
/// positives < `Infinity` < `NaN`; equal values of different scales are ordered by scale.
pub(super) fn key(num: &Num, out: &mut Vec<u8>) {
    match num {
        Num::NegInf => out.push(1),
        Num::PosInf => out.push(5),
        Num::NaN => out.push(6),
        Num::Finite(d) if d.coef.is_empty() => out.push(3),
        Num::Finite(d) => {
            out.push(if d.neg { 2 } else { 4 });
            let start = out.len();
            magnitude_key(d, out);
            if d.neg {
                out[start..].iter_mut().for_each(|b| *b = !*b);
            }
        }
    }
    if let Num::Finite(d) = num {
        let scale = u32::try_from(d.display_scale()).unwrap_or(u32::MAX);
        out.extend_from_slice(&scale.to_be_bytes());
    }
}

/// The order-preserving form of a non-zero magnitude `0.d1d2d3... * 10^exp`: the exponent
/// (sign-flipped big-endian), the significant digits as bytes 1..=10, a 0 terminator.
fn magnitude_key(d: &Decimal, out: &mut Vec<u8>) {
    let len = i64::try_from(d.coef.len()).unwrap_or(i64::MAX);
    let exp = i32::try_from(len - d.scale).unwrap_or(if d.scale < 0 { i32::MAX } else { i32::MIN });
    out.extend_from_slice(&((exp as u32) ^ 0x8000_0000).to_be_bytes());
    let end = d.coef.iter().rposition(|c| *c != b'0').map_or(0, |i| i + 1);
    out.extend(d.coef[..end].iter().map(|c| c - b'0' + 1));
    out.push(0);
}

/// PostgreSQL's text form: plain notation with the display scale, no negative zero.
pub(super) fn to_text(num: &Num) -> String {
    let d = match num {
        Num::NaN => return "NaN".to_owned(),
        Num::PosInf => return "Infinity".to_owned(),
        Num::NegInf => return "-Infinity".to_owned(),
        Num::Finite(d) => d,
    };
    let mut digits = String::from_utf8_lossy(&d.coef).into_owned();
    if d.scale < 0 {
        digits.extend(std::iter::repeat_n('0', usize::try_from(-d.scale).unwrap_or(0)));
    }
    let scale = usize::try_from(d.display_scale()).unwrap_or(0);
    if digits.len() <= scale {
        digits.insert_str(0, &"0".repeat(scale + 1 - digits.len()));
    }
    if scale > 0 {
        digits.insert(digits.len() - scale, '.');
    }
    if d.neg {
        digits.insert(0, '-');
    }
    digits
}
