//! The two SQL dialects godwit speaks, and the one function that quotes identifiers.
//!
//! PostgreSQL and CockroachDB both speak the PostgreSQL wire protocol, so there is one
//! connection type and the dialect is a value on it, detected from `version()` (CockroachDB
//! answers `CockroachDB CCL v24.3.1 (...)`). Behaviour that differs is a `match` on [`Dialect`].

use std::fmt;

/// A database flavour godwit can read from or write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// PostgreSQL (any supported major version).
    Postgres,
    /// CockroachDB.
    Cockroach,
}

impl Dialect {
    /// The product name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Cockroach => "CockroachDB",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A server version: `major.minor.patch` (PostgreSQL 15.4 is `15.4.0`; CockroachDB v24.3.1 is
/// `24.3.1`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Version {
    /// Major version (PostgreSQL 15, CockroachDB 24).
    pub major: u32,
    /// Minor version (PostgreSQL minor release, CockroachDB release line: the 3 of v24.3).
    pub minor: u32,
    /// Patch level (CockroachDB only; 0 for PostgreSQL).
    pub patch: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Detect the dialect and version from the text of `SELECT version()`.
///
/// PostgreSQL: `PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, ...`;
/// CockroachDB: `CockroachDB CCL v24.3.1 (x86_64-pc-linux-gnu, built 2024/12/04 ...)`.
/// Returns `None` when the text matches neither.
pub fn detect(version_text: &str) -> Option<(Dialect, Version)> {
    let text = version_text.trim();
    if let Some(idx) = text.find("CockroachDB") {
        let rest = &text[idx..];
        let token = rest.split_whitespace().find(|w| w.starts_with('v'))?;
        return Some((Dialect::Cockroach, parse_version(&token[1..])?));
    }
    let rest = text.strip_prefix("PostgreSQL ")?;
    let token = rest.split_whitespace().next()?;
    Some((Dialect::Postgres, parse_version(token)?))
}

/// Parse the leading `major[.minor[.patch]]` of a version token such as `15.18`, `16beta1`
/// or `24.3.1-rc.2`.
fn parse_version(token: &str) -> Option<Version> {
    let mut nums = token.split('.').map(|part| {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().ok()
    });
    let major = nums.next().flatten()?;
    let minor = nums.next().flatten().unwrap_or(0);
    let patch = nums.next().flatten().unwrap_or(0);
    Some(Version { major, minor, patch })
}

/// Quote an identifier for either dialect: always double-quoted, embedded quotes doubled.
///
/// Quoting every identifier (not only those that need it) keeps mixed-case, reserved-word and
/// odd names (`"a;b"`, `"x""y"`) correct in every statement godwit generates. This is the only
/// function that may produce identifier text for SQL.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for ch in name.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// Quote a schema-qualified name: `"schema"."name"`.
pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Whether `s` is a CockroachDB HLC timestamp as `cluster_logical_timestamp()` prints it
/// (`1701102296662969433.0000000000`): digits, optionally a dot and more digits. Checked
/// before one is spliced into `AS OF SYSTEM TIME '...'`.
pub(crate) fn is_hlc_timestamp(s: &str) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// Quote a string literal (standard-conforming strings: quotes doubled, backslashes literal).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hlc_timestamps_are_checked_before_they_are_spliced() {
        assert!(is_hlc_timestamp("1701102296662969433.0000000000"));
        assert!(is_hlc_timestamp("1701102296662969433"));
        assert!(!is_hlc_timestamp("1701102296662969433.0'; DROP TABLE x; --"));
        assert!(!is_hlc_timestamp("1."));
        assert!(!is_hlc_timestamp(".5"));
        assert!(!is_hlc_timestamp(""));
    }

    #[test]
    fn detects_postgres() {
        let (d, v) =
            detect("PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu").unwrap();
        assert_eq!(d, Dialect::Postgres);
        assert_eq!(v, Version { major: 15, minor: 18, patch: 0 });
        let (_, v) = detect("PostgreSQL 16beta1 on aarch64").unwrap();
        assert_eq!(v.major, 16);
    }

    #[test]
    fn detects_cockroach() {
        let (d, v) =
            detect("CockroachDB CCL v24.3.1 (x86_64-pc-linux-gnu, built 2024/12/04, go1.22.8)")
                .unwrap();
        assert_eq!(d, Dialect::Cockroach);
        assert_eq!(v, Version { major: 24, minor: 3, patch: 1 });
        let (_, v) = detect("CockroachDB OSS v21.1.0-rc.2 (linux)").unwrap();
        assert_eq!((v.major, v.minor), (21, 1));
    }

    #[test]
    fn rejects_unknown() {
        assert!(detect("MySQL 8.0").is_none());
        assert!(detect("").is_none());
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("users"), "\"users\"");
        assert_eq!(quote_ident("Mixed Case"), "\"Mixed Case\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_qualified("public", "t;x"), "\"public\".\"t;x\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }
}
