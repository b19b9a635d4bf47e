//! A small exact JSON canonicaliser for `json`/`jsonb` (PostgreSQL) and `JSON` (CockroachDB).
//!
//! PostgreSQL `jsonb` prints object keys ordered by length then bytes with `": "`/`", "`;
//! CockroachDB sorts keys by bytes; both keep the last of duplicate keys and the written scale
//! of numbers (`1.10`). The canonical form sorts keys by their unescaped bytes, keeps the last
//! duplicate, drops whitespace, writes strings with one escaping scheme and numbers as exact
//! decimals (never through `f64`, which would merge `1.10` with `1.1` and lose digits).

use super::decimal::{self, Num};

/// Deeper nesting is refused (PostgreSQL refuses depths past its stack limit too).
const MAX_DEPTH: usize = 1000;

/// Numbers with a larger scale (either sign) are written in exponent form.
const PLAIN_LIMIT: i64 = 1000;

/// A parsed JSON value; strings are unescaped bytes (WTF-8: a lone surrogate escape keeps its
/// three-byte encoding, which no valid UTF-8 text contains).
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(Num),
    String(Vec<u8>),
    Array(Vec<Json>),
    Object(Vec<(Vec<u8>, Json)>),
}

type Res<T> = Result<T, &'static str>;

/// Appends the canonical text of one JSON document.
pub(super) fn canonical(text: &[u8], out: &mut Vec<u8>) -> Res<()> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.at != text.len() {
        return Err("trailing characters");
    }
    write(&value, out);
    Ok(())
}

/// A cursor over the document.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.text.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Res<Json> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err("bad literal")
        }
    }

    fn value(&mut self, depth: usize) -> Res<Json> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply");
        }
        match self.peek().ok_or("unexpected end")? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => Ok(Json::String(self.string()?)),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            _ => self.number(),
        }
    }

    fn number(&mut self) -> Res<Json> {
        let start = self.at;
        while matches!(self.text.get(self.at), Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            self.at += 1;
        }
        let token = &self.text[start..self.at];
        match token.first() {
            Some(b'0'..=b'9' | b'-') => {}
            _ => return Err("unexpected character"),
        }
        match decimal::parse(token)? {
            num @ Num::Finite(_) => Ok(Json::Number(num)),
            _ => Err("not a JSON number"),
        }
    }

    fn array(&mut self, depth: usize) -> Res<Json> {
        self.at += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err("expected , or ]");
            }
        }
    }

    fn object(&mut self, depth: usize) -> Res<Json> {
        self.at += 1;
        let mut members: Vec<(Vec<u8>, Json)> = Vec::new();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err("expected a key");
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return Err("expected :");
            }
            members.push((key, self.value(depth + 1)?));
            if self.eat(b'}') {
                break;
            }
            if !self.eat(b',') {
                return Err("expected , or }");
            }
        }
        // Stable sort, then keep the last of each run of equal keys.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(Vec<u8>, Json)> = Vec::with_capacity(members.len());
        for member in members {
            match unique.last_mut() {
                Some(last) if last.0 == member.0 => *last = member,
                _ => unique.push(member),
            }
        }
        Ok(Json::Object(unique))
    }

    /// A string at `"`: unescaped bytes.
    fn string(&mut self) -> Res<Vec<u8>> {
        self.at += 1;
        let mut bytes = Vec::new();
        loop {
            let c = *self.text.get(self.at).ok_or("unterminated string")?;
            self.at += 1;
            match c {
                b'"' => return Ok(bytes),
                b'\\' => self.escape(&mut bytes)?,
                _ => bytes.push(c),
            }
        }
    }

    fn escape(&mut self, bytes: &mut Vec<u8>) -> Res<()> {
        let c = *self.text.get(self.at).ok_or("unterminated escape")?;
        self.at += 1;
        let plain = match c {
            b'"' | b'\\' | b'/' => c,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode(bytes),
            _ => return Err("bad escape"),
        };
        bytes.push(plain);
        Ok(())
    }

    fn hex4(&mut self) -> Res<u32> {
        let digits = self.text.get(self.at..self.at + 4).ok_or("short \\u escape")?;
        let digits = std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?;
        let unit = u32::from_str_radix(digits, 16).map_err(|_| "bad \\u escape")?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err("bad \\u escape");
        }
        self.at += 4;
        Ok(unit)
    }

    /// `\uXXXX`, combining a surrogate pair; a lone surrogate keeps its WTF-8 bytes.
    fn unicode(&mut self, bytes: &mut Vec<u8>) -> Res<()> {
        let mut code = self.hex4()?;
        if (0xD800..0xDC00).contains(&code) && self.text[self.at..].starts_with(b"\\u") {
            let save = self.at;
            self.at += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            } else {
                self.at = save;
            }
        }
        let mut buf = [0u8; 4];
        match char::from_u32(code) {
            Some(ch) => bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes()),
            None => bytes.extend_from_slice(&[
                0xE0 | (code >> 12) as u8,
                0x80 | ((code >> 6) & 0x3F) as u8,
                0x80 | (code & 0x3F) as u8,
            ]),
        }
        Ok(())
    }
}

/// Writes the canonical text of a parsed value.
fn write(value: &Json, out: &mut Vec<u8>) {
    match value {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Json::Number(num) => write_number(num, out),
        Json::String(s) => write_string(s, out),
        Json::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Json::Object(members) => {
            out.push(b'{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write(item, out);
            }
            out.push(b'}');
        }
    }
}

/// A number in plain notation, or `coefficientE-scale` when plain notation would be longer
/// than [`PLAIN_LIMIT`] zeros (the choice depends on the value only, and plain text never
/// contains `E`, so the form stays unique).
fn write_number(num: &Num, out: &mut Vec<u8>) {
    match num {
        Num::Finite(d) if d.scale.abs() > PLAIN_LIMIT => {
            if d.neg {
                out.push(b'-');
            }
            out.extend_from_slice(&d.coef);
            out.extend_from_slice(format!("E{}", -d.scale).as_bytes());
        }
        _ => out.extend_from_slice(decimal::to_text(num).as_bytes()),
    }
}

/// A string with only `"`, `\` and control characters escaped (`\u00XX`).
fn write_string(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..=0x1F => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}
