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
//!   TOAST values taken from the old row when the stream sent it whole, or from the batch).
//!
//! Keys are distinct after this, so the deletes, the whole rows and the partial updates of
//! one table can run as three independent statements (or sets of statements), in any order.

use std::collections::HashMap;

use bytes::Bytes;

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
    index: HashMap<Key, usize>,
    entries: Vec<(Key, Net)>,
}

impl Keyed {
    /// Keys with something to do.
    pub(crate) fn entries(&self) -> &[(Key, Net)] {
        &self.entries
    }

    /// A row was inserted.
    pub(crate) fn insert(&mut self, shape: &TableShape, new: Tuple) -> Result<()> {
        let key = key_of(shape, &new.0)?;
        self.set(key, Net::Row(new));
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
        let prior = self.index.get(&new_key).map(|&i| &self.entries[i].1);
        let merged = fill(new, full_old.or(known(prior)));
        let net = match (prior, merged.0.contains(&Value::UnchangedToast)) {
            (_, false) | (Some(Net::Row(_)), _) => Net::Row(merged),
            _ => Net::Partial(merged),
        };
        self.set(new_key, net);
        Ok(())
    }

    /// Set the net change of `key`; returns the one it replaces.
    fn set(&mut self, key: Key, net: Net) -> Option<Net> {
        match self.index.get(&key) {
            Some(&i) => Some(std::mem::replace(&mut self.entries[i].1, net)),
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, net));
                None
            }
        }
    }
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
    fn the_last_change_of_a_key_wins_in_first_seen_order() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "b"])).unwrap();
        k.insert(&s, row(&["2", "a", "b"])).unwrap();
        k.update(&s, None, row(&["1", "x", "y"])).unwrap();
        k.delete(&s, &old_key("2")).unwrap();
        k.insert(&s, row(&["3", "c", "d"])).unwrap();
        assert_eq!(
            k.entries(),
            [
                (key("1"), Net::Row(row(&["1", "x", "y"]))),
                (key("2"), Net::Delete),
                (key("3"), Net::Row(row(&["3", "c", "d"]))),
            ]
        );
        // Deleted, then inserted again: the new row.
        k.insert(&s, row(&["2", "again", "b"])).unwrap();
        assert_eq!(k.entries()[1].1, Net::Row(row(&["2", "again", "b"])));
    }

    #[test]
    fn unchanged_toast_is_filled_from_the_batch_or_stays_partial() {
        let s = shape();
        let mut k = Keyed::default();
        k.insert(&s, row(&["1", "a", "big"])).unwrap();
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
        k.insert(&s, row(&["1", "a", "big"])).unwrap();
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
}
