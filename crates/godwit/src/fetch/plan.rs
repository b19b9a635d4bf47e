//! Which tables to copy, in which order, split into which shards.
//!
//! Tables come from [`crate::schema::introspect`] of the source; each must already exist on
//! the target with compatible columns (creating tables is `convert`/`schema apply`'s job),
//! which [`super::compare`] checks before any data moves. Big tables go first (`total_bytes`
//! descending) so that the longest copy starts earliest and the workers finish together.
//!
//! A table with a single-column integer primary key and more estimated rows than
//! `shard_rows` is split into equal-width key ranges between the minimum and maximum key read
//! inside the snapshot. The first shard is open below and the last open above, so the shards
//! cover every possible key whatever the bounds: a resumed run that reuses stored bounds
//! under a new snapshot still misses no row.

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
    /// to when it reads (a widening, see [`super::compare`]).
    pub casts: Vec<Option<String>>,
    /// Primary-key columns, the order rows are read in (empty without a primary key).
    pub order_by: Vec<String>,
    /// The single integer primary-key column that shards split on, if any.
    pub key: Option<String>,
    /// The planner's row estimate (0 when unknown).
    pub estimated_rows: i64,
    /// Bytes on disk, for ordering.
    pub total_bytes: i64,
}

/// A key range of one table: `lower <= key < upper`, either bound open when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Inclusive lower bound.
    pub lower: Option<i64>,
    /// Exclusive upper bound.
    pub upper: Option<i64>,
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

    /// ` WHERE ...` for `range` (empty when the range is unbounded or there is no key).
    pub fn predicate(&self, range: Range) -> String {
        let Some(key) = &self.key else { return String::new() };
        let key = quote_ident(key);
        match (range.lower, range.upper) {
            (None, None) => String::new(),
            (Some(l), None) => format!(" WHERE {key} >= {l}"),
            (None, Some(u)) => format!(" WHERE {key} < {u}"),
            (Some(l), Some(u)) => format!(" WHERE {key} >= {l} AND {key} < {u}"),
        }
    }

    /// ` ORDER BY ...` on the primary key (empty without one).
    pub fn order(&self) -> String {
        if self.order_by.is_empty() {
            return String::new();
        }
        let cols: Vec<_> = self.order_by.iter().map(|c| quote_ident(c)).collect();
        format!(" ORDER BY {}", cols.join(", "))
    }
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
    let order_by = table
        .constraints
        .iter()
        .find(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| c.columns.clone())
        .unwrap_or_default();
    let key = match order_by.as_slice() {
        [only] => table
            .columns
            .iter()
            .find(|c| &c.name == only && c.array_dimensions == 0)
            .filter(|c| matches!(c.data_type.as_str(), "smallint" | "integer" | "bigint"))
            .map(|c| c.name.clone()),
        _ => None,
    };
    TablePlan {
        schema: table.schema.clone(),
        name: table.name.clone(),
        columns: copied_columns(table).map(|c| c.name.clone()).collect(),
        casts: Vec::new(),
        order_by,
        key,
        estimated_rows: table.estimated_rows.unwrap_or(0).max(0),
        total_bytes: table.total_bytes.unwrap_or(0),
    }
}

/// Split `[min, max]` into equal-width ranges for `estimated_rows / shard_rows` shards
/// (rounded up); one unbounded range when the table is small or empty.
pub fn split(key_range: Option<(i64, i64)>, estimated_rows: i64, shard_rows: i64) -> Vec<Range> {
    let whole = vec![Range { lower: None, upper: None }];
    let Some((min, max)) = key_range else { return whole };
    if shard_rows <= 0 || estimated_rows <= shard_rows || max <= min {
        return whole;
    }
    let span = i128::from(max) - i128::from(min) + 1;
    let wanted = (i128::from(estimated_rows) + i128::from(shard_rows) - 1) / i128::from(shard_rows);
    let count = wanted.min(span).max(1);
    let width = span / count;
    let bounds: Vec<i64> =
        (1..count).filter_map(|i| i64::try_from(i128::from(min) + i * width).ok()).collect();
    let mut ranges = Vec::with_capacity(bounds.len() + 1);
    let mut lower = None;
    for b in bounds {
        ranges.push(Range { lower, upper: Some(b) });
        lower = Some(b);
    }
    ranges.push(Range { lower, upper: None });
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_or_unknown_tables_are_one_shard() {
        assert_eq!(split(None, 1_000_000, 10).len(), 1);
        assert_eq!(split(Some((1, 100)), 50, 100).len(), 1);
        assert_eq!(split(Some((5, 5)), 1_000, 10).len(), 1);
    }

    #[test]
    fn ranges_cover_every_key_without_overlap() {
        let r = split(Some((1, 300_000)), 300_000, 50_000);
        assert_eq!(r.len(), 6);
        assert_eq!(r[0], Range { lower: None, upper: Some(50_001) });
        assert_eq!(r[5], Range { lower: Some(250_001), upper: None });
        for w in r.windows(2) {
            assert_eq!(w[0].upper, w[1].lower);
        }
    }

    #[test]
    fn extreme_keys_do_not_overflow() {
        let r = split(Some((i64::MIN, i64::MAX)), 1_000, 100);
        assert_eq!(r.len(), 10);
        assert_eq!(r[0].lower, None);
        assert_eq!(r[9].upper, None);
    }

    #[test]
    fn predicates_quote_the_key() {
        let plan = TablePlan {
            schema: "S".into(),
            name: "order".into(),
            columns: vec!["Id".into(), "n".into()],
            casts: vec![None, Some("bigint".into())],
            order_by: vec!["Id".into()],
            key: Some("Id".into()),
            estimated_rows: 0,
            total_bytes: 0,
        };
        let p = plan.predicate(Range { lower: Some(-5), upper: Some(7) });
        assert_eq!(p, r#" WHERE "Id" >= -5 AND "Id" < 7"#);
        assert_eq!(plan.order(), r#" ORDER BY "Id""#);
        assert_eq!(plan.quoted(), r#""S"."order""#);
        assert_eq!(plan.select_list(), r#""Id", "n"::bigint AS "n""#);
    }
}
