//! Password-file (`~/.pgpass`) lookup, as libpq does it.
//!
//! People keep passwords for `psql` in `~/.pgpass` (or the file named by `passfile` /
//! `PGPASSFILE`), so godwit reads the same file with libpq's rules (PostgreSQL 15 docs, "The
//! Password File"): lines `hostname:port:database:username:password`, `*` matching anything in
//! the first four fields, `\:` and `\\` escapes, `#` comments, first matching line wins. Like
//! libpq, a file that is not a plain file or that group or others can access is ignored, and
//! the reason is returned so the caller can warn about it.

use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Result of looking up a password file.
#[derive(Clone, PartialEq, Eq)]
pub enum PgPassLookup {
    /// The password of the first matching line.
    Found(String),
    /// The file was read but no line matched.
    NotFound,
    /// The file exists but was ignored; the reason names the file.
    Refused(String),
    /// There is no such file (not worth a warning).
    Missing,
}

impl fmt::Debug for PgPassLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgPassLookup::Found(_) => f.write_str("Found(********)"),
            PgPassLookup::NotFound => f.write_str("NotFound"),
            PgPassLookup::Refused(reason) => f.debug_tuple("Refused").field(reason).finish(),
            PgPassLookup::Missing => f.write_str("Missing"),
        }
    }
}

/// Find the password for one host (as the connection names it), port, database and user.
pub fn lookup(path: &Path, host: &str, port: u16, dbname: &str, user: &str) -> PgPassLookup {
    lookup_hosts(path, &[host], port, dbname, user)
}

/// Like [`lookup`], but a line's host field may match any of `hosts` (a Unix-domain socket
/// matches both `localhost` and its directory).
pub fn lookup_hosts(
    path: &Path,
    hosts: &[&str],
    port: u16,
    dbname: &str,
    user: &str,
) -> PgPassLookup {
    let text = match read_checked(path) {
        Ok(text) => text,
        Err(refusal) => return refusal,
    };
    let port = port.to_string();
    let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
    text.lines()
        .filter_map(parse_line)
        .find(|[h, p, d, u, _]| {
            hosts.iter().any(|host| matches(h, host))
                && matches(p, &port)
                && matches(d, dbname)
                && matches(u, user)
        })
        .map_or(PgPassLookup::NotFound, |[_, _, _, _, password]| PgPassLookup::Found(password))
}

/// The file's text, after libpq's checks: it must exist, be a plain file and have no group or
/// world permissions.
fn read_checked(path: &Path) -> Result<String, PgPassLookup> {
    let shown = path.display();
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(PgPassLookup::Missing),
        Err(e) => {
            return Err(PgPassLookup::Refused(format!(
                "could not read password file \"{shown}\": {e}"
            )));
        }
    };
    if !meta.is_file() {
        return Err(PgPassLookup::Refused(format!(
            "password file \"{shown}\" is not a plain file"
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(PgPassLookup::Refused(format!(
            "password file \"{shown}\" has group or world access; permissions should be u=rw \
             (0600) or less"
        )));
    }
    match fs::read(path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => {
            Err(PgPassLookup::Refused(format!("could not read password file \"{shown}\": {e}")))
        }
    }
}

/// Split one line into its five fields, removing `\` escapes (a backslash keeps the next
/// character literally, so `\:` and `\\`). Comments, blank and short lines give `None`; like
/// libpq, the password ends at the next unescaped `:` and a trailing CR is ignored.
pub fn parse_line(line: &str) -> Option<[String; 5]> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if fields.len() == 5 => break,
            ':' => fields.push(String::new()),
            _ => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(contents: &str, mode: u32) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(contents.as_bytes()).unwrap();
        fs::set_permissions(f.path(), fs::Permissions::from_mode(mode)).unwrap();
        f
    }

    fn found(s: &str) -> PgPassLookup {
        PgPassLookup::Found(s.to_owned())
    }

    #[test]
    fn parse_line_fields_and_escapes() {
        let fields = parse_line(r"h\:x:5432:d\\b:u:p\:w\\d").unwrap();
        assert_eq!(fields, ["h:x", "5432", r"d\b", "u", r"p:w\d"].map(String::from));
        assert_eq!(parse_line("h:1:d:u:pw:extra").unwrap()[4], "pw");
        assert_eq!(parse_line("h:1:d:u:pw\r").unwrap()[4], "pw");
        assert_eq!(parse_line("h:1:d:u:").unwrap()[4], "");
        assert_eq!(parse_line(r"h:1:d:u:pw\").unwrap()[4], r"pw\");
        assert_eq!(parse_line("# h:1:d:u:pw"), None);
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("\r"), None);
        assert_eq!(parse_line("h:1:d:u"), None);
        assert_eq!(parse_line(r"h:1:d:u\:pw"), None);
    }

    #[test]
    fn matching_wildcards_and_first_match_wins() {
        let f = file(
            "# comment\n\
             db.example:5432:shop:alice:first\n\
             db.example:5432:shop:alice:second\n\
             *:5433:*:alice:anyhost\n\
             db.example:*:*:*:fallback\n",
            0o600,
        );
        let path = f.path();
        assert_eq!(lookup(path, "db.example", 5432, "shop", "alice"), found("first"));
        assert_eq!(lookup(path, "other", 5433, "x", "alice"), found("anyhost"));
        assert_eq!(lookup(path, "db.example", 9, "x", "bob"), found("fallback"));
        assert_eq!(lookup(path, "other", 5432, "shop", "alice"), PgPassLookup::NotFound);
    }

    #[test]
    fn escapes_in_matching_fields_and_crlf_lines() {
        let f = file("h\\:1:5432:d:u:one\r\nh:5432:d\\\\b:u:p\\:two\r\n", 0o600);
        assert_eq!(lookup(f.path(), "h:1", 5432, "d", "u"), found("one"));
        assert_eq!(lookup(f.path(), "h", 5432, r"d\b", "u"), found("p:two"));
    }

    #[test]
    fn socket_hosts_match_localhost_or_their_directory() {
        let f = file("localhost:5432:d:u:local\n/tmp/sock:5433:d:u:dir\n", 0o600);
        let socket = ["localhost", "/tmp/sock"];
        assert_eq!(lookup_hosts(f.path(), &socket, 5432, "d", "u"), found("local"));
        assert_eq!(lookup_hosts(f.path(), &socket, 5433, "d", "u"), found("dir"));
    }

    #[test]
    fn group_or_world_access_is_refused() {
        let f = file("*:*:*:*:pw\n", 0o644);
        let PgPassLookup::Refused(reason) = lookup(f.path(), "h", 5432, "d", "u") else {
            panic!("expected a refusal");
        };
        assert_eq!(
            reason,
            format!(
                "password file \"{}\" has group or world access; permissions should be u=rw \
                 (0600) or less",
                f.path().display()
            )
        );
        let f = file("*:*:*:*:pw\n", 0o400);
        assert_eq!(lookup(f.path(), "h", 5432, "d", "u"), found("pw"));
    }

    #[test]
    fn missing_and_non_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert_eq!(lookup(&missing, "h", 5432, "d", "u"), PgPassLookup::Missing);
        let refused = lookup(dir.path(), "h", 5432, "d", "u");
        assert!(matches!(&refused, PgPassLookup::Refused(r) if r.contains("not a plain file")));
    }

    #[test]
    fn debug_hides_the_password() {
        assert_eq!(format!("{:?}", found("secret")), "Found(********)");
    }
}
