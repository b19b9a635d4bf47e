//! Redaction of raw connection strings, valid or not, for logs and error messages.
//!
//! Works on text rather than on a parse, so it also covers strings libpq would reject: it hides
//! the value after every `password` word (`password=x`, `sslpassword = 'x y'`,
//! `?password=x&...`, percent-encoded query keys) and everything between the first `:` and an
//! `@` of a URI authority (`postgresql://u:secret@h`, also embedded in a `dbname=` value). When
//! the shape is unclear it hides too much rather than too little; it never fails or panics.

use std::ops::Range;

use super::parse::is_space;
use crate::error::Error;

/// What replaces a hidden value.
const MASK: &str = "********";

/// Redact any raw connection string (URI or key=value, even malformed) by replacing password
/// values (URI userinfo password, `password=` in query or key=value form) with "********".
/// Never fails, never panics.
pub fn redact(input: &str) -> String {
    mask(input, hidden_ranges(input))
}

/// The byte ranges of `input` that [`redact`] hides.
fn hidden_ranges(input: &str) -> Vec<Range<usize>> {
    let uri = starts_with_scheme(input.trim_start());
    let mut hidden = Vec::new();
    password_values(input, uri, &mut hidden);
    if uri {
        query_secrets(input, &mut hidden);
    }
    userinfo_passwords(input, &mut hidden);
    hidden.retain(|r| r.start < r.end);
    hidden
}

/// Last line of defence for error messages about `input`: every double-quoted fragment of the
/// message that shares text with a part of `input` that [`redact`] hides becomes "********".
/// "Shares" means a common run of 4 characters, or the whole hidden part when it is shorter,
/// so fragments that were unescaped, decoded or redacted on their own are still caught.
pub(super) fn scrub_error(input: &str, error: Error) -> Error {
    let hidden: Vec<&str> = hidden_ranges(input).into_iter().filter_map(|r| input.get(r)).collect();
    let leaks = |fragment: &str| hidden.iter().any(|h| shares_text(fragment, h));
    let parts: Vec<&str> = error.message().split('"').collect();
    if !parts.iter().skip(1).step_by(2).any(|p| leaks(p)) {
        return error;
    }
    let scrubbed: Vec<&str> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| if i % 2 == 1 && leaks(p) { MASK } else { p })
        .collect();
    Error::new(error.kind(), scrubbed.join("\""))
}

/// Whether `fragment` contains a run of 4 characters of `secret` (all of it when shorter).
fn shares_text(fragment: &str, secret: &str) -> bool {
    let chars: Vec<(usize, char)> = secret.char_indices().collect();
    let width = chars.len().min(4);
    if width == 0 {
        return false;
    }
    (0..=chars.len() - width).any(|i| {
        let end = chars.get(i + width).map_or(secret.len(), |(at, _)| *at);
        fragment.contains(&secret[chars[i].0..end])
    })
}

/// Whether `s` starts like `scheme://` (any scheme: a misspelt one is still a URI to hide).
fn starts_with_scheme(s: &str) -> bool {
    let Some(end) = s.find("://") else {
        return false;
    };
    let scheme = &s[..end];
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// The value after each `password` word: after `=` if there is one (spaces allowed around it),
/// else the next word. URI values end at `&`; keyword values at unescaped whitespace or at
/// their closing quote.
fn password_values(input: &str, uri: bool, hidden: &mut Vec<Range<usize>>) {
    let lower = input.to_ascii_lowercase();
    let bytes = input.as_bytes();
    for (at, word) in lower.match_indices("password") {
        let mut i = skip_spaces(bytes, at + word.len());
        if bytes.get(i) == Some(&b'=') {
            i = skip_spaces(bytes, i + 1);
        }
        hidden.push(i..value_end(bytes, i, uri));
    }
}

/// First index at or after `i` that is not whitespace.
fn skip_spaces(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| is_space(char::from(*b))) {
        i += 1;
    }
    i
}

/// Where a value starting at `start` ends.
fn value_end(bytes: &[u8], start: usize, uri: bool) -> usize {
    if uri {
        return bytes[start..].iter().position(|b| *b == b'&').map_or(bytes.len(), |p| start + p);
    }
    let quoted = bytes.get(start) == Some(&b'\'');
    let mut i = start + usize::from(quoted);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 1,
            b'\'' if quoted => return i + 1,
            _ if !quoted && is_space(char::from(b)) => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// URI query parameters whose decoded name mentions a password (`pass%77ord=x`), and pieces
/// without `=` that mention one.
fn query_secrets(input: &str, hidden: &mut Vec<Range<usize>>) {
    let Some(q) = input.find('?') else {
        return;
    };
    let mut start = q + 1;
    for piece in input[q + 1..].split('&') {
        let (name, value_at) = match piece.find('=') {
            Some(eq) => (&piece[..eq], start + eq + 1),
            None => (piece, start),
        };
        let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
        if name.to_ascii_lowercase().contains("password") {
            hidden.push(value_at..start + piece.len());
        }
        start += piece.len() + 1;
    }
}

/// `user:password@`: for every `@`, everything from the first `:` after the last `://` before
/// it. Several `@` (a password with an unencoded `@`) hide everything up to the last one.
fn userinfo_passwords(input: &str, hidden: &mut Vec<Range<usize>>) {
    let bytes = input.as_bytes();
    let mut colon = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' if bytes[i + 1..].starts_with(b"//") => {
                colon = None;
                i += 2;
            }
            b':' if colon.is_none() => colon = Some(i),
            b'@' => {
                if let Some(c) = colon {
                    hidden.push(c + 1..i);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Replace the union of `hidden` ranges with [`MASK`]; empty ranges are left alone.
fn mask(input: &str, mut hidden: Vec<Range<usize>>) -> String {
    hidden.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(input.len());
    let mut done = 0;
    for range in hidden {
        if range.end <= done {
            continue;
        }
        let start = range.start.max(done);
        if start > done {
            // Ranges start and end next to ASCII bytes, so these are char boundaries.
            out.push_str(input.get(done..start).unwrap_or(MASK));
            out.push_str(MASK);
        } else if !out.ends_with(MASK) {
            out.push_str(MASK);
        }
        done = range.end.min(input.len());
    }
    out.push_str(input.get(done..).unwrap_or(MASK));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uri_userinfo() {
        assert_eq!(redact("postgresql://u:secret@h/db"), "postgresql://u:********@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgresql://u:@h/db"), "postgresql://u:@h/db");
        assert_eq!(redact("postgresql://u:p@ss@h/db"), "postgresql://u:********@h/db");
        assert_eq!(redact("postgresql://u:pa/ss@h/db"), "postgresql://u:********@h/db");
        assert_eq!(redact("postgresql://h:5432,k:5433/db"), "postgresql://h:5432,k:5433/db");
    }

    #[test]
    fn query_passwords() {
        assert_eq!(
            redact("postgresql://h/db?password=secret&sslmode=require"),
            "postgresql://h/db?password=********&sslmode=require"
        );
        assert_eq!(
            redact("postgresql://h/db?sslmode=require&pass%77ord=secret"),
            "postgresql://h/db?sslmode=require&pass%77ord=********"
        );
        assert_eq!(
            redact("postgresql://h/db?password=se cret"),
            "postgresql://h/db?password=********"
        );
    }

    #[test]
    fn keyword_passwords() {
        assert_eq!(redact("host=h password=secret user=u"), "host=h password=******** user=u");
        assert_eq!(redact("password='se cret' user=u"), "password=******** user=u");
        assert_eq!(redact(r"password='it\'s x' user=u"), "password=******** user=u");
        assert_eq!(redact(r"password=se\ cret user=u"), "password=******** user=u");
        assert_eq!(redact("PASSWORD = secret"), "PASSWORD = ********");
        assert_eq!(redact("sslpassword=secret"), "sslpassword=********");
        assert_eq!(redact("password='unterminated secret"), "password=********");
        assert_eq!(redact("password secret"), "password ********");
        assert_eq!(redact("host=h password="), "host=h password=");
    }

    #[test]
    fn embedded_uri_in_dbname() {
        assert_eq!(
            redact("dbname=postgresql://u:secret@h/db user=x"),
            "dbname=postgresql://u:********@h/db user=x"
        );
    }

    #[test]
    fn harmless_strings_are_unchanged() {
        for s in
            ["", "host=h port=5432", "postgresql://h/db?sslmode=require", "garbage", "a:b", "a@b"]
        {
            assert_eq!(redact(s), s);
        }
    }

    #[test]
    fn unsure_means_aggressive() {
        assert_eq!(redact("foo:bar@baz"), "foo:********@baz");
        assert_eq!(redact("x:y@z passwd"), "x:********@z passwd");
        assert!(!redact("héllo:sé€ret@wörld").contains("sé€ret"));
    }

    #[test]
    fn scrub_error_masks_quoted_fragments_of_hidden_text() {
        let input = "user='password=' sslmode=s3cr\\ 3tPW'";
        let e = Error::config("invalid sslmode value: \"s3cr 3tPW\" (expected ...)");
        let scrubbed = scrub_error(input, e);
        assert_eq!(scrubbed.message(), "invalid sslmode value: \"********\" (expected ...)");
        assert_eq!(scrubbed.kind(), crate::error::ErrorKind::Config);
        let e = Error::config("invalid connection option \"foo\"");
        assert_eq!(
            scrub_error("password=x foo=1", e).message(),
            "invalid connection option \"foo\""
        );
    }

    /// A small deterministic generator (xorshift), so the property test needs no crate.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % n as u64).unwrap()
        }

        fn garbage(&mut self) -> String {
            const ALPHABET: &[&str] = &[
                "a",
                "b",
                "h",
                "p",
                "=",
                ":",
                "@",
                "/",
                "?",
                "&",
                "'",
                "\\",
                " ",
                "%",
                "%2",
                "%41",
                ",",
                "[",
                "]",
                "\t",
                "é",
                "€",
                "password",
                "://",
                "postgresql://",
                "host=",
                "user=",
                "pass",
                "word",
                "\n",
                "#",
                "*",
            ];
            let len = self.below(24);
            (0..len).map(|_| ALPHABET[self.below(ALPHABET.len())]).collect()
        }
    }

    #[test]
    fn property_redact_never_leaks_or_panics() {
        const SECRET: &str = "ZQXSECRETZQX";
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..600 {
            let (prefix, suffix) = (rng.garbage(), rng.garbage());
            let secret_form = match round % 4 {
                0 => format!("password={SECRET}"),
                1 => format!(":{SECRET}@"),
                2 => format!("password = '{SECRET}'"),
                _ => format!("postgresql://u:{SECRET}@h/db"),
            };
            let input = format!("{prefix}{secret_form}{suffix}");
            let out = redact(&input);
            assert!(!out.contains(SECRET), "leaked: {input:?} -> {out:?}");
            let noise = rng.garbage();
            let _ = redact(&noise);
        }
    }
}
