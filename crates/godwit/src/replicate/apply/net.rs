//! The net change per key of one table within a batch of source changes.
//!
//! With triggers and foreign-key checks off on the apply session (`session_replication_role =
//! replica`, as PostgreSQL's own apply worker runs), and no unique constraint on the table but
//! its primary key, the final state of a row depends only on the changes to that row's key, in
//! their order. Many changes to one key then collapse into one:
//!
//! - an insert, or an update whose new row is complete, sets the whole row ([`Net::Row`]);
//! - an update with unchanged TOAST columns takes their values from the whole row set before
//!   it in the batch; when there is none, it stays an update of the columns it sent
//!   ([`Net::Partial`], applied as `UPDATE .. SET` so the target keeps the unchanged ones);
//! - a delete deletes ([`Net::Delete`]), whatever came before it in the batch;
//! - an update that changes the key deletes the old key and sets the whole new row (unchanged
//!   TOAST values taken from the old row when the stream sent it whole, or from the batch, or
//!   else read from the target's row beforehand: [`Keyed::unknown_on_key_change`] names them).
//!
//! Keys are distinct after this, so the deletes, the whole rows and the partial updates of
//! one table can run as three independent statements (or sets of statements), in any order.
//!
//! A key whose first change in the batch is an insert was not on the source before it, so it
//! is not on a target that holds everything before the batch either: its whole row (whatever
//! later changes made of it) can be written by a plain insert, `COPY` ([`Keyed::inserted`]).
//! A target that diverged from the source breaks that; the apply loop then replays with
//! upserts.

use bytes::Bytes;
use hashbrown::HashTable;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::cdc::apply_sql::TableShape;
use crate::cdc::pgoutput::{OldTuple, Tuple, Value};
use crate::dialect::quote_ident;
use crate::error::{Error, Result};

/// The key values of a row (`None`: NULL).
pub(crate) type Key = Vec<Option<Bytes>>;

/// What is left to do for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Net {
    /// Write this whole row (insert or overwrite).
    Row(Tuple),
    /// Set the columns of the existing row that are not [`Value::UnchangedToast`].
    Partial(Tuple),
    /// Delete the row.
    Delete,
}

/// The net changes of one table with a key, in the order keys were first changed.
#[derive(Debug, Default)]
pub(crate) struct Keyed {
    /// Positions in `entries`, by the hash of their key ([`hash`]; the key is stored once).
    index: HashTable<usize>,
    entries: Vec<(Key, Net)>,
    /// Per entry: its first change in the batch was an insert that may be written by `COPY`.
    inserted: Vec<bool>,
}

impl Keyed {
    /// Keys with something to do.
    pub(crate) fn entries(&self) -> &[(Key, Net)] {
        &self.entries
    }

    /// Per entry (same order as [`Keyed::entries`]): whether the key's first change in the
    /// batch was an insert held with `copy` (the key was not on the target before the batch).
    pub(crate) fn inserted(&self) -> &[bool] {
        &self.inserted
    }

    /// A row was inserted; `copy`: when it is the key's first change in the batch, the row may
    /// be written by `COPY`.
    pub(crate) fn insert(&mut self, shape: &TableShape, new: Tuple, copy: bool) -> Result<()> {
        let key = key_of(shape, &new.0)?;
        self.set_first(key, Net::Row(new), copy);
        Ok(())
    }

    /// A row was deleted (`old` holds at least its key).
    pub(crate) fn delete(&mut self, shape: &TableShape, old: &OldTuple) -> Result<()> {
        let key = key_of(shape, &old.tuple().0)?;
        self.set(key, Net::Delete);
        Ok(())
    }

    /// A row was updated.
    pub(crate) fn update(
        &mut self,
        shape: &TableShape,
        old: Option<&OldTuple>,
        new: Tuple,
    ) -> Result<()> {
        let old_row = old.map(|o| &o.tuple().0);
        let new_key = new_key(shape, &new.0, old_row.map(Vec::as_slice))?;
        let old_key = old_row.map(|row| key_of(shape, row)).transpose()?;
        let full_old = match old {
            Some(OldTuple::Full(tuple)) => Some(tuple),
            _ => None,
        };
        if let Some(old_key) = old_key.filter(|k| *k != new_key) {
            let before = self.set(old_key, Net::Delete);
            let whole = fill(new, full_old.or(known(before.as_ref())));
            if let Some(i) = whole.0.iter().position(|v| *v == Value::UnchangedToast) {
                return Err(unknown_value(shape, i));
            }
            self.set(new_key, Net::Row(whole));
            return Ok(());
        }
        if !new.0.contains(&Value::UnchangedToast) {
            self.set(new_key, Net::Row(new));
            return Ok(());
        }
        let prior = self.position(&new_key).map(|i| &self.entries[i].1);
        let merged = fill(new, full_old.or(known(prior)));
        let net = match (prior, merged.0.contains(&Value::UnchangedToast)) {
            (_, false) | (Some(Net::Row(_)), _) => Net::Row(merged),
            _ => Net::Partial(merged),
        };
        self.set(new_key, net);
        Ok(())
    }

    /// For an update of `old` to `new` that changes the key: the columns of `new` that are
    /// unchanged TOAST values which neither the stream's old row nor this batch holds for the
    /// old key (they are on the target only). Empty when the key does not change.
    pub(crate) fn unknown_on_key_change(
        &self,
        shape: &TableShape,
        old: Option<&OldTuple>,
        new: &Tuple,
    ) -> Result<Vec<usize>> {
        let Some(OldTuple::Key(old_row)) = old else { return Ok(Vec::new()) };
        if !new.0.contains(&Value::UnchangedToast) {
            return Ok(Vec::new());
        }
        let old_key = key_of(shape, &old_row.0)?;
        if new_key(shape, &new.0, Some(&old_row.0))? == old_key {
            return Ok(Vec::new());
        }
        let known = known(self.position(&old_key).map(|i| &self.entries[i].1));
        let unknown = |i: &usize| known.is_none_or(|k| k.0.get(*i) == Some(&Value::UnchangedToast));
        Ok((0..new.0.len())
            .filter(|&i| new.0[i] == Value::UnchangedToast)
            .filter(unknown)
            .collect())
    }

    /// Set the net change of `key`; returns the one it replaces.
    fn set(&mut self, key: Key, net: Net) -> Option<Net> {
        self.set_first(key, net, false)
    }

    /// [`Keyed::set`]; a key seen first here is marked `inserted`.
    fn set_first(&mut self, key: Key, net: Net, inserted: bool) -> Option<Net> {
        let at = hash(&key);
        let Keyed { index, entries, .. } = self;
        if let Some(&i) = index.find(at, |&i| entries[i].0 == key) {
            return Some(std::mem::replace(&mut entries[i].1, net));
        }
        index.insert_unique(at, entries.len(), |&i| hash(&entries[i].0));
        entries.push((key, net));
        self.inserted.push(inserted);
        None
    }

    /// Where `key`'s entry is.
    fn position(&self, key: &Key) -> Option<usize> {
        self.index.find(hash(key), |&i| self.entries[i].0 == *key).copied()
    }
}

/// The hash of a key: XXH3 of each value, chained (NULL hashes differently from every value).
/// Equal keys are found by comparing the keys themselves, so collisions only cost time.
fn hash(key: &[Option<Bytes>]) -> u64 {
    key.iter().fold(0, |seed, value| match value {
        Some(bytes) => xxh3_64_with_seed(bytes, seed),
        None => xxh3_64_with_seed(b"", !seed),
    })
}

/// The row values a net change knows.
fn known(net: Option<&Net>) -> Option<&Tuple> {
    match net {
        Some(Net::Row(row) | Net::Partial(row)) => Some(row),
        Some(Net::Delete) | None => None,
    }
}

/// `new` with its unchanged TOAST values taken from `from` where it has them.
fn fill(mut new: Tuple, from: Option<&Tuple>) -> Tuple {
    if let Some(from) = from {
        for (value, source) in new.0.iter_mut().zip(&from.0) {
            if *value == Value::UnchangedToast {
                value.clone_from(source);
            }
        }
    }
    new
}

/// The key of a row whose key columns all have values.
pub(crate) fn key_of(shape: &TableShape, row: &[Value]) -> Result<Key> {
    shape.key.iter().map(|&i| key_value(shape, row, i)).collect()
}

fn key_value(shape: &TableShape, row: &[Value], i: usize) -> Result<Option<Bytes>> {
    match row.get(i) {
        Some(Value::Null) => Ok(None),
        Some(Value::Text(bytes)) => Ok(Some(bytes.clone())),
        Some(Value::UnchangedToast) => Err(unknown_value(shape, i)),
        Some(Value::Binary(_)) | None => Err(Error::internal(format!(
            "table {}: a row of {} values without a text value for key column {i}",
            shape.quoted(),
            row.len()
        ))),
    }
}

/// The new key; a key column sent as unchanged TOAST keeps the old row's value.
fn new_key(shape: &TableShape, new: &[Value], old: Option<&[Value]>) -> Result<Key> {
    shape
        .key
        .iter()
        .map(|&i| match (new.get(i), old) {
            (Some(Value::UnchangedToast), Some(old)) => key_value(shape, old, i),
            _ => key_value(shape, new, i),
        })
        .collect()
}

/// A value the row must be written with is not in the stream.
fn unknown_value(shape: &TableShape, i: usize) -> Error {
    let column = shape.columns.get(i).map(|c| c.name.as_str()).unwrap_or("?");
    Error::config(format!(
        "column {} of table {}: the row must be written whole but the column's value is not \
         in the replication stream (an unchanged TOAST value)",
        quote_ident(column),
        shape.quoted()
    ))
    .with_hint(format!("ALTER TABLE {} REPLICA IDENTITY FULL on the source", shape.quoted()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdc::apply_sql::{ShapeColumn, SqlType};

    fn shape() -> TableShape {
        let column = |name: &str| ShapeColumn {
            name: name.into(),
            sql_type: SqlType::new("pg_catalog", "text"),
        };
        TableShape {
            schema: "s".into(),
            name: "t".into(),
            columns: vec![column("id"), column("a"), column("b")],
            key: vec![0],
            overriding: false,
        }
    }

    fn v(s: &str) -> Value {
        if s == "~" {
            Value::UnchangedToast
        } else {
            Value::Text(Bytes::copy_from_slice(s.as_bytes()))
        }
    }

    fn row(values: &[&str]) -> Tuple {
        Tuple(values.iter().map(|s| v(s)).collect())
    }

    fn key(s: &str) -> Key {
        vec![Some(Bytes::copy_from_slice(s.as_bytes()))]
    }

    fn old_key(s: &str) -> OldTuple {
        OldTuple::Key(Tuple(vec![v(s), Value::Null, Value::Null]))
    }

    #[test]
    fn a_key_change_names_the_unchanged_values_only_the_target_holds() {
        let s = shape();
        let mut k = Keyed::default();
        let moved = row(&["2", "x", "~"]);
        // Not in the batch: `b` must be read from the target.
        assert_eq!(k.unknown_on_key_change(&s, Some(&old_key("1")), &moved).unwrap(), [2]);
        // Same key, or every value sent, or the whole old row sent: nothing to read.
        let same = row(&["1", "x", "~"]);
        assert!(k.unknown_on_key_change(&s, Some(&old_key("1")), &same).unwrap().is_empty());
        let whole = row(&["2", "x", "y"]);
        assert!(k.unknown_on_key_change(&s, Some(&old_key("1")), &whole).unwrap().is_empty());
        let full = OldTuple::Full(row(&["1", "a", "b"]));
        assert!(k.unknown_on_key_change(&s, Some(&full), &moved).unwrap().is_empty());
        // Written whole earlier in the batch: known.
        k.insert(&s, row(&["1", "a", "b"]), false).unwrap();
        assert!(k.unknown_on_key_change(&s, Some(&old_key("1")), &moved).unwrap().is_empty());
        // Only partly known (an update of `a` with `b` unchanged): `b` still to read.
        let mut k = Keyed::default();
        k.update(&s, None, row(&["1", "z", "~"])).unwrap();
        assert_eq!(k.unknown_on_key_change(&s, Some(&old_key("1")), &moved).unwrap(), [2]);
    }

    #[test]
    fn the_last_change_of_a_key_wins_in_first_seen_order() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "b"]), false).unwrap();
        k.insert(&s, row(&["2", "a", "b"]), false).unwrap();
        k.update(&s, None, row(&["1", "x", "y"])).unwrap();
        k.delete(&s, &old_key("2")).unwrap();
        k.insert(&s, row(&["3", "c", "d"]), false).unwrap();
        assert_eq!(
            k.entries(),
            [
                (key("1"), Net::Row(row(&["1", "x", "y"]))),
                (key("2"), Net::Delete),
                (key("3"), Net::Row(row(&["3", "c", "d"]))),
            ]
        );
        // Deleted, then inserted again: the new row.
        k.insert(&s, row(&["2", "again", "b"]), false).unwrap();
        assert_eq!(k.entries()[1].1, Net::Row(row(&["2", "again", "b"])));
    }

    #[test]
    fn unchanged_toast_is_filled_from_the_batch_or_stays_partial() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "big"]), false).unwrap();
        k.update(&s, None, row(&["1", "x", "~"])).unwrap();
        assert_eq!(k.entries()[0].1, Net::Row(row(&["1", "x", "big"])));
        // Not in the batch: only the sent columns, merged; whole once every value is known.
        k.update(&s, None, row(&["2", "p", "~"])).unwrap();
        k.update(&s, None, row(&["2", "~", "~"])).unwrap();
        assert_eq!(k.entries()[1].1, Net::Partial(row(&["2", "p", "~"])));
        k.update(&s, None, row(&["2", "~", "q"])).unwrap();
        assert_eq!(k.entries()[1].1, Net::Row(row(&["2", "p", "q"])));
        k.update(&s, None, row(&["3", "~", "~"])).unwrap();
        assert_eq!(k.entries()[2].1, Net::Partial(row(&["3", "~", "~"])));
    }

    #[test]
    fn a_key_change_deletes_the_old_key_and_writes_the_whole_new_row() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "big"]), false).unwrap();
        k.update(&s, Some(&old_key("1")), row(&["5", "b", "~"])).unwrap();
        assert_eq!(
            k.entries(),
            [(key("1"), Net::Delete), (key("5"), Net::Row(row(&["5", "b", "big"])))]
        );
        // Under REPLICA IDENTITY FULL the old row fills the gaps.
        let full = OldTuple::Full(row(&["7", "o", "old big"]));
        k.update(&s, Some(&full), row(&["8", "n", "~"])).unwrap();
        assert_eq!(k.entries()[3].1, Net::Row(row(&["8", "n", "old big"])));
        // Nothing to fill from: the same error as the statement builder's, naming the column.
        let err = k.update(&s, Some(&old_key("9")), row(&["10", "n", "~"])).unwrap_err();
        assert!(err.to_string().contains(r#"column "b" of table "s"."t""#), "{err}");
    }

    #[test]
    fn an_update_with_an_equal_old_key_is_no_key_change() {
        let s = shape();
        let mut k = Keyed::default();
        k.update(&s, Some(&old_key("1")), row(&["1", "a", "b"])).unwrap();
        assert_eq!(k.entries(), [(key("1"), Net::Row(row(&["1", "a", "b"])))]);
    }

    #[test]
    fn a_key_first_inserted_in_the_batch_is_marked_whatever_follows() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "b"]), true).unwrap();
        k.update(&s, None, row(&["1", "x", "~"])).unwrap();
        k.update(&s, None, row(&["2", "y", "z"])).unwrap();
        k.insert(&s, row(&["2", "again", "z"]), true).unwrap();
        k.insert(&s, row(&["3", "c", "d"]), false).unwrap();
        k.insert(&s, row(&["4", "c", "d"]), true).unwrap();
        k.delete(&s, &old_key("4")).unwrap();
        k.insert(&s, row(&["4", "back", "d"]), true).unwrap();
        // A key change away from an inserted key: the new key was not inserted.
        k.insert(&s, row(&["5", "e", "f"]), true).unwrap();
        k.update(&s, Some(&old_key("5")), row(&["6", "e", "f"])).unwrap();
        assert_eq!(k.inserted(), [true, false, false, true, true, false]);
        assert_eq!(k.entries()[0].1, Net::Row(row(&["1", "x", "b"])));
        assert_eq!(k.entries()[3].1, Net::Row(row(&["4", "back", "d"])));
        assert_eq!(k.entries()[4].1, Net::Delete);
    }
}
