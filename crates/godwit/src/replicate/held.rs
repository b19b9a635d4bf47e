//! The target-side record of paused tables: their held changes (`_godwit.replication_held`) and
//! every replicated table's state and counters (`_godwit.replication_tables`).
//!
//! A table whose source layout no longer fits the target is paused (see [`super::drift`]): its
//! changes are not applied but stored, in stream order, with what is needed to apply them
//! later — the relation's column names, key flags and replica identity, the new and old tuple
//! values as text, NULL and unchanged-TOAST values told apart by a flag per column, and a
//! `TRUNCATE`'s options. The [`Ledger`] collects them, the state changes and the per-table
//! counters during a target transaction (a group) and writes them in that same transaction,
//! pipelined with its position ([`super::checkpoint::advance`]): held changes are exactly-once
//! like applied ones. `seq` is assigned here (the next number after the slot's highest at
//! session start), so the same SQL serves PostgreSQL and CockroachDB targets.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::try_join_all;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use crate::cdc::apply_sql::TableShape;
use crate::cdc::lsn::Lsn;
use crate::cdc::pgoutput::{
    OldTuple, Relation, RelationColumn, ReplicaIdentity, TruncateOptions, Tuple, Value,
};
use crate::dialect::quote_qualified;
use crate::error::{Error, Result};

/// Held changes kept in memory before they are written (in the open group), at most.
pub(crate) const HELD_BUFFER: usize = 5_000;

/// Held rows per `INSERT` statement (14 parameters each).
const INSERT_ROWS: usize = 400;

/// Tables per counter statement (4 parameters each).
const TALLY_ROWS: usize = 1_000;

/// Held changes read per query while replaying.
pub(crate) const REPLAY_BATCH: usize = 1_000;

/// What a relation's changes need to be applied: its name and published columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Layout {
    pub(crate) schema: String,
    pub(crate) name: String,
    /// Column names, in tuple order.
    pub(crate) columns: Vec<String>,
    /// Per column: part of the replica identity key.
    pub(crate) key: Vec<bool>,
    /// `REPLICA IDENTITY` as pgoutput sends it (`d`, `n`, `f`, `i`).
    pub(crate) identity: char,
}

impl Layout {
    /// The layout of `relation`.
    pub(crate) fn of(relation: &Relation) -> Self {
        Layout {
            schema: relation.namespace.clone(),
            name: relation.name.clone(),
            columns: relation.columns.iter().map(|c| c.name.clone()).collect(),
            key: relation.columns.iter().map(RelationColumn::is_key).collect(),
            identity: match relation.replica_identity {
                ReplicaIdentity::Default => 'd',
                ReplicaIdentity::Nothing => 'n',
                ReplicaIdentity::Full => 'f',
                ReplicaIdentity::Index => 'i',
            },
        }
    }

    /// A relation with this layout (types unknown: shapes take them from the target).
    pub(crate) fn relation(&self) -> Relation {
        Relation {
            xid: None,
            relid: 0,
            namespace: self.schema.clone(),
            name: self.name.clone(),
            replica_identity: match self.identity {
                'n' => ReplicaIdentity::Nothing,
                'f' => ReplicaIdentity::Full,
                'i' => ReplicaIdentity::Index,
                _ => ReplicaIdentity::Default,
            },
            columns: self
                .columns
                .iter()
                .zip(&self.key)
                .map(|(name, key)| RelationColumn {
                    flags: u8::from(*key),
                    name: name.clone(),
                    type_oid: 0,
                    type_modifier: -1,
                })
                .collect(),
        }
    }

    /// `"schema"."name"`.
    pub(crate) fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }
}

/// One change of a paused table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    Insert(Tuple),
    Update(Option<OldTuple>, Tuple),
    Delete(OldTuple),
    Truncate(TruncateOptions),
}

/// A held change: its table's layout, the commit LSN of its source transaction, the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) layout: Arc<Layout>,
    pub(crate) lsn: Lsn,
    pub(crate) change: Change,
}

/// A tuple as stored: values (NULL for NULL and unchanged TOAST) and one flag per column.
type Stored = (Vec<Option<String>>, String);

/// A held change as the columns of `_godwit.replication_held` after `slot_name`, `seq`,
/// `schema_name` and `table_name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    lsn: String,
    kind: &'static str,
    columns: Vec<String>,
    key_flags: String,
    identity: String,
    new: Option<Stored>,
    old_kind: Option<&'static str>,
    old: Option<Stored>,
    options: Option<String>,
}

/// Encode `held` for storage.
pub(crate) fn encode(held: &Held) -> Result<Row> {
    let layout = &held.layout;
    let tuple = |t: &Tuple| encode_tuple(t, layout);
    let (kind, new, old, options) = match &held.change {
        Change::Insert(new) => ("insert", Some(tuple(new)?), None, None),
        Change::Update(old, new) => ("update", Some(tuple(new)?), old.as_ref(), None),
        Change::Delete(old) => ("delete", None, Some(old), None),
        Change::Truncate(o) => {
            let flags = format!("{}{}", flag(o.cascade, 'c'), flag(o.restart_identity, 'r'));
            ("truncate", None, None, Some(flags))
        }
    };
    let old_kind = old.map(|o| match o {
        OldTuple::Key(_) => "key",
        OldTuple::Full(_) => "full",
    });
    Ok(Row {
        lsn: held.lsn.to_pg_string(),
        kind,
        columns: layout.columns.clone(),
        key_flags: layout.key.iter().map(|k| if *k { '1' } else { '0' }).collect(),
        identity: layout.identity.to_string(),
        new,
        old_kind,
        old: old.map(|o| tuple(o.tuple())).transpose()?,
        options,
    })
}

fn flag(set: bool, c: char) -> String {
    if set { c.to_string() } else { String::new() }
}

fn encode_tuple(tuple: &Tuple, layout: &Layout) -> Result<Stored> {
    let mut values = Vec::with_capacity(tuple.0.len());
    let mut flags = String::with_capacity(tuple.0.len());
    for value in &tuple.0 {
        let (v, f) = match value {
            Value::Null => (None, 'n'),
            Value::UnchangedToast => (None, 'u'),
            Value::Text(bytes) => {
                let text = std::str::from_utf8(bytes).map_err(|_| {
                    Error::internal(format!(
                        "table {}: a value sent is not valid UTF-8",
                        layout.quoted()
                    ))
                })?;
                (Some(text.to_owned()), 't')
            }
            Value::Binary(_) => {
                return Err(Error::internal(format!(
                    "table {}: a binary value in the stream (godwit asks for text)",
                    layout.quoted()
                )));
            }
        };
        values.push(v);
        flags.push(f);
    }
    Ok((values, flags))
}

/// Decode a stored row of `schema.name` (`layouts` shares equal layouts between rows).
pub(crate) fn decode(
    schema: &str,
    name: &str,
    row: Row,
    layouts: &mut HashMap<Layout, Arc<Layout>>,
) -> Result<Held> {
    let broken = |what: &str| {
        Error::internal(format!(
            "_godwit.replication_held holds a change of {} with {what}",
            quote_qualified(schema, name)
        ))
    };
    let key: Vec<bool> = row.key_flags.chars().map(|c| c == '1').collect();
    if key.len() != row.columns.len() {
        return Err(broken("key flags that do not match its columns"));
    }
    let layout = Layout {
        schema: schema.to_owned(),
        name: name.to_owned(),
        columns: row.columns,
        key,
        identity: row.identity.chars().next().unwrap_or('d'),
    };
    let layout = Arc::clone(layouts.entry(layout.clone()).or_insert_with(|| Arc::new(layout)));
    let lsn = Lsn::parse(&row.lsn).map_err(|_| broken("an LSN that does not parse"))?;
    let width = layout.columns.len();
    let tuple = |stored: Option<Stored>| -> Result<Tuple> {
        let (values, flags) = stored.ok_or_else(|| broken("a tuple missing"))?;
        decode_tuple(values, &flags, width).ok_or_else(|| broken("a malformed tuple"))
    };
    let old = match row.old_kind {
        Some("key") => Some(OldTuple::Key(tuple(row.old)?)),
        Some("full") => Some(OldTuple::Full(tuple(row.old)?)),
        _ => None,
    };
    let change = match row.kind {
        "insert" => Change::Insert(tuple(row.new)?),
        "update" => Change::Update(old, tuple(row.new)?),
        "delete" => Change::Delete(old.ok_or_else(|| broken("a delete without old values"))?),
        "truncate" => {
            let o = row.options.unwrap_or_default();
            Change::Truncate(TruncateOptions {
                cascade: o.contains('c'),
                restart_identity: o.contains('r'),
            })
        }
        _ => return Err(broken("an unknown kind")),
    };
    Ok(Held { layout, lsn, change })
}

fn decode_tuple(values: Vec<Option<String>>, flags: &str, width: usize) -> Option<Tuple> {
    if values.len() != width || flags.len() != width {
        return None;
    }
    values
        .into_iter()
        .zip(flags.chars())
        .map(|(v, f)| match (f, v) {
            ('n', None) => Some(Value::Null),
            ('u', None) => Some(Value::UnchangedToast),
            ('t', Some(text)) => Some(Value::Text(Bytes::from(text.into_bytes()))),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Tuple)
}

/// A table paused in a group: why, recorded with the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pause {
    pub(crate) schema: String,
    pub(crate) name: String,
    pub(crate) reason: String,
    pub(crate) column: Option<String>,
    pub(crate) hint: String,
    /// The commit LSN of the source transaction whose Relation showed the drift.
    pub(crate) since: Lsn,
}

/// A state change of a table, written with its group.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StateChange {
    Pause(Pause),
    Resume { schema: String, name: String },
}

/// What the open group holds besides applied changes: held changes, state changes and the
/// per-table counters.
#[derive(Debug)]
pub(crate) struct Ledger {
    slot: String,
    next_seq: i64,
    held: Vec<(i64, Arc<Layout>, Row)>,
    states: Vec<StateChange>,
    /// Applied changes per shape (by address; the `Arc` keeps it unique).
    applied: HashMap<usize, (Arc<TableShape>, i64)>,
    /// Held changes per table.
    held_counts: BTreeMap<(String, String), i64>,
}

impl Ledger {
    /// An empty ledger for `slot`; held changes are numbered from `next_seq`.
    pub(crate) fn new(slot: &str) -> Self {
        Ledger {
            slot: slot.to_owned(),
            next_seq: 1,
            held: Vec::new(),
            states: Vec::new(),
            applied: HashMap::new(),
            held_counts: BTreeMap::new(),
        }
    }

    /// Number the next held change `seq` (see [`next_seq`]).
    pub(crate) fn number_from(&mut self, seq: i64) {
        self.next_seq = seq;
    }

    /// One change applied to `shape`'s table.
    pub(crate) fn applied(&mut self, shape: &Arc<TableShape>) {
        let at = Arc::as_ptr(shape) as usize;
        self.applied.entry(at).or_insert_with(|| (Arc::clone(shape), 0)).1 += 1;
    }

    /// Hold `held` (written with the group, or earlier by [`Ledger::write_held`]).
    pub(crate) fn hold(&mut self, held: &Held) -> Result<()> {
        let row = encode(held)?;
        let key = (held.layout.schema.clone(), held.layout.name.clone());
        *self.held_counts.entry(key).or_insert(0) += 1;
        self.held.push((self.next_seq, Arc::clone(&held.layout), row));
        self.next_seq += 1;
        Ok(())
    }

    /// Held changes waiting to be written.
    pub(crate) fn buffered(&self) -> usize {
        self.held.len()
    }

    /// Record that a table is paused.
    pub(crate) fn pause(&mut self, pause: Pause) {
        self.states.push(StateChange::Pause(pause));
    }

    /// Record that a table resumed (its held changes are replayed in this group).
    pub(crate) fn resume(&mut self, schema: &str, name: &str) {
        self.held_counts.remove(&(schema.to_owned(), name.to_owned()));
        self.states.push(StateChange::Resume { schema: schema.to_owned(), name: name.to_owned() });
    }

    /// Forget everything (the group was rolled back).
    pub(crate) fn clear(&mut self) {
        self.held.clear();
        self.states.clear();
        self.applied.clear();
        self.held_counts.clear();
    }

    /// Inside the open group: write the held changes buffered so far.
    pub(crate) async fn write_held(&mut self, target: &Client) -> Result<()> {
        let statements = self.held_statements();
        self.held.clear();
        run(target, &statements).await
    }

    /// Inside the open group, which ends at `lsn`: write everything (pipelined) and forget it.
    /// State changes go first, one by one (they are rare, and a table's counters must land on
    /// its state row in order); held changes and counters follow in one pipeline.
    pub(crate) async fn write(&mut self, target: &Client, lsn: Lsn) -> Result<()> {
        let states = self.state_statements();
        let mut statements = self.held_statements();
        statements.extend(self.tally_statements(lsn));
        self.clear();
        for state in &states {
            run(target, std::slice::from_ref(state)).await?;
        }
        run(target, &statements).await
    }

    fn state_statements(&self) -> Vec<Statement> {
        let slot = || Box::new(self.slot.clone()) as Param;
        self.states
            .iter()
            .map(|change| match change {
                StateChange::Pause(p) => Statement {
                    sql: include_str!("held/pause.sql").to_owned(),
                    params: vec![
                        slot(),
                        Box::new(p.schema.clone()),
                        Box::new(p.name.clone()),
                        Box::new(p.reason.clone()),
                        Box::new(p.column.clone()),
                        Box::new(p.hint.clone()),
                        Box::new(p.since.to_pg_string()),
                    ],
                },
                StateChange::Resume { schema, name } => Statement {
                    sql: include_str!("held/resume.sql").to_owned(),
                    params: vec![slot(), Box::new(schema.clone()), Box::new(name.clone())],
                },
            })
            .collect()
    }

    fn held_statements(&self) -> Vec<Statement> {
        self.held
            .chunks(INSERT_ROWS)
            .map(|chunk| {
                let mut params: Vec<Param> = vec![Box::new(self.slot.clone())];
                for (seq, layout, row) in chunk {
                    params.extend(row_params(*seq, layout, row));
                }
                let sql =
                    include_str!("held/insert.sql").replace("{rows}", &values(1, 14, chunk.len()));
                Statement { sql, params }
            })
            .collect()
    }

    /// One upsert adding the group's applied and held changes per table.
    fn tally_statements(&self, lsn: Lsn) -> Vec<Statement> {
        let mut per_table: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for (shape, n) in self.applied.values() {
            per_table.entry((shape.schema.clone(), shape.name.clone())).or_default().0 += n;
        }
        for (table, n) in &self.held_counts {
            per_table.entry(table.clone()).or_default().1 += n;
        }
        let per_table: Vec<_> = per_table.into_iter().collect();
        // At most TALLY_ROWS tables per statement: 4 parameters each, 65,535 at most in all.
        per_table
            .chunks(TALLY_ROWS)
            .map(|chunk| {
                let mut params: Vec<Param> =
                    vec![Box::new(self.slot.clone()), Box::new(lsn.to_pg_string())];
                for ((schema, name), (applied, held)) in chunk {
                    params.extend([
                        Box::new(schema.clone()) as Param,
                        Box::new(name.clone()),
                        Box::new(*applied),
                        Box::new(*held),
                    ]);
                }
                let rows = values(2, 4, chunk.len());
                Statement { sql: include_str!("held/tally.sql").replace("{rows}", &rows), params }
            })
            .collect()
    }
}

fn row_params(seq: i64, layout: &Layout, row: &Row) -> [Param; 14] {
    let (new_values, new_flags) = row.new.clone().unzip();
    let (old_values, old_flags) = row.old.clone().unzip();
    [
        Box::new(seq),
        Box::new(layout.schema.clone()),
        Box::new(layout.name.clone()),
        Box::new(row.lsn.clone()),
        Box::new(row.kind.to_owned()),
        Box::new(row.columns.clone()),
        Box::new(row.key_flags.clone()),
        Box::new(row.identity.clone()),
        Box::new(new_values),
        Box::new(new_flags),
        Box::new(row.old_kind.map(str::to_owned)),
        Box::new(old_values),
        Box::new(old_flags),
        Box::new(row.options.clone()),
    ]
}

/// `($1, .., $shared, $k, ..), ..`: `rows` rows of the `shared` first parameters followed by
/// `per_row` parameters of their own.
fn values(shared: usize, per_row: usize, rows: usize) -> String {
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let first = shared + r * per_row + 1;
        let mut params: Vec<String> = (1..=shared).map(|i| format!("${i}")).collect();
        params.extend((first..first + per_row).map(|i| format!("${i}")));
        out.push(format!("({})", params.join(", ")));
    }
    out.join(",\n       ")
}

type Param = Box<dyn ToSql + Sync + Send>;

/// One statement with owned parameters.
struct Statement {
    sql: String,
    params: Vec<Param>,
}

/// Run `statements` pipelined, in order.
async fn run(target: &Client, statements: &[Statement]) -> Result<()> {
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = statements
        .iter()
        .map(|s| s.params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect())
        .collect();
    let futures = statements.iter().zip(&params).map(|(s, p)| target.execute(s.sql.as_str(), p));
    try_join_all(futures)
        .await
        .map_err(|e| Error::db("recording held changes and table states in _godwit", e))?;
    Ok(())
}

/// The number after the highest held change of `slot` (1 when none).
pub(crate) async fn next_seq(target: &Client, slot: &str) -> Result<i64> {
    let row = target
        .query_one(include_str!("held/next_seq.sql"), &[&slot])
        .await
        .map_err(|e| Error::db("reading _godwit.replication_held", e))?;
    Ok(row.get(0))
}

/// The tables of `slot` recorded as paused: `(schema, name)`.
pub(crate) async fn paused(target: &Client, slot: &str) -> Result<Vec<(String, String)>> {
    let rows = target
        .query(include_str!("held/paused.sql"), &[&slot])
        .await
        .map_err(|e| Error::db("reading the paused tables in _godwit.replication_tables", e))?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The distinct layouts of the changes held for `schema.name`.
pub(crate) async fn layouts(
    target: &Client,
    slot: &str,
    schema: &str,
    name: &str,
) -> Result<Vec<Layout>> {
    let rows = target
        .query(include_str!("held/layouts.sql"), &[&slot, &schema, &name])
        .await
        .map_err(|e| Error::db("reading the held changes in _godwit.replication_held", e))?;
    Ok(rows
        .iter()
        .map(|r| {
            let columns: Vec<String> = r.get(0);
            let flags: String = r.get(1);
            let identity: String = r.get(2);
            Layout {
                schema: schema.to_owned(),
                name: name.to_owned(),
                key: flags.chars().map(|c| c == '1').collect(),
                columns,
                identity: identity.chars().next().unwrap_or('d'),
            }
        })
        .collect())
}

/// Up to [`REPLAY_BATCH`] changes held for `schema.name` after `after`: `(seq, row)`.
pub(crate) async fn batch(
    target: &Client,
    slot: &str,
    (schema, name): (&str, &str),
    after: i64,
) -> Result<Vec<(i64, Row)>> {
    let sql = include_str!("held/batch.sql").replace("{limit}", &REPLAY_BATCH.to_string());
    let rows = target
        .query(sql.as_str(), &[&slot, &schema, &name, &after])
        .await
        .map_err(|e| Error::db("reading the held changes in _godwit.replication_held", e))?;
    rows.iter().map(|r| Ok((r.get(0), stored_row(r)?))).collect()
}

fn stored_row(r: &tokio_postgres::Row) -> Result<Row> {
    let kind: String = r.get(2);
    let kind =
        ["insert", "update", "delete", "truncate"].into_iter().find(|k| *k == kind).ok_or_else(
            || Error::internal(format!("_godwit.replication_held: unknown kind {kind:?}")),
        )?;
    let old_kind: Option<String> = r.get(8);
    let tuple = |values: usize, flags: usize| -> Option<Stored> {
        let v: Option<Vec<Option<String>>> = r.get(values);
        v.zip(r.get::<_, Option<String>>(flags))
    };
    Ok(Row {
        lsn: r.get(1),
        kind,
        columns: r.get(3),
        key_flags: r.get(4),
        identity: r.get(5),
        new: tuple(6, 7),
        old_kind: match old_kind.as_deref() {
            Some("key") => Some("key"),
            Some("full") => Some("full"),
            _ => None,
        },
        old: tuple(9, 10),
        options: r.get(11),
    })
}

/// Inside the open group: forget the held changes of `schema.name` (they were replayed).
pub(crate) async fn delete(target: &Client, slot: &str, schema: &str, name: &str) -> Result<()> {
    target
        .execute(include_str!("held/delete.sql"), &[&slot, &schema, &name])
        .await
        .map_err(|e| Error::db("deleting replayed changes from _godwit.replication_held", e))?;
    Ok(())
}

/// Record `tables` as replicated from `slot` (state `replicating` unless already recorded).
pub(crate) async fn register(
    target: &Client,
    slot: &str,
    tables: &[(String, String)],
) -> Result<()> {
    for chunk in tables.chunks(1_000) {
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&slot];
        for (schema, name) in chunk {
            params.push(schema);
            params.push(name);
        }
        let sql = include_str!("held/register.sql").replace("{rows}", &values(1, 2, chunk.len()));
        target
            .execute(sql.as_str(), &params)
            .await
            .map_err(|e| Error::db("recording the replicated tables in _godwit", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Arc<Layout> {
        Arc::new(Layout {
            schema: "S".into(),
            name: "t".into(),
            columns: vec!["id".into(), "v".into(), "big".into()],
            key: vec![true, false, false],
            identity: 'd',
        })
    }

    fn tuple(values: &[Option<&str>]) -> Tuple {
        Tuple(
            values
                .iter()
                .map(|v| match v {
                    None => Value::Null,
                    Some("~") => Value::UnchangedToast,
                    Some(s) => Value::Text(Bytes::copy_from_slice(s.as_bytes())),
                })
                .collect(),
        )
    }

    fn round_trip(change: Change) {
        let held = Held { layout: layout(), lsn: Lsn(0x1_0000_00A0), change };
        let row = encode(&held).unwrap();
        let mut layouts = HashMap::new();
        let back = decode("S", "t", row, &mut layouts).unwrap();
        assert_eq!(back, held);
    }

    #[test]
    fn held_changes_survive_storage_with_null_and_unchanged_toast_apart() {
        round_trip(Change::Insert(tuple(&[Some("1"), None, Some("")])));
        round_trip(Change::Update(None, tuple(&[Some("1"), Some("x"), Some("~")])));
        round_trip(Change::Update(
            Some(OldTuple::Key(tuple(&[Some("1"), None, None]))),
            tuple(&[Some("2"), Some("~"), None]),
        ));
        round_trip(Change::Delete(OldTuple::Full(tuple(&[Some("1"), Some("a"), None]))));
        for (cascade, restart_identity) in [(false, false), (true, false), (true, true)] {
            round_trip(Change::Truncate(TruncateOptions { cascade, restart_identity }));
        }
        let row = encode(&Held {
            layout: layout(),
            lsn: Lsn(1),
            change: Change::Insert(tuple(&[Some("1"), None, Some("~")])),
        })
        .unwrap();
        assert_eq!(row.new, Some((vec![Some("1".into()), None, None], "tnu".to_owned())));
    }

    #[test]
    fn malformed_rows_are_refused() {
        let held =
            Held { layout: layout(), lsn: Lsn(1), change: Change::Insert(tuple(&[None; 3])) };
        let mut row = encode(&held).unwrap();
        row.new = Some((vec![None, None], "nn".into()));
        assert!(decode("S", "t", row.clone(), &mut HashMap::new()).is_err());
        row.new = Some((vec![Some("x".into()), None, None], "nnn".into()));
        assert!(decode("S", "t", row, &mut HashMap::new()).is_err());
    }

    #[test]
    fn layouts_become_relations_and_back() {
        let l = layout();
        assert_eq!(Layout::of(&l.relation()), *l);
    }

    #[test]
    fn counters_of_many_tables_stay_under_the_parameter_limit() {
        let mut ledger = Ledger::new("slot");
        let shapes: Vec<Arc<TableShape>> = (0..2_500)
            .map(|i| {
                Arc::new(TableShape {
                    schema: "s".into(),
                    name: format!("t{i}"),
                    columns: Vec::new(),
                    key: Vec::new(),
                    overriding: false,
                })
            })
            .collect();
        for shape in &shapes {
            ledger.applied(shape);
            ledger.applied(shape);
        }
        let statements = ledger.tally_statements(Lsn(1));
        let sizes: Vec<usize> = statements.iter().map(|s| s.params.len()).collect();
        assert_eq!(sizes, [2 + 4 * 1_000, 2 + 4 * 1_000, 2 + 4 * 500]);
        let last = &statements[2].sql;
        assert!(last.contains("($1, $2, $1999, $2000, $2001, $2002)\n"), "{last}");
        assert!(!last.contains("$2003"), "{last}");
    }

    #[test]
    fn multi_row_values_share_leading_parameters() {
        assert_eq!(values(1, 2, 2), "($1, $2, $3),\n       ($1, $4, $5)");
        assert_eq!(values(2, 1, 1), "($1, $2, $3)");
    }
}
