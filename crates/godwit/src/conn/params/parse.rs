//! Lexing of the two libpq connection-string forms into raw keyword/value pairs.
//!
//! Mirrors `conninfo_uri_parse_options` and `conninfo_parse` in libpq's `fe-connect.c`: URI
//! components are split first and percent-decoded afterwards, host and port lists keep their
//! commas so that empty entries mean "default", query parameters and later keywords override
//! earlier ones, and a `dbname` value in keyword form may itself be a URI that is expanded in
//! place (as `PQconnectdbParams` does with `expand_dbname`). Errors never quote a password:
//! fragments next to a password are left out and whole inputs are quoted through [`redact`].

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::str::CharIndices;

use super::redact::redact;
use crate::error::{Error, Result};

/// Keywords godwit understands (the last eight are accepted and ignored).
const KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "fallback_application_name",
    "connect_timeout",
    "options",
    "target_session_attrs",
    "sslcompression",
    "gssencmode",
    "sslpassword",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "channel_binding",
];

/// libpq keywords godwit does not implement; refused with a clearer message than "invalid".
const UNSUPPORTED: &[&str] = &[
    "service",
    "requiressl",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcertmode",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "requirepeer",
    "require_auth",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "replication",
    "tcp_user_timeout",
    "load_balance_hosts",
];

/// URI prefixes libpq recognises (case-sensitive, like libpq).
const URI_PREFIXES: [&str; 2] = ["postgresql://", "postgres://"];

/// Keyword/value pairs as written; later values replace earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct RawParams {
    values: BTreeMap<&'static str, String>,
}

impl RawParams {
    /// The value of `keyword`; an empty value counts as unset (libpq then uses the default).
    pub(super) fn get(&self, keyword: &str) -> Option<&str> {
        self.values.get(keyword).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether `keyword` appeared at all, even empty.
    pub(super) fn contains(&self, keyword: &str) -> bool {
        self.values.contains_key(keyword)
    }

    fn set(&mut self, keyword: &'static str, value: String) {
        self.values.insert(keyword, value);
    }
}

/// Which form a keyword came from, for libpq's two wordings of "unknown keyword".
#[derive(Clone, Copy)]
enum Form {
    Uri,
    Keyword,
}

/// Keywords whose values are secrets.
fn is_secret(keyword: &str) -> bool {
    keyword == "password" || keyword == "sslpassword"
}

/// A name as an error may show it: quoted when it looks like a keyword (a short lower-case
/// identifier), otherwise only described. Garbage in a name position can hold a password in a
/// form redaction cannot recognise (fuzzing found one), so it is never echoed.
fn shown_name(name: &str) -> String {
    let keyword_like = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if keyword_like {
        format!("\"{name}\"")
    } else {
        "(a name that is not a libpq keyword)".to_owned()
    }
}

/// The canonical keyword, or libpq's error for an unknown one.
fn keyword(name: &str, form: Form) -> Result<&'static str> {
    if let Some(known) = KEYWORDS.iter().find(|k| **k == name) {
        return Ok(known);
    }
    let shown = shown_name(name);
    if UNSUPPORTED.contains(&name) {
        return Err(Error::config(format!("connection option {shown} is not supported by godwit")));
    }
    Err(Error::config(match form {
        Form::Uri => format!("invalid URI query parameter: {shown}"),
        Form::Keyword => format!("invalid connection option {shown}"),
    }))
}

/// Parse either form; surrounding whitespace is ignored.
pub(super) fn parse(input: &str) -> Result<RawParams> {
    let input = input.trim();
    if is_uri(input) { parse_uri(input) } else { parse_keywords(input) }
}

/// Whether `s` starts with a libpq URI prefix.
pub(super) fn is_uri(s: &str) -> bool {
    URI_PREFIXES.iter().any(|p| s.starts_with(p))
}

// ---------------------------------------------------------------------------------------------
// URI form
// ---------------------------------------------------------------------------------------------

/// Parse `scheme://[user[:password]@][host[:port][,...]][/dbname][?key=value[&...]]`.
fn parse_uri(input: &str) -> Result<RawParams> {
    let rest = URI_PREFIXES.iter().find_map(|p| input.strip_prefix(p)).unwrap_or(input);
    let mut uri = UriParser { input, raw: RawParams::default() };
    let rest = uri.userinfo(rest)?;
    let rest = uri.hosts(rest)?;
    let rest = match rest.strip_prefix('/') {
        Some(path) => {
            let end = path.find('?').unwrap_or(path.len());
            if end > 0 {
                let dbname = decode(&path[..end], "database name in URI", false)?;
                uri.raw.set("dbname", dbname);
            }
            &path[end..]
        }
        None => rest,
    };
    if let Some(query) = rest.strip_prefix('?') {
        uri.query(query)?;
    }
    Ok(uri.raw)
}

/// State of one URI parse: the whole input (for messages) and what was found so far.
struct UriParser<'a> {
    input: &'a str,
    raw: RawParams,
}

impl UriParser<'_> {
    /// `user[:password]@`, recognised like libpq: an `@` before the first `/`.
    fn userinfo<'s>(&mut self, s: &'s str) -> Result<&'s str> {
        let Some(at) = s.find(['@', '/']).filter(|i| s.as_bytes()[*i] == b'@') else {
            return Ok(s);
        };
        let info = &s[..at];
        let (user, password) = match info.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (info, None),
        };
        if !user.is_empty() {
            self.raw.set("user", decode(user, "user name in URI", false)?);
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            self.raw.set("password", decode(password, "password in URI", true)?);
        }
        Ok(&s[at + 1..])
    }

    /// The comma-separated `host[:port]` list; returns what follows it (`/...`, `?...` or "").
    fn hosts<'s>(&mut self, s: &'s str) -> Result<&'s str> {
        let (mut hosts, mut ports) = (String::new(), String::new());
        let mut rest = s;
        loop {
            let (host, after) = self.host(rest)?;
            hosts.push_str(host);
            rest = after;
            if let Some(port) = rest.strip_prefix(':') {
                let end = port.find(['/', '?', ',']).unwrap_or(port.len());
                ports.push_str(&port[..end]);
                rest = &port[end..];
            }
            let Some(after) = rest.strip_prefix(',') else {
                break;
            };
            hosts.push(',');
            ports.push(',');
            rest = after;
        }
        if !hosts.is_empty() {
            self.raw.set("host", decode(&hosts, "host in URI", false)?);
        }
        if !ports.is_empty() {
            let ports = decode(&ports, "port in URI", false)?;
            self.check_ports(&ports, s.contains('@'))?;
            self.raw.set("port", ports);
        }
        Ok(rest)
    }

    /// One host: `[v6]` or a name up to `:`, `/`, `?` or `,`.
    fn host<'s>(&self, s: &'s str) -> Result<(&'s str, &'s str)> {
        let Some(inner) = s.strip_prefix('[') else {
            let end = s.find([':', '/', '?', ',']).unwrap_or(s.len());
            return Ok((&s[..end], &s[end..]));
        };
        let Some(close) = inner.find(']') else {
            return Err(self.error(
                "end of string reached when looking for matching \"]\" in IPv6 host address in URI",
            ));
        };
        if close == 0 {
            return Err(self.error("IPv6 host address may not be empty in URI"));
        }
        let after = &inner[close + 1..];
        match after.chars().next() {
            Some(c) if !":/?,".contains(c) => {
                let position = self.input.len() - after.len() + 1;
                Err(self.error(&format!(
                    "unexpected character \"{c}\" at position {position} in URI (expected \":\" or \"/\")"
                )))
            }
            _ => Ok((&inner[..close], after)),
        }
    }

    /// URI ports must be digits. With an `@` after the host list, a bad port is most often a
    /// password with an unencoded `/`, so the value is then not quoted.
    fn check_ports(&self, ports: &str, stray_at: bool) -> Result<()> {
        let Some(bad) = ports.split(',').find(|p| !p.bytes().all(|b| b.is_ascii_digit())) else {
            return Ok(());
        };
        if stray_at {
            return Err(self.error(
                "invalid port number in URI (percent-encode \"/\", \"@\" and \":\" in user names \
                 and passwords)",
            ));
        }
        Err(self.error(&format!("invalid port number \"{}\" in URI", redact(bad))))
    }

    /// `key=value&...`: libpq keywords (plus JDBC's `ssl=true`) overriding the URI parts.
    fn query(&mut self, query: &str) -> Result<()> {
        let mut after_secret = false;
        for piece in query.split('&').filter(|p| !p.is_empty()) {
            let Some((name, value)) = piece.split_once('=') else {
                return Err(Error::config(if after_secret || hides_secret(piece) {
                    "missing key/value separator \"=\" in URI query parameter (\"&\" in a password \
                     must be percent-encoded as %26)"
                        .to_owned()
                } else {
                    format!(
                        "missing key/value separator \"=\" in URI query parameter: {}",
                        shown_name(piece)
                    )
                }));
            };
            let name = decode(name, "URI query parameter name", false)?;
            if value.contains('=') {
                return Err(Error::config(format!(
                    "extra key/value separator \"=\" in URI query parameter {}",
                    shown_name(&name)
                )));
            }
            let secret = is_secret(&name);
            let what = format!("value of URI query parameter {}", shown_name(&name));
            let value = decode(value, &what, secret)?;
            if name == "ssl" && value == "true" {
                self.raw.set("sslmode", "require".to_owned());
            } else {
                let key =
                    keyword(&name, Form::Uri).map_err(|e| hide_after_secret(e, after_secret))?;
                self.raw.set(key, value);
            }
            after_secret = secret;
        }
        Ok(())
    }

    /// A Config error quoting the (redacted) input.
    fn error(&self, what: &str) -> Error {
        Error::config(format!("{what}: \"{}\"", redact(self.input)))
    }
}

/// Whether a fragment mentions a password once decoded (so it must not be quoted).
fn hides_secret(fragment: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    decoded.to_ascii_lowercase().contains("password")
}

/// Percent-decode a URI component like libpq: `%` needs two hex digits, `%00` is forbidden,
/// and the result must be UTF-8. A secret component is never quoted in the error.
fn decode(s: &str, what: &str, secret: bool) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        let byte = hex
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match byte {
            None => {
                return Err(decode_error("invalid percent-encoded token in", what, s, secret));
            }
            Some(0) => return Err(decode_error("forbidden value %00 in", what, s, secret)),
            Some(b) => out.push(b),
        }
        i += 3;
    }
    String::from_utf8(out)
        .map_err(|_| decode_error("percent-decoded value is not valid UTF-8 in", what, s, secret))
}

/// The error for a bad percent-encoding. It names the component but never quotes it: a
/// component can hold a password in a position redaction cannot recognise (fuzzing found one,
/// `fuzz/regressions/conn_params/`), and the name is enough to find the problem.
fn decode_error(problem: &str, what: &str, _s: &str, _secret: bool) -> Error {
    Error::config(format!("{problem} {what}"))
}

// ---------------------------------------------------------------------------------------------
// keyword=value form
// ---------------------------------------------------------------------------------------------

/// Parse `keyword = value ...` with libpq's quoting: `'...'` with `\'` and `\\`, and a
/// backslash escaping the next character in unquoted values.
fn parse_keywords(input: &str) -> Result<RawParams> {
    let mut raw = RawParams::default();
    let mut lexer = Lexer { input, chars: input.char_indices().peekable() };
    let mut after_secret = false;
    while lexer.skip_spaces() {
        let name = lexer.word();
        lexer.skip_spaces();
        if !lexer.eat('=') {
            return Err(hide_after_secret(
                Error::config(format!(
                    "missing \"=\" after \"{}\" in connection info string",
                    redact(name)
                )),
                after_secret,
            ));
        }
        lexer.skip_spaces();
        let value = lexer.value()?;
        let key = keyword(name, Form::Keyword).map_err(|e| hide_after_secret(e, after_secret))?;
        after_secret = is_secret(key);
        store(&mut raw, key, value)?;
    }
    Ok(raw)
}

/// Replace an error about the word right after a secret value, which is probably the rest of
/// a password that contains a space.
fn hide_after_secret(error: Error, after_secret: bool) -> Error {
    if after_secret {
        Error::config(
            "unexpected text after a password value (quote values that contain spaces: \
             password='...')",
        )
    } else {
        error
    }
}

/// Store one keyword; a `dbname` that is a URI is expanded and merged instead.
fn store(raw: &mut RawParams, key: &'static str, value: String) -> Result<()> {
    if key == "dbname" && is_uri(&value) {
        let expanded = parse_uri(&value)?;
        raw.values.remove("dbname");
        raw.values.extend(expanded.values);
    } else {
        raw.set(key, value);
    }
    Ok(())
}

/// libpq's `isspace` in the C locale.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A cursor over a keyword=value string.
struct Lexer<'a> {
    input: &'a str,
    chars: Peekable<CharIndices<'a>>,
}

impl<'a> Lexer<'a> {
    /// Skip whitespace; false at the end of input.
    fn skip_spaces(&mut self) -> bool {
        while self.chars.next_if(|(_, c)| is_space(*c)).is_some() {}
        self.chars.peek().is_some()
    }

    /// A keyword: up to `=` or whitespace.
    fn word(&mut self) -> &'a str {
        let start = self.chars.peek().map_or(self.input.len(), |(i, _)| *i);
        while self.chars.next_if(|(_, c)| *c != '=' && !is_space(*c)).is_some() {}
        let end = self.chars.peek().map_or(self.input.len(), |(i, _)| *i);
        &self.input[start..end]
    }

    fn eat(&mut self, want: char) -> bool {
        self.chars.next_if(|(_, c)| *c == want).is_some()
    }

    /// A value, quoted or not.
    fn value(&mut self) -> Result<String> {
        let mut out = String::new();
        if self.eat('\'') {
            loop {
                match self.chars.next().map(|(_, c)| c) {
                    None => {
                        return Err(Error::config(
                            "unterminated quoted string in connection info string",
                        ));
                    }
                    Some('\\') => out.extend(self.chars.next().map(|(_, c)| c)),
                    Some('\'') => return Ok(out),
                    Some(c) => out.push(c),
                }
            }
        }
        while let Some((_, c)) = self.chars.next_if(|(_, c)| !is_space(*c)) {
            if c == '\\' {
                out.extend(self.chars.next().map(|(_, c)| c));
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kv(raw: &RawParams) -> Vec<(&str, &str)> {
        raw.values.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    fn err(input: &str) -> String {
        parse(input).unwrap_err().to_string()
    }

    #[test]
    fn plain_uri() {
        let raw = parse("postgresql://alice:pw@db.example:5433/shop").unwrap();
        assert_eq!(
            kv(&raw),
            [
                ("dbname", "shop"),
                ("host", "db.example"),
                ("password", "pw"),
                ("port", "5433"),
                ("user", "alice")
            ]
        );
        assert_eq!(parse("postgres://h").unwrap().get("host"), Some("h"));
    }

    #[test]
    fn uri_components_are_percent_decoded() {
        let raw = parse("postgresql://al%40ice:p%40ss%3Aw%2Fd@h/my%20db").unwrap();
        assert_eq!(raw.get("user"), Some("al@ice"));
        assert_eq!(raw.get("password"), Some("p@ss:w/d"));
        assert_eq!(raw.get("dbname"), Some("my db"));
    }

    #[test]
    fn password_may_contain_colons_and_user_may_be_empty() {
        let raw = parse("postgresql://:a:b@h").unwrap();
        assert_eq!(raw.get("user"), None);
        assert_eq!(raw.get("password"), Some("a:b"));
    }

    #[test]
    fn ipv6_hosts_lose_brackets_and_decode_zones() {
        let raw = parse("postgresql://[::1]:5433,[fe80::1%25eth0]/db").unwrap();
        assert_eq!(raw.get("host"), Some("::1,fe80::1%eth0"));
        assert_eq!(raw.get("port"), Some("5433,"));
    }

    #[test]
    fn host_lists_keep_empty_port_entries() {
        let raw = parse("postgresql://a:1,b,c:3").unwrap();
        assert_eq!(raw.get("host"), Some("a,b,c"));
        assert_eq!(raw.get("port"), Some("1,,3"));
    }

    #[test]
    fn query_overrides_uri_parts_and_maps_ssl_true() {
        let raw = parse("postgresql://u@h/db?host=other&user=bob&ssl=true&port=7").unwrap();
        assert_eq!(raw.get("host"), Some("other"));
        assert_eq!(raw.get("user"), Some("bob"));
        assert_eq!(raw.get("sslmode"), Some("require"));
        assert_eq!(raw.get("port"), Some("7"));
    }

    #[test]
    fn uri_errors_name_the_problem() {
        assert_eq!(err("postgresql://h/db?foo=1"), "invalid URI query parameter: \"foo\"");
        assert!(err("postgresql://h/db?sslmode").contains("missing key/value separator"));
        assert!(err("postgresql://h/db?sslmode=a=b").contains("extra key/value separator"));
        assert!(err("postgresql://[::1/db").contains("matching \"]\""));
        assert!(err("postgresql://[]/db").contains("may not be empty"));
        assert!(
            err("postgresql://[::1]x/db").contains("unexpected character \"x\" at position 19")
        );
        assert!(err("postgresql://h:abc/db").contains("invalid port number \"abc\""));
        assert!(err("postgresql://h/d%zz").contains("invalid percent-encoded token"));
        assert!(err("postgresql://h/d%4").contains("invalid percent-encoded token"));
        assert!(err("postgresql://h/d%00").contains("forbidden value %00"));
        assert!(err("postgresql://h/d%ff").contains("not valid UTF-8"));
        assert!(err("postgresql://h/db?service=x").contains("not supported by godwit"));
    }

    #[test]
    fn uri_errors_never_quote_the_password() {
        for input in [
            "postgresql://u:s3cr3t@[::1/db",
            "postgresql://u:s3cr3t@[::1]x/db",
            "postgresql://u:s3cr3t@h/db?foo=bar",
            "postgresql://u:s3%zzcr3t@h/db",
            "postgresql://u:s3cr3t@h:x/db",
            "postgresql://u:s3/cr3t@h/db",
            "postgresql://h/db?password=s3%zzcr3t",
            "postgresql://h/db?password=s3cr3t=x",
            "postgresql://h/db?password=s3&cr3t",
            "postgresql://h/db?password%3Ds3cr3t",
        ] {
            let message = err(input);
            assert!(!message.contains("cr3t"), "{input} -> {message}");
        }
    }

    #[test]
    fn keyword_values_quotes_escapes_and_spaces() {
        let raw = parse(r"host = h1,h2  port=5433 password='it''s' user=a\ b").unwrap_err();
        assert!(raw.to_string().contains("unexpected text after a password"));
        let raw =
            parse(r"host = h1,h2  port=5433 password='it\'s \\ ok' user=a\ b dbname=''").unwrap();
        assert_eq!(raw.get("host"), Some("h1,h2"));
        assert_eq!(raw.get("port"), Some("5433"));
        assert_eq!(raw.get("password"), Some(r"it's \ ok"));
        assert_eq!(raw.get("user"), Some("a b"));
        assert!(raw.contains("dbname"));
        assert_eq!(raw.get("dbname"), None);
        assert_eq!(parse("").unwrap(), RawParams::default());
        assert_eq!(parse("  \t ").unwrap(), RawParams::default());
    }

    #[test]
    fn keyword_errors() {
        assert_eq!(err("host=h foo=bar"), "invalid connection option \"foo\"");
        assert_eq!(err("host"), "missing \"=\" after \"host\" in connection info string");
        assert_eq!(err("mydb"), "missing \"=\" after \"mydb\" in connection info string");
        assert!(err("password='abc").contains("unterminated quoted string"));
        assert!(err("service=x").contains("not supported by godwit"));
    }

    #[test]
    fn keyword_errors_never_quote_the_password() {
        for input in [
            "password=s3 cr3t",
            "password=s3 cr3t=x",
            "password='s3cr3t",
            " u:s3cr3t@h=1",
            "sslpassword=x cr3t",
            "postgresql:/u:s3cr3t@h/db",
        ] {
            let message = err(input);
            assert!(!message.contains("cr3t"), "{input} -> {message}");
        }
    }

    #[test]
    fn dbname_uri_is_expanded_in_place() {
        let raw =
            parse("port=1 user=x dbname=postgresql://bob:pw@h:5433/shop?sslmode=require user=carl")
                .unwrap();
        assert_eq!(raw.get("dbname"), Some("shop"));
        assert_eq!(raw.get("host"), Some("h"));
        assert_eq!(raw.get("port"), Some("5433"), "the URI overrides what came before");
        assert_eq!(raw.get("user"), Some("carl"), "later keywords override the URI");
        assert_eq!(raw.get("password"), Some("pw"));
        assert_eq!(raw.get("sslmode"), Some("require"));
        let raw = parse("dbname=old dbname='postgres://h'").unwrap();
        assert_eq!(raw.get("dbname"), None);
    }

    #[test]
    fn ignored_keywords_are_accepted() {
        let raw = parse("gssencmode=disable keepalives=1 keepalives_idle=5 channel_binding=prefer")
            .unwrap();
        assert!(raw.contains("gssencmode"));
        assert!(parse("postgresql://h?sslcompression=0&keepalives_count=3").is_ok());
    }
}
