//! Pre-flight checks of a PostgreSQL source for logical replication, each failure with the
//! fix to apply, run before anything is created so a refused run leaves nothing behind.

use tokio_postgres::Client;

use crate::error::{Error, Result};

/// One unmet prerequisite.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Stable check id, e.g. `wal_level`.
    pub check: &'static str,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// What the server reports about its replication settings.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    wal_level: String,
    max_slots: i32,
    used_slots: i32,
    max_senders: i32,
    used_senders: i32,
    can_replicate: bool,
}

/// The prerequisites for creating a logical slot and streaming from it: `wal_level=logical`,
/// a free slot, a free WAL sender, and a role with `REPLICATION` (or superuser).
pub async fn slot_prerequisites(client: &Client) -> Result<Vec<Problem>> {
    let row = client
        .query_one(include_str!("sql/slot_prerequisites.sql"), &[])
        .await
        .map_err(|e| Error::db("reading the source's replication settings", e))?;
    let settings = Settings {
        wal_level: row.get(0),
        max_slots: row.get(1),
        used_slots: row.get(2),
        max_senders: row.get(3),
        used_senders: row.get(4),
        can_replicate: row.get::<_, Option<bool>>(5).unwrap_or(false),
    };
    Ok(problems(&settings))
}

fn problems(s: &Settings) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.wal_level != "logical" {
        out.push(Problem {
            check: "wal_level",
            message: format!("wal_level is {}, logical decoding needs logical", s.wal_level),
            fix: "ALTER SYSTEM SET wal_level = logical; then restart the server".into(),
        });
    }
    if s.used_slots >= s.max_slots {
        out.push(Problem {
            check: "replication_slots",
            message: format!("all {} replication slots are in use", s.max_slots),
            fix: "drop an unused slot (pg_drop_replication_slot) or raise max_replication_slots and restart".into(),
        });
    }
    if s.used_senders >= s.max_senders {
        out.push(Problem {
            check: "wal_senders",
            message: format!("all {} WAL senders are in use", s.max_senders),
            fix: "raise max_wal_senders and restart, or stop another replication client".into(),
        });
    }
    if !s.can_replicate {
        out.push(Problem {
            check: "replication_privilege",
            message: "the source role has neither REPLICATION nor superuser".into(),
            fix: "ALTER ROLE <role> REPLICATION (as a superuser)".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> Settings {
        Settings {
            wal_level: "logical".into(),
            max_slots: 10,
            used_slots: 2,
            max_senders: 10,
            used_senders: 0,
            can_replicate: true,
        }
    }

    #[test]
    fn a_ready_server_has_no_problems() {
        assert!(problems(&ok()).is_empty());
    }

    #[test]
    fn every_missing_prerequisite_is_named_with_its_fix() {
        let s = Settings {
            wal_level: "replica".into(),
            used_slots: 10,
            used_senders: 10,
            can_replicate: false,
            ..ok()
        };
        let checks: Vec<_> = problems(&s).iter().map(|p| p.check).collect();
        assert_eq!(
            checks,
            ["wal_level", "replication_slots", "wal_senders", "replication_privilege"]
        );
        assert!(problems(&s)[0].fix.contains("wal_level = logical"));
    }
}
