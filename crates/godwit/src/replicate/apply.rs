//! Target transactions: source transactions applied in commit order, several small ones
//! grouped into one target transaction, and the group's position committed with it.
//!
//! A group opens (`BEGIN`) at the first source transaction after the last commit and takes
//! every following one until it holds enough rows or is old enough; it ends only between
//! source transactions. Changes are held in memory ([`pending`]) and sent when the group
//! commits, or earlier once [`FLUSH_CHANGES`] changes or [`FLUSH_BYTES`] bytes are held (so a
//! large source transaction goes into the open target transaction in bounded pieces).
//!
//! How they are sent depends on what the session may do:
//!
//! - PostgreSQL target, `session_replication_role = replica` permitted (as PostgreSQL's own
//!   apply worker runs: no triggers, no foreign-key checks): the order of changes to different
//!   tables no longer matters, only the order per row. A table with a primary key and no other
//!   unique constraint keeps only the net change per key ([`net`]) and is written with one bulk
//!   `DELETE` and one bulk upsert per flush ([`crate::cdc::apply_sql::bulk`], one prepared
//!   statement per table, rows passed as `text[]` columns); other tables keep their changes in
//!   order, consecutive inserts in one bulk statement;
//! - otherwise (CockroachDB, or the setting refused; a warning says so): every change in
//!   arrival order, consecutive inserts into one table in one multi-row statement.
//!
//! A flush sends its statements pipelined (all written before the first answer is read; the
//! server runs them back to back in order) and checks each one's row count ([`send`]). A flush
//! in the middle of a group runs in a task of its own while the next changes are received and
//! held (at most one in flight, so memory stays bounded); the next flush, a catalog read and
//! the commit wait for it first and fail with its error.
//!
//! On the per-table path, the rows of keys whose first change in the batch is an insert (new
//! on the source, so absent from a target that mirrors it; [`net`]) go in one text-format
//! `COPY` per table ([`copy`]) rather than the upsert (and so do runs of inserts into a table
//! without key and without unique index, where nothing can conflict): no conflict check per
//! row, and the server's batched heap inserts (about a third of the upsert's cost; what makes
//! one large source transaction of inserts apply as fast as PostgreSQL's own subscriber). No
//! savepoint guards it (each one that writes is a subtransaction, and past 64 of them every
//! snapshot on the server gets slower): a `COPY` meeting an existing key (23505, a diverged
//! target) fails the group like any apply failure; the session ends, the group is rolled back
//! and replayed from the recorded position with `COPY` off up to the source's WAL end reported
//! by then ([`Applier::copy_inserts`], `Totals::upserts_through`), so the source's rows win and
//! nothing is confirmed before the target commits.
//!
//! The commit writes the end LSN of the group's last source transaction to
//! `_godwit.replication` ([`super::checkpoint::advance`]) in the same transaction, pipelined
//! with the [`super::held::Ledger`]'s statements (changes held for paused tables, table states,
//! per-table counters), and is a
//! normal, durable commit (`synchronous_commit` as the server has it): the position is
//! confirmed to the source right after it returns, and the slot then drops what comes before,
//! so a commit lost in a target crash after that confirmation could never be replayed.
//!
//! Statements are prepared once per SQL text with every parameter typed `text` (or `text[]`
//! for bulk statements): values come from the stream in text form and are cast in SQL to the
//! column's type (see [`crate::cdc::apply_sql`]). PostgreSQL and CockroachDB both accept an
//! explicit cast from `text` to any type through the type's input function.

mod copy;
mod net;
mod pending;
mod send;

pub(crate) use self::send::copy_conflict;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};

use self::pending::{Job, Op, Pending};
use super::Truncate;
use super::checkpoint::{self, SourceAt};
use super::held::Ledger;
use crate::cdc::apply_sql::{self, TableShape};
use crate::cdc::lsn::Lsn;
use crate::cdc::pgoutput::{OldTuple, TruncateOptions, Tuple, Value};
use crate::conn::Connection;
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};

/// Changes held before they are sent, at most (a flush may come in the middle of a source
/// transaction; it stays in the open target transaction).
const FLUSH_CHANGES: usize = 25_000;

/// Bytes of values held before they are sent, at most.
const FLUSH_BYTES: usize = 16 << 20;

/// The open target transaction.
#[derive(Debug)]
struct Group {
    started: Instant,
    transactions: i64,
    rows: i64,
    last_end: Option<Lsn>,
}

/// What a committed group applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Committed {
    /// The end LSN of its last source transaction.
    pub(crate) lsn: Lsn,
    /// Source transactions in it.
    pub(crate) transactions: i64,
    /// Row changes in it.
    pub(crate) rows: i64,
}

/// Applies changes to the target, one group at a time.
pub(crate) struct Applier {
    conn: Arc<Connection>,
    slot: String,
    truncate: Truncate,
    /// Changes of different tables may be applied in any order (replica role).
    per_table: bool,
    /// Fresh inserts of the current source transaction may be written by `COPY`.
    copy: bool,
    statements: send::Cache,
    /// The flush running in its own task: its result and the statement cache it took.
    in_flight: Option<JoinHandle<(Result<()>, send::Cache)>>,
    /// Per shape (by address; the `Arc` keeps it unique): compacted by key or not, and
    /// whether its new rows may go by `COPY` (not under row-level security).
    by_key: HashMap<usize, (Arc<TableShape>, bool, bool)>,
    pending: Pending,
    group: Option<Group>,
    /// Held changes of paused tables, table states and counters, written with the group.
    ledger: Ledger,
}

impl std::fmt::Debug for Applier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applier").field("slot", &self.slot).finish_non_exhaustive()
    }
}

impl Applier {
    /// An applier on `conn` (a target connection of its own), with the session settings the
    /// stream's text values need, and the replica role where permitted.
    pub(crate) async fn new(conn: Connection, slot: &str, truncate: Truncate) -> Result<Self> {
        let setup = match conn.dialect() {
            Dialect::Postgres => include_str!("apply/session_pg.sql"),
            Dialect::Cockroach => include_str!("apply/session_crdb.sql"),
        };
        conn.client()
            .batch_execute(setup)
            .await
            .map_err(|e| Error::db("setting up the apply session on the target", e))?;
        let per_table = match conn.dialect() {
            Dialect::Postgres => replica_role(&conn).await?.is_none(),
            Dialect::Cockroach => false,
        };
        Ok(Applier {
            conn: Arc::new(conn),
            slot: slot.to_owned(),
            truncate,
            per_table,
            copy: per_table,
            statements: send::Cache::new(),
            in_flight: None,
            by_key: HashMap::new(),
            pending: Pending::default(),
            group: None,
            ledger: Ledger::new(slot),
        })
    }

    /// The target's dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The target connection (for catalog reads between changes).
    pub(crate) fn client(&self) -> &tokio_postgres::Client {
        self.conn.client()
    }

    /// What the open group records besides applied changes ([`super::held`]).
    pub(crate) fn ledger(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    /// Inside the open group: write the held changes buffered so far (memory stays bounded).
    pub(crate) async fn write_held(&mut self) -> Result<()> {
        self.settle().await?;
        self.ledger.write_held(self.conn.client()).await
    }

    /// Whether the rows the current source transaction inserts may be written by `COPY`
    /// (per table only; off while a transaction whose `COPY` met an existing row is replayed).
    pub(crate) fn copy_inserts(&mut self, allowed: bool) {
        self.copy = allowed && self.per_table;
    }

    /// Whether new rows are written by `COPY` now ([`Applier::copy_inserts`]).
    pub(crate) fn copies_inserts(&self) -> bool {
        self.copy
    }

    /// A source transaction starts: open a group if none is open.
    pub(crate) async fn begin(&mut self) -> Result<()> {
        if self.group.is_none() {
            self.run_plain("BEGIN").await?;
            let group = Group { started: Instant::now(), transactions: 0, rows: 0, last_end: None };
            self.group = Some(group);
        }
        Ok(())
    }

    /// A row was inserted.
    pub(crate) async fn insert(&mut self, shape: Arc<TableShape>, new: Tuple) -> Result<()> {
        self.hold(shape, Op::Insert(new)).await
    }

    /// A row was updated.
    pub(crate) async fn update(
        &mut self,
        shape: Arc<TableShape>,
        old: Option<OldTuple>,
        new: Tuple,
    ) -> Result<()> {
        self.hold(shape, Op::Update(old, new)).await
    }

    /// A row was deleted.
    pub(crate) async fn delete(&mut self, shape: Arc<TableShape>, old: OldTuple) -> Result<()> {
        self.hold(shape, Op::Delete(old)).await
    }

    /// Tables were truncated together (refused under [`Truncate::Refuse`]); everything held
    /// before is applied first.
    pub(crate) async fn truncate(
        &mut self,
        shapes: &[Arc<TableShape>],
        options: TruncateOptions,
        at: Lsn,
    ) -> Result<()> {
        let refs: Vec<&TableShape> = shapes.iter().map(Arc::as_ref).collect();
        if self.truncate == Truncate::Refuse {
            let names: Vec<String> = refs.iter().map(|s| s.quoted()).collect();
            return Err(Error::new(
                ErrorKind::Sql,
                format!(
                    "the source transaction committed at {at} truncates {}: TRUNCATE is refused \
                     (truncate: refuse), nothing of that transaction was applied",
                    names.join(", ")
                ),
            )
            .with_hint("truncate the tables on the target yourself and restart with the same slot, or apply truncates (--truncate apply)"));
        }
        let Some(first) = refs.first() else { return Ok(()) };
        self.flush().await?;
        let statement = apply_sql::truncate(self.conn.dialect(), &refs, options)?;
        self.count_rows(1);
        let job = Job::One { shape: first, statement };
        send::window(&self.conn, &mut self.statements, std::slice::from_ref(&job)).await
    }

    /// The source transaction ending at `end` is complete.
    pub(crate) fn end(&mut self, end: Lsn) -> Result<()> {
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Error::internal("a source commit with no target transaction open"))?;
        group.transactions += 1;
        group.last_end = Some(end);
        Ok(())
    }

    /// Let the open group, which holds no source transaction (a paused table's held changes
    /// replayed while the stream is idle), commit at the position already applied, `at`.
    pub(crate) fn end_idle(&mut self, at: Lsn) {
        if let Some(group) = self.group.as_mut() {
            group.last_end = group.last_end.or(Some(at));
        }
    }

    /// Whether a group is open and holds at least `rows` rows or is at least `age` old.
    pub(crate) fn due(&self, rows: usize, age: std::time::Duration) -> bool {
        self.group.as_ref().is_some_and(|g| {
            usize::try_from(g.rows).unwrap_or(usize::MAX) >= rows || g.started.elapsed() >= age
        })
    }

    /// When the open group becomes due by age.
    pub(crate) fn deadline(&self, age: std::time::Duration) -> Option<Instant> {
        self.group.as_ref().map(|g| g.started + age)
    }

    /// Whether a group is open.
    pub(crate) fn is_open(&self) -> bool {
        self.group.is_some()
    }

    /// Apply what is held and commit the open group with its position (and where the source
    /// stood, `source`). Call only between source transactions. `None` when no group was open.
    pub(crate) async fn commit(&mut self, source: SourceAt) -> Result<Option<Committed>> {
        let Some(lsn) = self.group.as_ref().map(|g| g.last_end) else { return Ok(None) };
        let Some(lsn) = lsn else {
            self.rollback().await?;
            return Ok(None);
        };
        let applied = match self.flush().await {
            Ok(()) => self.advance(lsn, source).await,
            Err(e) => Err(e),
        };
        if let Err(e) = applied {
            self.abandon().await;
            return Err(e);
        }
        let Some(group) = self.group.take() else { return Ok(None) };
        self.run_plain("COMMIT").await?;
        Ok(Some(Committed { lsn, transactions: group.transactions, rows: group.rows }))
    }

    /// Record the position, pipelined with the ledger's statements.
    async fn advance(&mut self, lsn: Lsn, source: SourceAt) -> Result<()> {
        let counts = self.group.as_ref().map_or((0, 0), |g| (g.transactions, g.rows));
        let client = self.conn.client();
        let position = checkpoint::advance(client, &self.slot, lsn, counts, source);
        futures_util::future::try_join(position, self.ledger.write(client, lsn)).await?;
        Ok(())
    }

    /// Roll the open group back (nothing of it stays on the target).
    pub(crate) async fn rollback(&mut self) -> Result<()> {
        self.pending = Pending::default();
        self.ledger.clear();
        let _ = self.settle().await;
        if self.group.take().is_some() {
            self.run_plain("ROLLBACK").await?;
        }
        Ok(())
    }

    /// Roll back after a failure, ignoring a second failure (the connection may be gone).
    pub(crate) async fn abandon(&mut self) {
        let _ = self.rollback().await;
    }

    fn count_rows(&mut self, n: usize) {
        if let Some(g) = self.group.as_mut() {
            g.rows += i64::try_from(n).unwrap_or(i64::MAX);
        }
    }

    /// Hold one change; flush first when an older shape of its table is held, and after it
    /// when enough is held.
    async fn hold(&mut self, shape: Arc<TableShape>, op: Op) -> Result<()> {
        self.count_rows(1);
        if self.pending.holds_other_shape_of(&shape) {
            self.flush().await?;
        }
        if self.per_table {
            let (by_key, copy) = self.by_key(&shape).await?;
            let op = if by_key { self.complete_key_change(&shape, op).await? } else { op };
            self.pending.table(&shape, by_key, op, self.copy && copy)?;
        } else {
            self.pending.ordered(&shape, op);
        }
        if self.pending.len() >= FLUSH_CHANGES || self.pending.bytes() >= FLUSH_BYTES {
            self.start_flush().await?;
        }
        Ok(())
    }

    /// A key-changing update whose unchanged TOAST values neither the stream nor the batch
    /// holds (the row was last written whole before this batch): read them from the target's
    /// row under the old key, after the flush in flight (which may have written it), as
    /// PostgreSQL's own apply worker reads its local row. No row there: left as it is (the
    /// compaction then names the column).
    async fn complete_key_change(&mut self, shape: &Arc<TableShape>, op: Op) -> Result<Op> {
        let Op::Update(Some(old), mut new) = op else { return Ok(op) };
        let missing = self.pending.unknown_on_key_change(shape, Some(&old), &new)?;
        if missing.is_empty() {
            return Ok(Op::Update(Some(old), new));
        }
        self.settle().await?;
        let statement = apply_sql::old_values(shape, &old.tuple().0, &missing)?;
        let client = self.conn.client();
        let read = async {
            let types = vec![Type::TEXT; statement.params.len()];
            let prepared = client.prepare_typed(&statement.sql, &types).await?;
            let params: Vec<&(dyn ToSql + Sync)> =
                statement.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            client.query_opt(&prepared, &params).await
        };
        let what = format!("reading unchanged values of {} on the target", shape.quoted());
        if let Some(row) = read.await.map_err(|e| Error::db(what, e))? {
            for (n, &i) in missing.iter().enumerate() {
                let value: Option<String> = row.get(n);
                new.0[i] = value.map_or(Value::Null, |v| Value::Text(v.into()));
            }
        }
        Ok(Op::Update(Some(old), new))
    }

    /// Whether `shape`'s changes may be compacted per key: it has a key and no other unique
    /// constraint; and whether its new rows may go by `COPY`: no row-level security applies
    /// and, for a table without key, no unique index either (both read from the target's
    /// catalog once per shape).
    async fn by_key(&mut self, shape: &Arc<TableShape>) -> Result<(bool, bool)> {
        let at = Arc::as_ptr(shape) as usize;
        if let Some((_, by_key, copy)) = self.by_key.get(&at) {
            return Ok((*by_key, *copy));
        }
        // A failed flush would fail this query too: report the flush's error instead.
        self.settle().await?;
        let row = self
            .conn
            .client()
            .query_one(include_str!("apply/other_unique.sql"), &[&shape.schema, &shape.name])
            .await
            .map_err(|e| {
                Error::db(
                    format!("reading the unique indexes of {} on the target", shape.quoted()),
                    e,
                )
            })?;
        let (other_unique, secured): (bool, bool) = (row.get(0), row.get(1));
        let by_key = !shape.key.is_empty() && !other_unique;
        let copy = !secured && !other_unique;
        self.by_key.insert(at, (Arc::clone(shape), by_key, copy));
        Ok((by_key, copy))
    }

    /// Send everything held and wait for it.
    async fn flush(&mut self) -> Result<()> {
        self.start_flush().await?;
        self.settle().await
    }

    /// Send everything held from a task of its own, after the previous one is done, so that
    /// the next changes are received and prepared while the target runs these. At most one
    /// flush is in flight; [`Applier::settle`] waits for it and reports its failure.
    async fn start_flush(&mut self) -> Result<()> {
        self.settle().await?;
        if self.pending.len() == 0 {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let conn = Arc::clone(&self.conn);
        let mut cache = std::mem::take(&mut self.statements);
        self.in_flight = Some(tokio::spawn(async move {
            let sent = send::all(&conn, &mut cache, &pending).await;
            (sent, cache)
        }));
        Ok(())
    }

    /// Wait for the flush in flight, if any.
    pub(crate) async fn settle(&mut self) -> Result<()> {
        let Some(task) = self.in_flight.take() else { return Ok(()) };
        let (sent, cache) =
            task.await.map_err(|e| Error::internal(format!("the apply task failed: {e}")))?;
        self.statements = cache;
        sent
    }

    async fn run_plain(&self, sql: &str) -> Result<()> {
        self.conn
            .client()
            .batch_execute(sql)
            .await
            .map_err(|e| Error::db(format!("{sql} of an apply transaction on the target"), e))
    }
}

/// Why changes to a PostgreSQL `target` will be applied one by one in arrival order (slower)
/// rather than per table: the server refuses the replica role to this user. `None` when it is
/// permitted or the target is CockroachDB (which has no such setting). Leaves the session's
/// role as it was.
pub(crate) async fn fallback(target: &Connection) -> Result<Option<String>> {
    if target.dialect() != Dialect::Postgres {
        return Ok(None);
    }
    let refused = replica_role(target).await?;
    if refused.is_none() {
        target
            .client()
            .batch_execute(include_str!("apply/reset_role.sql"))
            .await
            .map_err(|e| Error::db("resetting session_replication_role on the target", e))?;
    }
    Ok(refused)
}

/// Set the replica role; `Some(why)` when the server refuses it for lack of privilege.
async fn replica_role(conn: &Connection) -> Result<Option<String>> {
    match conn.client().batch_execute(include_str!("apply/replica_role.sql")).await {
        Ok(()) => Ok(None),
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => Ok(Some(
            "the target refused session_replication_role = replica (it needs superuser, or \
             GRANT SET ON PARAMETER session_replication_role): changes are applied one by one \
             in arrival order, with triggers and foreign-key checks firing"
                .to_owned(),
        )),
        Err(e) => Err(Error::db("setting session_replication_role on the target", e)),
    }
}
