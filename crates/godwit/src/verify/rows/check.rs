//! How one table is compared: which columns, each by raw bytes or by canonical text, keyed
//! how, and the SQL each side runs for a range.
//!
//! A column is compared **raw** (the bytes of its binary send form) when both sides are
//! PostgreSQL, the column's type text is identical, and that binary form carries no type OIDs
//! (OIDs of user-defined types differ between databases): not an array of a user-defined or
//! extension type, not a composite, not a user range type, not a domain over one of those.
//! Equal send bytes are equal values, `-0`, numeric display scale and `json` text included.
//! Every other column is compared **typed**: PostgreSQL sends `col::text`, CockroachDB its text
//! COPY form, and both go through [`value::canonical_text`].
//!
//! Key columns are read in their raw form on PostgreSQL (encoded with
//! [`value::key_binary`]) and as text on CockroachDB ([`value::key_text`]); a typed key
//! column is compared through the key match only.

use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::fetch::plan::{Bound, Range, Split, TablePlan};
use crate::schema::model::{Column, ConstraintKind, Schema, Table};
use crate::verify::Method;
use crate::verify::value::{Family, key_text};

/// Index of the source (0) and the target (1) in per-side arrays.
pub(crate) const SOURCE: usize = 0;
/// See [`SOURCE`].
pub(crate) const TARGET: usize = 1;

/// How a column's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compare {
    /// Binary send bytes, PostgreSQL on both sides.
    Raw,
    /// Canonical forms of each side's text.
    Typed,
}

/// One compared column.
#[derive(Debug, Clone)]
pub(crate) struct CheckColumn {
    /// Column name (the same on both sides).
    pub name: String,
    /// Raw or typed.
    pub compare: Compare,
    /// The column's family on the source and on the target.
    pub families: [Family; 2],
    /// Position in the key, if it is a key column.
    pub key_position: Option<usize>,
}

/// One table's comparison plan.
#[derive(Debug, Clone)]
pub(crate) struct TableCheck {
    /// Schema name.
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Compared columns, in the source's column order; `Diff::columns` index into it.
    pub columns: Vec<CheckColumn>,
    /// Indexes into `columns` of the primary key, in key order; empty for a multiset table.
    pub key: Vec<usize>,
    /// Key merge-join or multiset.
    pub method: Method,
    /// Source and target dialects.
    pub dialects: [Dialect; 2],
    /// The source table's plan (key columns and size), for range planning.
    pub plan: TablePlan,
}

impl TableCheck {
    /// The comparison of `source` (in `src`) against `target` (in `tgt`). `force_typed`
    /// compares every column typed (a test hook, and what hash mode's drill-down may want).
    pub(crate) fn new(
        (source, src): (&Table, &Schema),
        (target, tgt): (&Table, &Schema),
        plan: TablePlan,
        force_typed: bool,
    ) -> TableCheck {
        let dialects = [src.dialect, tgt.dialect];
        let both_pg = dialects == [Dialect::Postgres, Dialect::Postgres];
        let pk = primary_key(source);
        let mut columns: Vec<_> = source
            .columns
            .iter()
            .filter(|c| !c.cockroach.hidden)
            .filter_map(|s| Some((s, target.column(&s.name).filter(|t| !t.cockroach.hidden)?)))
            .map(|(s, t)| {
                let raw = both_pg && !force_typed && s.data_type == t.data_type && oid_free(s, src);
                CheckColumn {
                    name: s.name.clone(),
                    compare: if raw { Compare::Raw } else { Compare::Typed },
                    families: [
                        Family::of(&s.data_type, dialects[SOURCE]),
                        Family::of(&t.data_type, dialects[TARGET]),
                    ],
                    key_position: pk.iter().position(|k| *k == s.name),
                }
            })
            .collect();
        let mut key: Vec<usize> =
            pk.iter().filter_map(|k| columns.iter().position(|c| &c.name == k)).collect();
        let orderable = |c: &CheckColumn| c.families.iter().all(Family::orderable);
        if key.len() != pk.len() || key.is_empty() || !key.iter().all(|&i| orderable(&columns[i])) {
            key.clear();
            columns.iter_mut().for_each(|c| c.key_position = None);
        }
        let method = if key.is_empty() { Method::Multiset } else { Method::Key };
        TableCheck {
            schema: source.schema.clone(),
            name: source.name.clone(),
            columns,
            key,
            method,
            dialects,
            plan,
        }
    }

    /// `schema.name` for messages and events.
    pub(crate) fn display(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// Whether column `i` is read raw on `side` (key columns on PostgreSQL always are).
    pub(crate) fn reads_raw(&self, side: usize, i: usize) -> bool {
        let c = &self.columns[i];
        c.compare == Compare::Raw
            || (c.key_position.is_some() && self.dialects[side] == Dialect::Postgres)
    }

    /// The `SELECT` list of `side`: every compared column in order, raw or as text.
    pub(crate) fn select_list(&self, side: usize, text: bool) -> String {
        let items: Vec<_> = (0..self.columns.len())
            .map(|i| {
                let q = quote_ident(&self.columns[i].name);
                let pg = self.dialects[side] == Dialect::Postgres;
                if pg && (text || !self.reads_raw(side, i)) { format!("{q}::text") } else { q }
            })
            .collect();
        items.join(", ")
    }

    /// Per key column (key order), what follows it in predicates and `ORDER BY` on `side`.
    pub(crate) fn key_suffixes(&self, side: usize) -> Vec<&'static str> {
        self.key
            .iter()
            .map(|&i| self.columns[i].families[side].order_suffix(self.dialects[side]))
            .collect()
    }

    /// ` ORDER BY ...` of `side` (empty for a multiset table).
    pub(crate) fn order(&self, side: usize) -> String {
        if self.key.is_empty() {
            return String::new();
        }
        let suffixes = self.key_suffixes(side);
        let cols: Vec<_> = self
            .key
            .iter()
            .zip(suffixes)
            .map(|(&i, s)| format!("{}{s}", quote_ident(&self.columns[i].name)))
            .collect();
        format!(" ORDER BY {}", cols.join(", "))
    }

    /// ` WHERE ...` of `side` for `range` and an optional extra condition.
    pub(crate) fn predicate(&self, side: usize, range: &Range, extra: Option<&str>) -> String {
        let base = if self.key.is_empty() {
            String::new()
        } else {
            range.predicate_with(&self.plan.key, &self.key_suffixes(side))
        };
        match (base.is_empty(), extra) {
            (_, None) => base,
            (true, Some(e)) => format!(" WHERE ({e})"),
            (false, Some(e)) => format!("{base} AND ({e})"),
        }
    }

    /// `"schema"."name"`.
    pub(crate) fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }

    /// `ranges` (chained, as planned) re-chained with their bounds sorted in the byte order
    /// of the key encoding, the order the `COLLATE "C"` predicates select in. Statistics and
    /// samples give bounds in the column's own collation; chained in another order, ranges
    /// would overlap. A bound that cannot be encoded gives one range for the whole table.
    pub(crate) fn byte_ordered(&self, ranges: Vec<Range>) -> Vec<Range> {
        if self.plan.split() != Split::Key || ranges.len() <= 1 {
            return ranges;
        }
        let mut keyed = Vec::new();
        for bound in ranges.into_iter().filter_map(|r| r.upper) {
            let Bound::Key(values) = &bound else { return vec![Range::default()] };
            let mut encoded = Vec::new();
            for (value, &column) in values.iter().zip(&self.key) {
                let family = &self.columns[column].families[SOURCE];
                if key_text(family, value.as_bytes(), &mut encoded).is_err() {
                    return vec![Range::default()];
                }
            }
            keyed.push((encoded, bound));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        Range::chain(keyed.into_iter().map(|(_, b)| b).collect())
    }
}

/// The primary-key column names of `table`, in key order (empty without one).
fn primary_key(table: &Table) -> Vec<String> {
    table
        .constraints
        .iter()
        .find(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| c.columns.clone())
        .unwrap_or_default()
}

/// Whether the column's binary form is free of type OIDs that differ between databases.
fn oid_free(column: &Column, schema: &Schema) -> bool {
    oid_free_type(&column.base_type, column.array_dimensions > 0, schema, 0)
}

fn oid_free_type(base: &str, array: bool, schema: &Schema, depth: usize) -> bool {
    // `format_type` qualifies every type outside `pg_catalog`: unqualified is built in.
    if !qualified(base) {
        return true;
    }
    if array || depth > 8 {
        return false;
    }
    let types = &schema.types;
    let is = |s: &str, n: &str| base == quote_qualified(s, n) || base == format!("{s}.{n}");
    if types.composites.iter().any(|t| is(&t.schema, &t.name))
        || types.ranges.iter().any(|t| is(&t.schema, &t.name))
    {
        return false;
    }
    match types.domains.iter().find(|d| is(&d.schema, &d.name)) {
        Some(d) => {
            let (elem, array) = match d.base_type.strip_suffix("[]") {
                Some(e) => (e.trim_end_matches("[]"), true),
                None => (d.base_type.as_str(), false),
            };
            oid_free_type(elem, array, schema, depth + 1)
        }
        None => true,
    }
}

/// Whether a `format_type` name is schema-qualified (a `.` outside double quotes).
fn qualified(name: &str) -> bool {
    let mut quoted = false;
    for c in name.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample_check;
    use super::*;

    fn key(values: &[&str]) -> Bound {
        Bound::Key(values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn postgres_reads_keys_raw_and_other_columns_as_text_against_cockroach() {
        let check = sample_check(Dialect::Cockroach);
        assert_eq!(check.select_list(SOURCE, false), r#""id", "name", "v"::text"#);
        assert_eq!(check.select_list(TARGET, false), r#""id", "name", "v""#);
        assert_eq!(check.select_list(SOURCE, true), r#""id"::text, "name"::text, "v"::text"#);
        assert_eq!(check.order(SOURCE), r#" ORDER BY "id", "name" COLLATE "C""#);
        assert_eq!(check.order(TARGET), r#" ORDER BY "id", "name""#);
        let range = Range { lower: Some(key(&["1", "b"])), upper: None };
        assert_eq!(
            check.predicate(SOURCE, &range, Some("x > 1")),
            r#" WHERE ("id", "name" COLLATE "C") >= ('1'::integer, 'b'::text) AND (x > 1)"#
        );
        assert_eq!(
            check.predicate(TARGET, &range, None),
            r#" WHERE ("id", "name") >= ('1'::integer, 'b'::text)"#
        );
        let raw = sample_check(Dialect::Postgres);
        assert_eq!(raw.select_list(TARGET, false), r#""id", "name", "v""#);
    }

    #[test]
    fn text_bounds_are_rechained_in_byte_order() {
        let check = sample_check(Dialect::Postgres);
        // As an `en_US` histogram sorts them: "a" < "B" < "c"; in bytes "B" < "a" < "c".
        let planned = Range::chain(vec![key(&["5", "a"]), key(&["5", "B"]), key(&["5", "c"])]);
        let ordered = check.byte_ordered(planned);
        let uppers: Vec<_> = ordered.iter().map(|r| r.upper.clone()).collect();
        assert_eq!(
            uppers,
            vec![Some(key(&["5", "B"])), Some(key(&["5", "a"])), Some(key(&["5", "c"])), None]
        );
        for w in ordered.windows(2) {
            assert_eq!(w[0].upper, w[1].lower);
        }
        let single = check.byte_ordered(Range::chain(Vec::new()));
        assert_eq!(single, vec![Range::default()]);
        let unreadable = check.byte_ordered(Range::chain(vec![key(&["not a number", "a"])]));
        assert_eq!(unreadable, vec![Range::default()]);
    }

    #[test]
    fn qualified_names_are_found_outside_quotes_only() {
        assert!(qualified("matrix.mood"));
        assert!(qualified("\"Select\".\"a.b\""));
        assert!(!qualified("\"a.b\""));
        assert!(!qualified("numeric"));
        assert!(!qualified("character varying"));
    }
}
