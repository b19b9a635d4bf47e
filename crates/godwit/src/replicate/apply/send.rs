//! Sending held changes: statements prepared once per SQL text, written pipelined, row counts
//! checked; new rows as a `COPY` each, between the pipelined windows.
//!
//! A `COPY` of new rows that meets a row with the same key (SQLSTATE 23505: the target holds
//! a row the source did not have) fails the whole target transaction. That error is marked
//! transient ([`copy_conflict`]): the session ends, its group is rolled back, and the next
//! session replays it with upserts (`Totals::upserts_through`), so the source's rows win.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use futures_util::SinkExt;
use futures_util::future::{MaybeDone, maybe_done};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};

use super::pending::{Job, Pending};
use crate::cdc::apply_sql::{Expect, TableShape};
use crate::conn::Connection;
use crate::error::{Error, ErrorKind, Result};

/// Prepared statements by SQL text.
pub(super) type Cache = HashMap<String, tokio_postgres::Statement>;

/// Statements written before their answers are read, at most.
const PIPELINE: usize = 256;

/// Most prepared statements kept; the cache is emptied when full.
const STATEMENT_CACHE: usize = 512;

/// Apply everything `pending` holds.
pub(super) async fn all(conn: &Connection, cache: &mut Cache, pending: &Pending) -> Result<()> {
    let jobs = pending.jobs(conn.dialect())?;
    let mut rest = jobs.as_slice();
    while let Some(first) = rest.first() {
        if let Job::Copy { shape, sql, data, rows } = first {
            copy(conn, shape, sql, data.clone(), *rows).await?;
            rest = &rest[1..];
            continue;
        }
        let n = rest.iter().take(PIPELINE).take_while(|j| !matches!(j, Job::Copy { .. })).count();
        window(conn, cache, &rest[..n]).await?;
        rest = &rest[n..];
    }
    Ok(())
}

/// Whether `error` is a `COPY` of new rows that met an existing key (see the module docs).
pub(crate) fn copy_conflict(error: &Error) -> bool {
    error.kind() == ErrorKind::Transient
        && error.sqlstate() == Some(SqlState::UNIQUE_VIOLATION.code())
}

/// Run `sql` (a `COPY .. FROM STDIN`) with `data`; `rows` rows must arrive.
async fn copy(
    conn: &Connection,
    shape: &TableShape,
    sql: &str,
    data: Bytes,
    rows: u64,
) -> Result<()> {
    let failed = |e: tokio_postgres::Error| {
        let error = Error::db(format!("copying new rows into {}", shape.quoted()), e);
        if error.sqlstate() != Some(SqlState::UNIQUE_VIOLATION.code()) {
            return error;
        }
        error.with_kind(ErrorKind::Transient).with_hint(
            "the target already holds a row the source inserted; the transaction is applied \
             again with upserts",
        )
    };
    let sink = conn.client().copy_in::<_, Bytes>(sql).await.map_err(failed)?;
    let mut sink = std::pin::pin!(sink);
    sink.send(data).await.map_err(failed)?;
    let count = sink.as_mut().finish().await.map_err(failed)?;
    check_count(Expect::Exactly(rows), count, shape)
}

/// Run `jobs` pipelined, in order, and check each row count.
pub(super) async fn window(conn: &Connection, cache: &mut Cache, jobs: &[Job<'_>]) -> Result<()> {
    let mut statements = Vec::with_capacity(jobs.len());
    for job in jobs {
        statements.push(prepared(conn, cache, job).await?);
    }
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = jobs.iter().map(params_of).collect();
    let client = conn.client();
    let futures = statements
        .iter()
        .zip(&params)
        .map(|(statement, params)| Box::pin(client.execute_raw(statement, params.iter().copied())));
    let results = in_order(futures).await;
    for (job, result) in jobs.iter().zip(results) {
        let shape = job.shape();
        let count =
            result.map_err(|e| Error::db(format!("applying changes to {}", shape.quoted()), e))?;
        check_count(job.expect(), count, shape)?;
    }
    Ok(())
}

async fn prepared(
    conn: &Connection,
    cache: &mut Cache,
    job: &Job<'_>,
) -> Result<tokio_postgres::Statement> {
    let (sql, types) = match job {
        Job::Bulk { sql, arrays, .. } => (sql, vec![Type::TEXT_ARRAY; arrays.len()]),
        Job::One { statement, .. } => (&statement.sql, vec![Type::TEXT; statement.params.len()]),
        Job::Copy { .. } => return Err(Error::internal("a COPY among pipelined statements")),
    };
    if let Some(found) = cache.get(sql.as_str()) {
        return Ok(found.clone());
    }
    if cache.len() >= STATEMENT_CACHE {
        cache.clear();
    }
    let prepared = conn.client().prepare_typed(sql, &types).await.map_err(|e| {
        Error::db(format!("preparing a change statement for {}", job.shape().quoted()), e)
    })?;
    cache.insert(sql.clone(), prepared.clone());
    Ok(prepared)
}

fn params_of<'a>(job: &'a Job<'_>) -> Vec<&'a (dyn ToSql + Sync)> {
    match job {
        Job::Bulk { arrays, .. } => arrays.iter().map(|a| a as &(dyn ToSql + Sync)).collect(),
        Job::One { statement, .. } => {
            statement.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
        }
        Job::Copy { .. } => Vec::new(),
    }
}

/// Polls every future, the first time in order, until all are done. A tokio-postgres query
/// writes its request on its first poll, so the server receives (and runs) them in this order
/// while their answers are still on the way: one round trip for the lot.
async fn in_order<F: Future + Unpin>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut slots: Vec<MaybeDone<F>> = futures.map(maybe_done).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for slot in &mut slots {
            done &= Pin::new(slot).poll(cx).is_ready();
        }
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    slots.iter_mut().filter_map(|slot| Pin::new(slot).take_output()).collect()
}

/// A row count that differs from the expected one means the target does not hold the row the
/// source changed: the target diverged (written to, or not loaded from this slot's snapshot).
fn check_count(expect: Expect, count: u64, shape: &TableShape) -> Result<()> {
    let ok = match expect {
        Expect::Exactly(n) => count == n,
        Expect::AtMost(n) => count <= n,
        Expect::Any => true,
    };
    if ok {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Sql,
        format!(
            "a replicated change to {} affected {count} rows on the target where the source \
             changed {}: the target does not hold the row the source changed",
            shape.quoted(),
            match expect {
                Expect::Exactly(n) | Expect::AtMost(n) => n,
                Expect::Any => 0,
            }
        ),
    )
    .with_hint("the target was changed outside replication, or not loaded from this slot's snapshot; compare with `godwit verify`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_checked_against_what_the_source_did() {
        let shape = TableShape {
            schema: "s".into(),
            name: "t".into(),
            columns: Vec::new(),
            key: Vec::new(),
            overriding: false,
        };
        assert!(check_count(Expect::Exactly(1), 1, &shape).is_ok());
        let err = check_count(Expect::Exactly(1), 0, &shape).unwrap_err();
        assert!(err.to_string().contains(r#""s"."t""#), "{err}");
        assert!(check_count(Expect::AtMost(1), 0, &shape).is_ok());
        assert!(check_count(Expect::AtMost(1), 2, &shape).is_err());
        assert!(check_count(Expect::Any, 7, &shape).is_ok());
    }

    #[tokio::test]
    async fn futures_are_polled_first_in_order_and_all_finish() {
        let order = std::sync::Mutex::new(Vec::new());
        let futures = (0..5).map(|i| {
            let order = &order;
            Box::pin(async move {
                order.lock().unwrap().push(i);
                tokio::task::yield_now().await;
                i * 10
            })
        });
        assert_eq!(in_order(futures).await, [0, 10, 20, 30, 40]);
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4]);
    }
}
