//! Shard bounds: what `_godwit.shards.lower/upper` store, and the `WHERE` clause a range
//! becomes on the source.
//!
//! A bound is either a key tuple, the text forms of the first `n` primary-key columns
//! (`1 <= n <=` key length; all bounds of a table have the same `n`), or a heap page of a
//! table without a key. Key tuples are stored as a JSON array of strings (`["42","O'Brien"]`),
//! unambiguous whatever the values hold (primary-key columns are `NOT NULL`, so no element is
//! null); pages as the tuple id they start at (`(1280,0)`), which no JSON array starts like.
//!
//! PostgreSQL behaviour relied on:
//!
//! - a row comparison `("a", "b") >= ('1'::integer, 'x'::text)` is lexicographic, each pair
//!   compared with the column's default btree ordering, and a multi-column btree index can
//!   serve it; a one-column "row" `("a") >= (...)` is a plain comparison. CockroachDB
//!   compares tuples the same way;
//! - a literal cast to the column's type carries the type's default collation, which yields
//!   to the column's own (implicit) collation, so the comparison is the column's ordering,
//!   the one `ORDER BY` on the key and `pg_stats` histograms use;
//! - `ctid >= '(p,0)'::tid AND ctid < '(q,0)'::tid` selects the rows stored on pages
//!   `p..q`, read with a TID Range Scan on PostgreSQL 14+ (a filtered sequential scan before).
//!
//! Text forms are read and parsed back by sessions with the same settings (`DateStyle` and
//! the like come from the server's defaults for both), so a bound means the same value when
//! the workers use it as when the coordinator read it.

use crate::dialect::{quote_ident, quote_literal};

use super::KeyColumn;

/// One end of a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// Text forms of the first `n` primary-key columns.
    Key(Vec<String>),
    /// The first heap page (block number) of a table without a key.
    Page(u32),
}

/// The rows of one shard: `lower <= key < upper`, either end open when absent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Range {
    /// Inclusive lower bound.
    pub lower: Option<Bound>,
    /// Exclusive upper bound.
    pub upper: Option<Bound>,
}

impl Bound {
    /// The stored text form (see the module docs).
    pub fn encode(&self) -> String {
        match self {
            Bound::Key(values) => serde_json::Value::from(values.clone()).to_string(),
            Bound::Page(page) => format!("({page},0)"),
        }
    }

    /// Parse a stored text form; `None` when it is neither a JSON array of strings nor a
    /// page tuple id `(p,0)`.
    pub fn decode(text: &str) -> Option<Bound> {
        if let Some(tid) = text.strip_prefix('(') {
            let page = tid.strip_suffix(",0)")?;
            return page.parse().ok().map(Bound::Page);
        }
        let values: Vec<String> = serde_json::from_str(text).ok()?;
        (!values.is_empty()).then_some(Bound::Key(values))
    }

    /// Whether the bound can bound a table with primary key `key` (empty: no key).
    fn fits(&self, key: &[KeyColumn]) -> bool {
        match self {
            Bound::Key(values) => !values.is_empty() && values.len() <= key.len(),
            Bound::Page(_) => key.is_empty(),
        }
    }

    /// `lhs op rhs` where `lhs` is the key columns (or `ctid`) and `rhs` the bound; each key
    /// column is followed by its entry of `suffixes` (e.g. ` COLLATE "C"`), if any.
    fn condition(&self, key: &[KeyColumn], op: &str, suffixes: &[&str]) -> String {
        match self {
            Bound::Key(values) => {
                let suffix = |i: usize| suffixes.get(i).copied().unwrap_or_default();
                let cols: Vec<_> = key
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{}{}", quote_ident(&c.name), suffix(i)))
                    .collect();
                let lits: Vec<_> = values
                    .iter()
                    .zip(key)
                    .map(|(v, c)| format!("{}::{}", quote_literal(v), c.data_type))
                    .collect();
                let cols = &cols[..lits.len()];
                format!("({}) {op} ({})", cols.join(", "), lits.join(", "))
            }
            Bound::Page(page) => format!("ctid {op} '({page},0)'::tid"),
        }
    }
}

impl Range {
    /// Consecutive ranges split at `bounds` (sorted, in the key's ordering): the first open
    /// below, the last open above, each starting where the previous one ends. No bounds give
    /// the whole table.
    pub fn chain(bounds: Vec<Bound>) -> Vec<Range> {
        let mut ranges = Vec::with_capacity(bounds.len() + 1);
        let mut lower = None;
        for b in bounds {
            ranges.push(Range { lower, upper: Some(b.clone()) });
            lower = Some(b);
        }
        ranges.push(Range { lower, upper: None });
        ranges
    }

    /// Whether both bounds can bound a table with primary key `key` (empty: no key).
    pub fn fits(&self, key: &[KeyColumn]) -> bool {
        [&self.lower, &self.upper].into_iter().flatten().all(|b| b.fits(key))
    }

    /// ` WHERE ...` selecting the range (empty when both ends are open).
    pub(super) fn predicate(&self, key: &[KeyColumn]) -> String {
        self.predicate_with(key, &[])
    }

    /// `Range::predicate` with `suffixes[i]` after key column `i` (verify compares text keys
    /// with ` COLLATE "C"` on PostgreSQL, the byte order CockroachDB uses).
    pub fn predicate_with(&self, key: &[KeyColumn], suffixes: &[&str]) -> String {
        let lower = self.lower.as_ref().map(|b| b.condition(key, ">=", suffixes));
        let upper = self.upper.as_ref().map(|b| b.condition(key, "<", suffixes));
        let parts: Vec<_> = lower.into_iter().chain(upper).collect();
        if parts.is_empty() { String::new() } else { format!(" WHERE {}", parts.join(" AND ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::key;
    use super::*;

    fn tuple(values: &[&str]) -> Bound {
        Bound::Key(values.iter().map(|v| (*v).to_owned()).collect())
    }

    #[test]
    fn bounds_round_trip_through_their_stored_form() {
        let tricky = tuple(&["O'Brien", "a\"b\\c", "[\"x\"]", "(1,0)", "", "é ✓"]);
        for b in [tuple(&["42"]), tricky, Bound::Page(0), Bound::Page(u32::MAX)] {
            assert_eq!(Bound::decode(&b.encode()), Some(b.clone()), "{}", b.encode());
        }
        assert_eq!(tuple(&["a", "b"]).encode(), r#"["a","b"]"#);
        assert_eq!(Bound::Page(1280).encode(), "(1280,0)");
    }

    #[test]
    fn malformed_stored_bounds_are_rejected() {
        for bad in ["", "42", "[]", "[1]", "[null]", "{\"a\":1}", "(1,2)", "(x,0)", "(-1,0)"] {
            assert_eq!(Bound::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges_chain_without_gaps_or_overlaps() {
        assert_eq!(Range::chain(Vec::new()), vec![Range::default()]);
        let r = Range::chain(vec![tuple(&["b"]), tuple(&["m"])]);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].lower.as_ref(), r[2].upper.as_ref()), (None, None));
        for w in r.windows(2) {
            assert_eq!(w[0].upper, w[1].lower);
        }
    }

    #[test]
    fn key_predicates_compare_rows_with_typed_literals() {
        let k = vec![key("Order", "integer"), key("user", "character varying(20)")];
        let r = Range { lower: Some(tuple(&["-5", "it's"])), upper: Some(tuple(&["7", "z"])) };
        assert_eq!(
            r.predicate(&k),
            r#" WHERE ("Order", "user") >= ('-5'::integer, 'it''s'::character varying(20)) AND ("Order", "user") < ('7'::integer, 'z'::character varying(20))"#
        );
        let prefix = Range { lower: None, upper: Some(tuple(&["10"])) };
        assert_eq!(prefix.predicate(&k), r#" WHERE ("Order") < ('10'::integer)"#);
        let quoted = vec![key("a\"b", "public.\"Mood\"")];
        let open_above = Range { lower: Some(tuple(&["x"])), upper: None };
        assert_eq!(open_above.predicate(&quoted), r#" WHERE ("a""b") >= ('x'::public."Mood")"#);
        assert_eq!(Range::default().predicate(&k), "");
        let collated = r.predicate_with(&k, &["", " COLLATE \"C\""]);
        assert_eq!(
            collated,
            r#" WHERE ("Order", "user" COLLATE "C") >= ('-5'::integer, 'it''s'::character varying(20)) AND ("Order", "user" COLLATE "C") < ('7'::integer, 'z'::character varying(20))"#
        );
    }

    #[test]
    fn page_predicates_use_tid_ranges() {
        let r = Range { lower: Some(Bound::Page(10)), upper: Some(Bound::Page(20)) };
        assert_eq!(r.predicate(&[]), " WHERE ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid");
    }

    #[test]
    fn ranges_fit_only_their_kind_of_table() {
        let k = vec![key("a", "integer"), key("b", "text")];
        let pages = Range { lower: Some(Bound::Page(1)), upper: None };
        assert!(pages.fits(&[]) && !pages.fits(&k));
        assert!(Range { lower: Some(tuple(&["1", "x"])), upper: None }.fits(&k));
        assert!(!Range { lower: None, upper: Some(tuple(&["1", "x", "y"])) }.fits(&k));
        assert!(!Range { lower: Some(tuple(&["1"])), upper: None }.fits(&[]));
        assert!(Range::default().fits(&k) && Range::default().fits(&[]));
    }
}
