//! Verification results in `_godwit` on the target: `verifications` (one row per run) and
//! `verification_tables` (one row per compared table), for `status` and for the record.
//!
//! Only counts and column names are stored, never sample keys: keys are row values, which stay
//! in the report the user asked for. A run's row is written when it starts (`running`) and its
//! table rows and final status in one transaction at the end, so a crashed verification leaves a
//! `running` row and no partial counts.

use tokio_postgres::Client;

use super::report::{Method, Report, TableReport};
use crate::error::{Error, Result};

/// Create the verification tables if they are missing.
pub(crate) async fn ensure_schema(target: &Client) -> Result<()> {
    target
        .batch_execute(include_str!("state/schema.sql"))
        .await
        .map_err(|e| Error::db("creating the _godwit verification tables on the target", e))
}

/// Record the start of a run; returns its id.
pub(crate) async fn new_run(target: &Client, mode: &str, source: &str) -> Result<String> {
    let row = target
        .query_one(include_str!("state/new_run.sql"), &[&mode, &source])
        .await
        .map_err(|e| Error::db("recording a new run in _godwit.verifications", e))?;
    Ok(row.get(0))
}

/// The final status word of a report.
pub(crate) fn status(report: &Report) -> &'static str {
    if report.has_unchecked() {
        "incomplete"
    } else if report.has_differences() {
        "different"
    } else {
        "equal"
    }
}

/// Store every table's counts and the run's final status, in one transaction.
pub(crate) async fn finish_run(target: &mut Client, run_id: &str, report: &Report) -> Result<()> {
    let context = "storing the verification result in _godwit";
    let tx = target.transaction().await.map_err(|e| Error::db(context, e))?;
    let insert = tx
        .prepare(include_str!("state/table_result.sql"))
        .await
        .map_err(|e| Error::db(context, e))?;
    for table in &report.tables {
        let row = TableRow::of(run_id, table);
        tx.execute(&insert, &row.params()).await.map_err(|e| Error::db(context, e))?;
    }
    let differing = report.tables.iter().filter(|t| t.has_differences()).count();
    let counts = [report.schema.len(), report.tables.len(), differing].map(to_i32);
    tx.execute(
        include_str!("state/finish_run.sql"),
        &[&run_id, &status(report), &counts[0], &counts[1], &counts[2]],
    )
    .await
    .map_err(|e| Error::db(context, e))?;
    tx.commit().await.map_err(|e| Error::db(context, e))
}

/// Mark a run that stopped with an error.
pub(crate) async fn fail_run(target: &Client, run_id: &str) -> Result<()> {
    let zero = 0i32;
    target
        .execute(include_str!("state/finish_run.sql"), &[&run_id, &"failed", &zero, &zero, &zero])
        .await
        .map(drop)
        .map_err(|e| Error::db("recording a failed verification in _godwit", e))
}

fn to_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One `verification_tables` row, typed for the driver.
struct TableRow<'a> {
    run_id: &'a str,
    table: &'a TableReport,
    method: &'static str,
    counts: [i64; 7],
    columns: String,
}

impl<'a> TableRow<'a> {
    fn of(run_id: &'a str, table: &'a TableReport) -> Self {
        let method = match table.method {
            Method::Key => "key",
            Method::Multiset => "multiset",
        };
        let counts = [
            table.source_rows,
            table.target_rows,
            table.matched,
            table.missing,
            table.extraneous,
            table.mismatched,
            table.live_retry,
        ]
        .map(to_i64);
        let columns = table.mismatched_columns.keys().cloned().collect::<Vec<_>>().join(",");
        TableRow { run_id, table, method, counts, columns }
    }

    fn params(&self) -> [&(dyn tokio_postgres::types::ToSql + Sync); 13] {
        let [src, tgt, matched, missing, extra, mismatched, live] = &self.counts;
        [
            &self.run_id,
            &self.table.schema,
            &self.table.name,
            &self.method,
            src,
            tgt,
            matched,
            missing,
            extra,
            mismatched,
            live,
            &self.columns,
            &self.table.error,
        ]
    }
}
