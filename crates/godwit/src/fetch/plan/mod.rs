//! Which tables to copy, in which order, split into which shards.
//!
//! Tables come from [`crate::schema::introspect`] of the source; each must already exist on
//! the target with compatible columns (creating tables is `convert`/`schema apply`'s job),
//! which [`super::compare`] checks before any data moves. Big tables go first (`total_bytes`
//! descending) so that the longest copy starts earliest and the workers finish together.
//!
//! A table bigger than the shard size is split into about `total_bytes / shard_bytes` shards
//! ([`shards`]): on a single integer key, equal-width ranges between the minimum and maximum
//! key; on any other key, bounds from the first key column's `pg_stats` histogram or from a
//! sorted sample of keys; without a key, `ctid` page ranges. Bounds are read inside the
//! snapshot on the coordinator. The first shard is open below and the last open above, and
//! each shard starts where the previous one ends ([`Range::chain`]), so the shards cover every
//! possible key whatever the bounds: a resumed run that reuses stored bounds under a new
//! snapshot still misses and doubles no row.

mod bound;
mod pick;
mod shards;

pub use bound::{Bound, Range};
pub use shards::{from_stored, plan_ranges, to_stored};

use super::compare::{TypeFit, type_fit};
use crate::dialect::{quote_ident, quote_qualified};
use crate::schema::model::{Column, ConstraintKind, Persistence, Schema, Table, TableKind};

/// One table to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePlan {
    /// Schema of the table (same on both sides).
    pub schema: String,
    /// Table name (same on both sides).
    pub name: String,
    /// Non-generated columns in ordinal order.
    pub columns: Vec<String>,
    /// Per column of `columns` (or empty: no casts), the target type the source value is cast
    /// to when it reads (a widening, see `compare`).
    pub casts: Vec<Option<String>>,
    /// Primary-key columns in key order, the order rows are read in (empty without a key).
    pub key: Vec<KeyColumn>,
    /// The planner's row estimate (0 when unknown).
    pub estimated_rows: i64,
    /// Bytes on disk including indexes and TOAST, for ordering and the number of shards.
    pub total_bytes: i64,
}

/// A primary-key column: what shard bounds are compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyColumn {
    /// Column name.
    pub name: String,
    /// The source type as SQL (`format_type`), which bound literals are cast to.
    pub data_type: String,
    /// The column's collation when it is not its type's default, quoted
    /// (`"pg_catalog"."C"`): bounds are sorted with it.
    pub collation: Option<String>,
    /// An array column.
    pub array: bool,
}

/// How a table's shards are bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split<'a> {
    /// A single `smallint`, `integer` or `bigint` key: equal-width ranges.
    Integer(&'a KeyColumn),
    /// Any other primary key: bounds from statistics or a sample.
    Key,
    /// No primary key: `ctid` page ranges (PostgreSQL).
    Pages,
}

impl TablePlan {
    /// `"schema"."name"`.
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }

    /// The column list, quoted and comma-separated.
    pub fn column_list(&self) -> String {
        self.columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ")
    }

    /// The source `SELECT` list: the quoted columns, with a cast where the type widens.
    pub fn select_list(&self) -> String {
        let cast = |i: usize| self.casts.get(i).and_then(Option::as_deref);
        let items: Vec<_> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match cast(i) {
                Some(t) => format!("{q}::{t} AS {q}", q = quote_ident(c)),
                None => quote_ident(c),
            })
            .collect();
        items.join(", ")
    }

    /// ` WHERE ...` for `range` (empty when the range is unbounded). The range must fit the
    /// table ([`Range::fits`]); `from_stored` checks stored ones.
    pub fn predicate(&self, range: &Range) -> String {
        range.predicate(&self.key)
    }

    /// ` ORDER BY ...` on the primary key (empty without one).
    pub fn order(&self) -> String {
        if self.key.is_empty() {
            return String::new();
        }
        format!(" ORDER BY {}", self.key_list())
    }

    /// The primary-key columns, quoted and comma-separated.
    pub fn key_list(&self) -> String {
        self.key.iter().map(|c| quote_ident(&c.name)).collect::<Vec<_>>().join(", ")
    }

    /// How the table's shards are bounded.
    pub fn split(&self) -> Split<'_> {
        match self.key.as_slice() {
            [] => Split::Pages,
            [only] if !only.array && is_integer(&only.data_type) => Split::Integer(only),
            _ => Split::Key,
        }
    }
}

fn is_integer(data_type: &str) -> bool {
    matches!(data_type, "smallint" | "integer" | "bigint")
}

/// The tables of `source` to copy: partitioned parents (rows live in partitions), foreign and
/// temporary tables are not copied.
pub fn copyable_tables(source: &Schema) -> Vec<&Table> {
    source.tables.iter().filter(|t| copyable(t)).collect()
}

/// Plans for `tables`, biggest first. Call after [`super::compare`] found nothing fatal: a
/// column whose target type is a widening of the source's is read cast to the target type.
pub fn select_tables(tables: &[&Table], target: &Schema) -> Vec<TablePlan> {
    let mut plans: Vec<_> = tables
        .iter()
        .map(|table| {
            let mut plan = table_plan(table);
            if let Some(t) = target.table(&table.schema, &table.name) {
                plan.casts = casts(table, t);
            }
            plan
        })
        .collect();
    plans.sort_by(|a, b| b.total_bytes.cmp(&a.total_bytes).then(a.quoted().cmp(&b.quoted())));
    plans
}

/// For each copied column, the target type to cast to when it widens the source's.
fn casts(source: &Table, target: &Table) -> Vec<Option<String>> {
    copied_columns(source)
        .map(|s| {
            let t = target.columns.iter().find(|c| c.name == s.name)?;
            (type_fit(s, t) == TypeFit::Widening).then(|| t.data_type.clone())
        })
        .collect()
}

fn copied_columns(table: &Table) -> impl Iterator<Item = &Column> {
    table.columns.iter().filter(|c| c.generated.is_none())
}

fn copyable(table: &Table) -> bool {
    table.kind == TableKind::Regular && table.persistence != Persistence::Temporary
}

fn table_plan(table: &Table) -> TablePlan {
    TablePlan {
        schema: table.schema.clone(),
        name: table.name.clone(),
        columns: copied_columns(table).map(|c| c.name.clone()).collect(),
        casts: Vec::new(),
        key: key_columns(table),
        estimated_rows: table.estimated_rows.unwrap_or(0).max(0),
        total_bytes: table.total_bytes.unwrap_or(0),
    }
}

/// The primary-key columns with their types; empty without a primary key (or, defensively,
/// when a key column is missing from the column list).
fn key_columns(table: &Table) -> Vec<KeyColumn> {
    let Some(pk) = table.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey) else {
        return Vec::new();
    };
    let key: Vec<_> = pk
        .columns
        .iter()
        .filter_map(|name| table.columns.iter().find(|c| &c.name == name))
        .map(|c| KeyColumn {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            collation: c.collation.as_ref().map(|q| quote_qualified(&q.schema, &q.name)),
            array: c.array_dimensions > 0,
        })
        .collect();
    if key.len() == pk.columns.len() { key } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn key(name: &str, data_type: &str) -> KeyColumn {
        KeyColumn { name: name.into(), data_type: data_type.into(), collation: None, array: false }
    }

    #[test]
    fn plans_quote_names_and_split_by_key_kind() {
        let mut plan = TablePlan {
            schema: "S".into(),
            name: "order".into(),
            columns: vec!["Id".into(), "n".into()],
            casts: vec![None, Some("bigint".into())],
            key: vec![key("Id", "integer")],
            estimated_rows: 0,
            total_bytes: 0,
        };
        assert_eq!(plan.order(), r#" ORDER BY "Id""#);
        assert_eq!(plan.quoted(), r#""S"."order""#);
        assert_eq!(plan.select_list(), r#""Id", "n"::bigint AS "n""#);
        assert_eq!(plan.split(), Split::Integer(&key("Id", "integer")));
        plan.key.push(key("n", "text"));
        assert_eq!(plan.split(), Split::Key);
        assert_eq!(plan.order(), r#" ORDER BY "Id", "n""#);
        plan.key = vec![key("u", "uuid")];
        assert_eq!(plan.split(), Split::Key);
        plan.key.clear();
        assert_eq!((plan.split(), plan.order()), (Split::Pages, String::new()));
    }
}
