//! Connections that read one side at one instant, and the COPY statements they run.
//!
//! PostgreSQL: a coordinator opens a `REPEATABLE READ, READ ONLY` transaction and exports its
//! snapshot (`pg_export_snapshot()`); every reader imports it (`SET TRANSACTION SNAPSHOT`) and
//! so sees exactly what the coordinator sees, for as long as the coordinator's transaction is
//! open. CockroachDB: `cluster_logical_timestamp()` read once, and every read carries
//! `AS OF SYSTEM TIME` that timestamp (it must stay inside the GC window for the whole run).
//! Every reader pins the session settings that change the text of values (`sql/session.sql`).

use tokio_postgres::CopyOutStream;

use super::check::TableCheck;
use crate::conn::{self, ConnParams, Connection};
use crate::dialect::{Dialect, quote_literal};
use crate::error::{Error, Result};
use crate::fetch::plan::Range;

/// Take the instant every reader of the coordinator's side will read at: an exported snapshot
/// name (PostgreSQL, leaving `coordinator` inside its transaction) or an HLC timestamp
/// (CockroachDB).
pub(crate) async fn take_snapshot(coordinator: &Connection, what: &str) -> Result<String> {
    let client = coordinator.client();
    if coordinator.dialect() == Dialect::Cockroach {
        return crate::fetch::cockroach::snapshot_time(coordinator, what).await;
    }
    client
        .batch_execute(include_str!("sql/begin_snapshot.sql"))
        .await
        .map_err(|e| Error::db(format!("opening the snapshot transaction on the {what}"), e))?;
    let row = client
        .query_one(include_str!("sql/export_snapshot.sql").trim_end(), &[])
        .await
        .map_err(|e| Error::db(format!("exporting the {what} snapshot"), e))?;
    Ok(row.get(0))
}

/// A connection reading one side at the run's instant.
#[derive(Debug)]
pub(crate) struct Reader {
    conn: Connection,
    /// The CockroachDB timestamp every read carries.
    aost: Option<String>,
    what: &'static str,
}

impl Reader {
    /// Connect, pin the session settings, and import the snapshot (PostgreSQL) or remember
    /// the timestamp (CockroachDB). `what` is `source` or `target`, for messages.
    pub(crate) async fn open(
        params: &ConnParams,
        snapshot: &str,
        what: &'static str,
    ) -> Result<Self> {
        let conn = conn::connect(params).await?;
        let mut sql = include_str!("sql/session.sql").to_owned();
        let aost = match conn.dialect() {
            Dialect::Postgres => {
                sql.push_str(
                    &include_str!("sql/import_snapshot.sql")
                        .replace("{snapshot}", &quote_literal(snapshot)),
                );
                None
            }
            Dialect::Cockroach if crate::dialect::is_hlc_timestamp(snapshot) => {
                Some(snapshot.to_owned())
            }
            Dialect::Cockroach => {
                return Err(Error::internal(format!(
                    "{snapshot:?} is not a CockroachDB timestamp"
                )));
            }
        };
        conn.client()
            .batch_execute(&sql)
            .await
            .map_err(|e| Error::db(format!("opening a reader on the {what}"), e))?;
        Ok(Reader { conn, aost, what })
    }

    /// The side's dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The CockroachDB timestamp every read of this side carries (`None` on PostgreSQL,
    /// where the imported snapshot does the same).
    pub(crate) fn aost(&self) -> Option<&str> {
        self.aost.as_deref()
    }

    /// Start `COPY ... TO STDOUT` for `sql`.
    pub(crate) async fn copy_out(&self, sql: &str, table: &str) -> Result<CopyOutStream> {
        self.conn
            .client()
            .copy_out(sql)
            .await
            .map_err(|e| Error::db(format!("reading {table} on the {}", self.what), e))
    }

    /// The COPY statement reading `range` of `check` on this side (`side` is its index).
    /// `columns` is the select list; ordered by the key when `ordered`.
    pub(crate) fn copy_sql(
        &self,
        check: &TableCheck,
        side: usize,
        range: &Range,
        extra: Option<&str>,
        (columns, ordered): (&str, bool),
    ) -> String {
        let order = if ordered { check.order(side) } else { String::new() };
        let template = match &self.aost {
            None => include_str!("sql/copy_out.sql"),
            Some(_) => include_str!("sql/copy_out_aost.sql"),
        };
        copy_statement(
            template,
            self.aost.as_deref(),
            check,
            columns,
            (&check.predicate(side, range, extra), &order),
        )
    }
}

/// Fill a COPY template.
fn copy_statement(
    template: &str,
    aost: Option<&str>,
    check: &TableCheck,
    columns: &str,
    (predicate, order): (&str, &str),
) -> String {
    template
        .trim_end()
        .replace("{columns}", columns)
        .replace("{table}", &check.quoted())
        .replace("{aost}", &aost.map(quote_literal).unwrap_or_default())
        .replace("{where}", predicate)
        .replace("{order}", order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cockroach_reads_carry_the_timestamp() {
        let check = super::super::tests::sample_check(Dialect::Cockroach);
        let sql = copy_statement(
            include_str!("sql/copy_out_aost.sql"),
            Some("17.5"),
            &check,
            &check.select_list(1, false),
            (&check.predicate(1, &Range::default(), Some("true")), &check.order(1)),
        );
        assert_eq!(
            sql,
            r#"COPY (SELECT "id", "name", "v" FROM "s"."t" AS OF SYSTEM TIME '17.5' WHERE (true) ORDER BY "id", "name") TO STDOUT"#
        );
    }
}
