//! `pg_hba.conf` contents for throwaway clusters.
//!
//! The default lets the superuser `postgres` in without a password over loopback and the unix
//! socket (tests and the demo act as it), and asks every other role for a SCRAM password so
//! that wrong-password handling can be exercised. `TlsCertOnly` accepts TCP connections only over
//! TLS with a client certificate, like a hardened production server.

/// Which authentication rules a throwaway cluster uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// `postgres` trusted on loopback and socket; other roles need a SCRAM password.
    #[default]
    Default,
    /// TCP only over TLS (`hostssl`) with a client certificate whose CN is the user name;
    /// the unix socket stays trusted for administration.
    TlsCertOnly,
}

/// The full `pg_hba.conf` text for `auth`.
pub fn render(auth: Auth) -> String {
    let lines: &[&str] = match auth {
        Auth::Default => &[
            "local all all trust",
            "local replication all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all postgres ::1/128 trust",
            "host replication postgres 127.0.0.1/32 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "host replication all 127.0.0.1/32 scram-sha-256",
        ],
        Auth::TlsCertOnly => &[
            "local all all trust",
            "hostssl all all 127.0.0.1/32 cert",
            "hostssl all all ::1/128 cert",
            "hostssl replication all 127.0.0.1/32 cert",
        ],
    };
    let mut out = String::from("# written by godwit for a throwaway cluster\n");
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}
