//! Replication-protocol sessions (`replication=database`) opened from the same connection
//! parameters as every other connection: first host of the list, password from the URL,
//! environment or `.pgpass`, and the libpq `sslmode` semantics mapped onto
//! `pgwire-replication`'s TLS modes.

use pgwire_replication::{ReplicationClient, ReplicationConfig, TlsConfig};

use crate::conn::params::HostSpec;
use crate::conn::{ConnParams, SslMode};
use crate::error::{Error, Result};

/// The replication-session configuration for `params`, naming `slot` and `publication`.
pub fn config(params: &ConnParams, slot: &str, publication: &str) -> Result<ReplicationConfig> {
    let host = params
        .hosts
        .first()
        .ok_or_else(|| Error::config(format!("{}: no host to connect to", params.redacted())))?;
    let password = params.password.as_ref().map(|p| p.expose().to_owned()).unwrap_or_default();
    let config = match host {
        HostSpec::Unix { dir, port } => ReplicationConfig::unix(
            dir.to_string_lossy(),
            *port,
            &params.user,
            password,
            &params.dbname,
            slot,
            publication,
        ),
        HostSpec::Tcp { host, hostaddr, port } => {
            let address = hostaddr.map_or_else(|| host.clone(), |a| a.to_string());
            let tls = tls(params).with_sni_hostname(host.clone());
            ReplicationConfig::new(
                address,
                &params.user,
                password,
                &params.dbname,
                slot,
                publication,
            )
            .with_port(*port)
            .with_tls(tls)
        }
    };
    Ok(config.with_application_name(params.application_name.clone()))
}

/// libpq `sslmode` as `pgwire-replication` TLS: `allow` connects without TLS (as libpq's
/// first attempt does), `sslrootcert=system` means the system roots.
fn tls(params: &ConnParams) -> TlsConfig {
    let root = params.sslrootcert.clone().filter(|p| p.as_os_str() != "system");
    let base = match params.sslmode {
        SslMode::Disable | SslMode::Allow => return TlsConfig::disabled(),
        SslMode::Prefer => {
            TlsConfig { mode: pgwire_replication::SslMode::Prefer, ..TlsConfig::require() }
        }
        SslMode::Require => TlsConfig::require(),
        SslMode::VerifyCa => TlsConfig::verify_ca(root),
        SslMode::VerifyFull => TlsConfig::verify_full(root),
    };
    match (&params.sslcert, &params.sslkey) {
        (Some(cert), Some(key)) => base.with_client_cert(cert, key),
        _ => base,
    }
}

/// Open an authenticated replication session that waits for commands (it does not start
/// streaming). Connection and authentication errors surface at the first command.
pub async fn open_gated(
    params: &ConnParams,
    slot: &str,
    publication: &str,
) -> Result<ReplicationClient> {
    let config = config(params, slot, publication)?;
    ReplicationClient::connect_gated(config).await.map_err(|e| {
        Error::replication(format!("opening a replication session on {}", params.redacted()), e)
    })
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
    use crate::conn::Environment;

    fn params(url: &str) -> ConnParams {
        ConnParams::resolve(url, &Environment::default()).unwrap()
    }

    #[test]
    fn tcp_parameters_carry_over() {
        let p = params(
            "postgresql://rep:s3cret@db.example.com:6543/shop?sslmode=verify-full&sslrootcert=system",
        );
        let c = config(&p, "godwit_x", "godwit_x").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("db.example.com", 6543));
        assert_eq!(
            (c.user.as_str(), c.password.as_str(), c.database.as_str()),
            ("rep", "s3cret", "shop")
        );
        assert!(c.tls.mode.verifies_hostname());
        assert!(!c.display_connection().contains("s3cret"));
    }

    #[test]
    fn unix_sockets_and_disable_use_no_tls() {
        let p = params("host=/tmp/pg port=5433 user=u dbname=d");
        let c = config(&p, "s", "p").unwrap();
        assert!(c.is_unix_socket());
        assert!(!c.tls.mode.requires_tls());
        let p = params("host=h sslmode=disable user=u dbname=d");
        assert!(!config(&p, "s", "p").unwrap().tls.mode.requires_tls());
    }

    #[test]
    fn slot_names_follow_postgres_rules() {
        assert!(valid_name("godwit_fetch_20261121t101500_ab12cd34"));
        assert!(!valid_name("Godwit"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name(""));
        assert!(!valid_name(&"a".repeat(64)));
    }
}
