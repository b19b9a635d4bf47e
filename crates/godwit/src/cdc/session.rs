//! Replication-protocol sessions (`replication=database`) opened from the same connection
//! parameters as every other connection, through godwit's own [`super::transport`].

use super::transport::Transport;
use crate::conn::ConnParams;
use crate::error::Result;

/// Open an authenticated replication session that waits for commands (it does not start
/// streaming); `options` are extra startup options (`-c name=value ...`).
///
/// # Errors
///
/// As [`Transport::connect`]: unreachable, TLS, authentication or server errors, each naming
/// the (redacted) connection string.
pub async fn open_gated(params: &ConnParams, options: Option<&str>) -> Result<Transport> {
    Transport::connect(params, options).await
}

/// Whether `name` is a valid replication slot (and publication) name as godwit makes them:
/// 1–63 lower-case letters, digits and underscores, as PostgreSQL requires of slot names.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_follow_postgres_rules() {
        assert!(valid_name("godwit_fetch_20261121t101500_ab12cd34"));
        assert!(!valid_name("Godwit"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name(""));
        assert!(!valid_name(&"a".repeat(64)));
    }
}
