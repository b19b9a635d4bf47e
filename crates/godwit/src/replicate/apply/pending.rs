//! Changes received but not yet sent to the target, and the statements that apply them.
//!
//! Two ways of holding them, chosen by the applier:
//!
//! - per table ([`Pending::table`]), when order across tables does not matter (triggers and
//!   foreign-key checks off on the apply session): a table with a key and no other unique
//!   constraint keeps the net change per key ([`super::net`]); any other table keeps its own
//!   changes in order;
//! - in arrival order across all tables ([`Pending::ordered`]), otherwise.
//!
//! [`Pending::jobs`] turns them into statements: for PostgreSQL the bulk statements of
//! [`apply_sql::bulk`] (one per table and kind), and one `COPY` per keyed table for the rows
//! whose key the batch inserted first ([`super::copy`]); for CockroachDB the multi-row
//! statements of [`apply_sql`]; consecutive inserts into one table always go into one
//! statement (split where a key repeats).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;

use super::copy;
use super::net::{Keyed, Net, key_of};
use crate::cdc::apply_sql::{self, Expect, Statement, TableShape};
use crate::cdc::pgoutput::{OldTuple, Tuple, Value};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// One change, as received.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Insert(Tuple),
    Update(Option<OldTuple>, Tuple),
    Delete(OldTuple),
}

/// How a table's changes are held.
#[derive(Debug)]
enum Changes {
    Keyed(Keyed),
    /// In order; `true`: runs of inserts may go by `COPY` (a table without key and without
    /// unique index, where an insert cannot conflict).
    Ordered(Vec<Op>, bool),
}

/// Changes waiting to be applied.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// Per-table changes, in the order tables first appeared.
    tables: Vec<(Arc<TableShape>, Changes)>,
    /// `tables` index by shape (the `Arc`'s address; the `Arc` in `tables` keeps it unique).
    by_shape: HashMap<usize, usize>,
    /// Changes in arrival order.
    ordered: Vec<(Arc<TableShape>, Op)>,
    /// Every shape held, by address.
    shapes: HashMap<usize, Arc<TableShape>>,
    changes: usize,
    bytes: usize,
}

impl Pending {
    /// Changes held.
    pub(crate) fn len(&self) -> usize {
        self.changes
    }

    /// Bytes of values held (about the memory they take).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether another shape of the same table (a relation re-learned after a layout change)
    /// has changes held: those must be applied before changes of the new shape.
    pub(crate) fn holds_other_shape_of(&self, shape: &Arc<TableShape>) -> bool {
        !self.shapes.contains_key(&address(shape))
            && self.shapes.values().any(|s| s.schema == shape.schema && s.name == shape.name)
    }

    /// Hold `op` on `shape`'s table, per table: by key when `by_key`, else in order. `copy`:
    /// an insert that is its key's first change in the batch may be written by `COPY` (for a
    /// table without key: the caller found no unique index, so any insert may).
    pub(crate) fn table(
        &mut self,
        shape: &Arc<TableShape>,
        by_key: bool,
        op: Op,
        copy: bool,
    ) -> Result<()> {
        self.count(shape, &op);
        let at = address(shape);
        let index = match self.by_shape.get(&at) {
            Some(&i) => i,
            None => {
                let changes = if by_key && !shape.key.is_empty() {
                    Changes::Keyed(Keyed::default())
                } else {
                    Changes::Ordered(Vec::new(), copy && shape.key.is_empty())
                };
                self.by_shape.insert(at, self.tables.len());
                self.tables.push((Arc::clone(shape), changes));
                self.tables.len() - 1
            }
        };
        match (&mut self.tables[index].1, op) {
            (Changes::Keyed(keyed), Op::Insert(new)) => keyed.insert(shape, new, copy),
            (Changes::Keyed(keyed), Op::Update(old, new)) => keyed.update(shape, old.as_ref(), new),
            (Changes::Keyed(keyed), Op::Delete(old)) => keyed.delete(shape, &old),
            (Changes::Ordered(ops, _), op) => {
                ops.push(op);
                Ok(())
            }
        }
    }

    /// [`Keyed::unknown_on_key_change`] for `shape`'s table held by key (none otherwise).
    pub(crate) fn unknown_on_key_change(
        &self,
        shape: &Arc<TableShape>,
        old: Option<&OldTuple>,
        new: &Tuple,
    ) -> Result<Vec<usize>> {
        match self.by_shape.get(&address(shape)).map(|&i| &self.tables[i].1) {
            Some(Changes::Keyed(keyed)) => keyed.unknown_on_key_change(shape, old, new),
            Some(Changes::Ordered(..)) => Ok(Vec::new()),
            None => Keyed::default().unknown_on_key_change(shape, old, new),
        }
    }

    /// Hold `op` in arrival order.
    pub(crate) fn ordered(&mut self, shape: &Arc<TableShape>, op: Op) {
        self.count(shape, &op);
        self.ordered.push((Arc::clone(shape), op));
    }

    fn count(&mut self, shape: &Arc<TableShape>, op: &Op) {
        self.shapes.entry(address(shape)).or_insert_with(|| Arc::clone(shape));
        let size = |t: &Tuple| t.0.iter().map(value_size).sum::<usize>();
        self.changes += 1;
        self.bytes += match op {
            Op::Insert(new) => size(new),
            Op::Update(old, new) => size(new) + old.as_ref().map_or(0, |o| size(o.tuple())),
            Op::Delete(old) => size(old.tuple()),
        };
    }

    /// The statements that apply everything held.
    pub(crate) fn jobs(&self, dialect: Dialect) -> Result<Vec<Job<'_>>> {
        let mut jobs = Vec::new();
        for (shape, changes) in &self.tables {
            match changes {
                Changes::Keyed(keyed) => keyed_jobs(dialect, shape, keyed, &mut jobs)?,
                Changes::Ordered(ops, copy) => {
                    let copy = *copy && dialect == Dialect::Postgres;
                    ordered_jobs(dialect, ops.iter().map(|op| (shape, op)), copy, &mut jobs)?;
                }
            }
        }
        ordered_jobs(dialect, self.ordered.iter().map(|(s, op)| (s, op)), false, &mut jobs)?;
        Ok(jobs)
    }
}

fn address(shape: &Arc<TableShape>) -> usize {
    Arc::as_ptr(shape) as usize
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Text(b) | Value::Binary(b) => b.len() + 16,
        Value::Null | Value::UnchangedToast => 16,
    }
}

/// One statement to run.
#[derive(Debug)]
pub(crate) enum Job<'a> {
    /// A bulk statement of [`apply_sql::bulk`]: one text array per column it reads.
    Bulk { shape: &'a TableShape, sql: String, arrays: Vec<Vec<Option<&'a str>>>, expect: Expect },
    /// A statement of [`apply_sql`].
    One { shape: &'a TableShape, statement: Statement },
    /// A `COPY .. FROM STDIN` of new rows ([`apply_sql::bulk::copy_in`]) and its data.
    Copy { shape: &'a TableShape, sql: String, data: Bytes, rows: u64 },
}

impl Job<'_> {
    /// The table it changes.
    pub(crate) fn shape(&self) -> &TableShape {
        match self {
            Job::Bulk { shape, .. } | Job::One { shape, .. } | Job::Copy { shape, .. } => shape,
        }
    }

    /// The affected-row count it should report.
    pub(crate) fn expect(&self) -> Expect {
        match self {
            Job::Bulk { expect, .. } => *expect,
            Job::One { statement, .. } => statement.expect,
            Job::Copy { rows, .. } => Expect::Exactly(*rows),
        }
    }
}

/// Deletes, new rows, whole rows and partial updates of a table held by key.
fn keyed_jobs<'a>(
    dialect: Dialect,
    shape: &'a TableShape,
    keyed: &'a Keyed,
    jobs: &mut Vec<Job<'a>>,
) -> Result<()> {
    let (mut deleted, mut rows, mut partial) = (Vec::new(), Vec::new(), Vec::new());
    let mut new_rows = Vec::new();
    let copy = dialect == Dialect::Postgres;
    for ((key, net), &inserted) in keyed.entries().iter().zip(keyed.inserted()) {
        match net {
            Net::Delete => deleted.push(key),
            Net::Row(row) if inserted && copy => new_rows.push(row),
            Net::Row(row) => rows.push(row),
            Net::Partial(row) => partial.push(row),
        }
    }
    if !new_rows.is_empty() {
        copy_job(shape, &new_rows, jobs)?;
    }
    if !deleted.is_empty() {
        let count = deleted.len() as u64;
        let Some((sql, expect)) = apply_sql::bulk::delete(shape, count) else {
            return Err(Error::internal("a keyed table without key"));
        };
        let mut arrays = vec![Vec::with_capacity(deleted.len()); shape.key.len()];
        for key in deleted {
            for (array, value) in arrays.iter_mut().zip(key) {
                array.push(value.as_deref().map(|b| utf8(shape, b)).transpose()?);
            }
        }
        jobs.push(Job::Bulk { shape, sql, arrays, expect });
    }
    if !rows.is_empty() {
        upsert_jobs(dialect, shape, &rows, jobs)?;
    }
    for row in partial {
        for statement in apply_sql::update(dialect, shape, None, row)? {
            jobs.push(Job::One { shape, statement });
        }
    }
    Ok(())
}

/// Changes in order; runs of inserts into one table go into one statement each (a run ends
/// where a key repeats, since one upsert may not touch a row twice), a `COPY` when `copy`.
fn ordered_jobs<'a>(
    dialect: Dialect,
    ops: impl Iterator<Item = (&'a Arc<TableShape>, &'a Op)>,
    copy: bool,
    jobs: &mut Vec<Job<'a>>,
) -> Result<()> {
    let mut run: Vec<&'a Tuple> = Vec::new();
    let mut run_shape: Option<&'a Arc<TableShape>> = None;
    let mut keys = HashSet::new();
    for (shape, op) in ops {
        let joins = run_shape.is_some_and(|s| Arc::ptr_eq(s, shape));
        if let Op::Insert(new) = op {
            let key = if shape.key.is_empty() { None } else { Some(key_of(shape, &new.0)?) };
            let repeated = key.as_ref().is_some_and(|k| keys.contains(k));
            if !joins || repeated {
                flush_run(dialect, run_shape, &mut run, copy, jobs)?;
                keys.clear();
            }
            run_shape = Some(shape);
            run.push(new);
            keys.extend(key);
            continue;
        }
        flush_run(dialect, run_shape, &mut run, copy, jobs)?;
        keys.clear();
        let statements = match op {
            Op::Update(old, new) => apply_sql::update(dialect, shape, old.as_ref(), new)?,
            Op::Delete(old) => vec![apply_sql::delete(dialect, shape, old)?],
            Op::Insert(_) => Vec::new(),
        };
        jobs.extend(statements.into_iter().map(|statement| Job::One { shape, statement }));
    }
    flush_run(dialect, run_shape, &mut run, copy, jobs)
}

fn flush_run<'a>(
    dialect: Dialect,
    shape: Option<&'a Arc<TableShape>>,
    run: &mut Vec<&'a Tuple>,
    copy: bool,
    jobs: &mut Vec<Job<'a>>,
) -> Result<()> {
    let Some(shape) = shape.filter(|_| !run.is_empty()) else { return Ok(()) };
    if copy {
        copy_job(shape, run, jobs)?;
    } else {
        upsert_jobs(dialect, shape, run, jobs)?;
    }
    run.clear();
    Ok(())
}

/// New rows written with one `COPY`.
fn copy_job<'a>(shape: &'a TableShape, rows: &[&Tuple], jobs: &mut Vec<Job<'a>>) -> Result<()> {
    let data = copy::encode(shape, rows)?;
    let sql = apply_sql::bulk::copy_in(shape);
    jobs.push(Job::Copy { shape, sql, data, rows: rows.len() as u64 });
    Ok(())
}

/// Whole rows written with one bulk upsert (PostgreSQL) or the multi-row upserts of
/// [`apply_sql::upsert_rows`] (CockroachDB; more than one only past the parameter cap).
fn upsert_jobs<'a>(
    dialect: Dialect,
    shape: &'a TableShape,
    rows: &[&'a Tuple],
    jobs: &mut Vec<Job<'a>>,
) -> Result<()> {
    if dialect == Dialect::Cockroach {
        let statements = apply_sql::upsert_rows(dialect, shape, rows)?;
        jobs.extend(statements.into_iter().map(|statement| Job::One { shape, statement }));
        return Ok(());
    }
    let (sql, expect) = apply_sql::bulk::upsert(shape, rows.len() as u64);
    let mut arrays = vec![Vec::with_capacity(rows.len()); shape.columns.len()];
    for row in rows {
        for (i, (array, value)) in arrays.iter_mut().zip(shape.values(row)?).enumerate() {
            array.push(text(shape, i, value)?);
        }
    }
    jobs.push(Job::Bulk { shape, sql, arrays, expect });
    Ok(())
}

fn text<'a>(shape: &TableShape, i: usize, value: &'a Value) -> Result<Option<&'a str>> {
    match value {
        Value::Null => Ok(None),
        Value::Text(bytes) => utf8(shape, bytes).map(Some),
        Value::Binary(_) | Value::UnchangedToast => {
            // The statement builder's error for it (binary, or not in the stream).
            let statement = apply_sql::insert(Dialect::Postgres, shape, &one(shape, i, value));
            Err(statement.err().unwrap_or_else(|| Error::internal("a value that is not text")))
        }
    }
}

/// A row of NULLs with `value` at `i`, to get the statement builder's error for it.
fn one(shape: &TableShape, i: usize, value: &Value) -> Tuple {
    let mut row = vec![Value::Null; shape.columns.len()];
    row[i] = value.clone();
    Tuple(row)
}

fn utf8<'a>(shape: &TableShape, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::internal(format!("table {}: a value sent is not valid UTF-8", shape.quoted()))
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::cdc::apply_sql::{ShapeColumn, SqlType};

    fn shape(name: &str, key: &[usize]) -> Arc<TableShape> {
        let column = |name: &str| ShapeColumn {
            name: name.into(),
            sql_type: SqlType::new("pg_catalog", "text"),
        };
        Arc::new(TableShape {
            schema: "s".into(),
            name: name.into(),
            columns: vec![column("id"), column("v")],
            key: key.to_vec(),
            overriding: false,
        })
    }

    fn row(id: &str, v: &str) -> Tuple {
        let value = |s: &str| match s {
            "~" => Value::UnchangedToast,
            "null" => Value::Null,
            s => Value::Text(Bytes::copy_from_slice(s.as_bytes())),
        };
        Tuple(vec![value(id), value(v)])
    }

    fn old(id: &str) -> OldTuple {
        OldTuple::Key(row(id, "null"))
    }

    /// "kind FIRST-SQL-WORD", expected count, and the values (per array, or the parameters).
    type Seen = (String, Expect, Vec<Vec<Option<String>>>);

    fn summary(jobs: &[Job<'_>]) -> Vec<Seen> {
        jobs.iter()
            .map(|job| match job {
                Job::Bulk { sql, arrays, expect, .. } => (
                    format!("bulk {}", sql.split(' ').next().unwrap_or("")),
                    *expect,
                    arrays
                        .iter()
                        .map(|a| a.iter().map(|v| v.map(str::to_owned)).collect())
                        .collect(),
                ),
                Job::One { statement, .. } => (
                    format!("one {}", statement.sql.split(' ').next().unwrap_or("")),
                    statement.expect,
                    vec![statement.params.clone()],
                ),
                Job::Copy { data, rows, .. } => (
                    "copy".into(),
                    Expect::Exactly(*rows),
                    vec![vec![Some(String::from_utf8(data.to_vec()).unwrap())]],
                ),
            })
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn a_keyed_table_becomes_one_delete_one_upsert_and_partial_updates() {
        let t = shape("t", &[0]);
        let mut p = Pending::default();
        p.table(&t, true, Op::Insert(row("1", "a")), false).unwrap();
        p.table(&t, true, Op::Insert(row("2", "b")), false).unwrap();
        p.table(&t, true, Op::Update(None, row("1", "x")), false).unwrap();
        p.table(&t, true, Op::Delete(old("2")), false).unwrap();
        p.table(&t, true, Op::Update(None, row("3", "~")), false).unwrap();
        p.table(&t, true, Op::Delete(old("4")), false).unwrap();
        assert_eq!(p.len(), 6);
        let jobs = p.jobs(Dialect::Postgres).unwrap();
        assert_eq!(
            summary(&jobs),
            [
                ("bulk DELETE".into(), Expect::AtMost(2), vec![vec![s("2"), s("4")]]),
                ("bulk INSERT".into(), Expect::Exactly(1), vec![vec![s("1")], vec![s("x")]]),
                // Unchanged TOAST only: nothing to set, no statement.
            ]
        );
    }

    #[test]
    fn keys_the_batch_inserted_first_are_copied_the_others_upserted() {
        let t = shape("t", &[0]);
        let mut p = Pending::default();
        p.table(&t, true, Op::Insert(row("1", "a")), true).unwrap();
        p.table(&t, true, Op::Update(None, row("1", "a2")), true).unwrap();
        p.table(&t, true, Op::Update(None, row("2", "b")), true).unwrap();
        p.table(&t, true, Op::Insert(row("3", "c\td")), true).unwrap();
        // Held while COPY was off (a replay after a conflict): upserted.
        p.table(&t, true, Op::Insert(row("4", "d")), false).unwrap();
        p.table(&t, true, Op::Insert(row("5", "null")), true).unwrap();
        p.table(&t, true, Op::Delete(old("5")), true).unwrap();
        let jobs = p.jobs(Dialect::Postgres).unwrap();
        assert_eq!(
            summary(&jobs),
            [
                ("copy".into(), Expect::Exactly(2), vec![vec![s("1\ta2\n3\tc\\td\n")]]),
                ("bulk DELETE".into(), Expect::AtMost(1), vec![vec![s("5")]]),
                (
                    "bulk INSERT".into(),
                    Expect::Exactly(2),
                    vec![vec![s("2"), s("4")], vec![s("b"), s("d")]]
                ),
            ]
        );
        assert!(matches!(&jobs[0], Job::Copy { sql, .. } if sql.starts_with("COPY \"s\".\"t\"")));
        // CockroachDB has no COPY path: the same rows upserted.
        let jobs = p.jobs(Dialect::Cockroach).unwrap();
        let words: Vec<String> = summary(&jobs).into_iter().map(|(kind, ..)| kind).collect();
        assert_eq!(words, ["bulk DELETE", "one UPSERT"]);
    }

    #[test]
    fn ordered_changes_keep_their_order_and_split_inserts_at_a_repeated_key() {
        let (t, k) = (shape("t", &[0]), shape("k", &[]));
        let mut p = Pending::default();
        p.ordered(&t, Op::Insert(row("1", "a")));
        p.ordered(&t, Op::Insert(row("2", "b")));
        p.ordered(&t, Op::Insert(row("1", "c")));
        p.ordered(&k, Op::Insert(row("1", "a")));
        p.ordered(&k, Op::Insert(row("1", "a")));
        p.ordered(&t, Op::Delete(old("2")));
        p.ordered(&t, Op::Insert(row("5", "e")));
        let jobs = p.jobs(Dialect::Postgres).unwrap();
        let kinds: Vec<(String, Expect)> =
            summary(&jobs).into_iter().map(|(kind, expect, _)| (kind, expect)).collect();
        assert_eq!(
            kinds,
            [
                ("bulk INSERT".into(), Expect::Exactly(2)),
                ("bulk INSERT".into(), Expect::Exactly(1)),
                // A keyless table takes identical rows in one statement.
                ("bulk INSERT".into(), Expect::Exactly(2)),
                ("one DELETE".into(), Expect::AtMost(1)),
                ("bulk INSERT".into(), Expect::Exactly(1)),
            ]
        );
        // CockroachDB: the multi-row statements of apply_sql, in the same order.
        let jobs = p.jobs(Dialect::Cockroach).unwrap();
        let words: Vec<String> = summary(&jobs).into_iter().map(|(kind, ..)| kind).collect();
        assert_eq!(words, ["one UPSERT", "one UPSERT", "one INSERT", "one DELETE", "one UPSERT"]);
    }

    #[test]
    fn per_table_without_key_compaction_keeps_the_table_order() {
        let t = shape("t", &[0]);
        let mut p = Pending::default();
        p.table(&t, false, Op::Insert(row("1", "a")), true).unwrap();
        p.table(&t, false, Op::Update(None, row("1", "b")), true).unwrap();
        p.table(&t, false, Op::Insert(row("2", "c")), true).unwrap();
        let jobs = p.jobs(Dialect::Postgres).unwrap();
        let words: Vec<String> = summary(&jobs).into_iter().map(|(kind, ..)| kind).collect();
        assert_eq!(words, ["bulk INSERT", "one UPDATE", "bulk INSERT"]);
    }

    #[test]
    fn a_relearned_shape_of_a_held_table_is_noticed() {
        let (t, again, other) = (shape("t", &[0]), shape("t", &[0]), shape("o", &[0]));
        let mut p = Pending::default();
        p.table(&t, true, Op::Insert(row("1", "a")), false).unwrap();
        assert!(!p.holds_other_shape_of(&t));
        assert!(!p.holds_other_shape_of(&other));
        assert!(p.holds_other_shape_of(&again));
    }
}
