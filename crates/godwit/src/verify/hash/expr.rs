//! The SQL expressions of hash mode: per column, per row (the checksummed hash) and per
//! bucket (what a differing range is split by). Pure text, no I/O.
//!
//! # What makes a checksum exact
//!
//! A range is declared equal when both sides return the same `(count, sum of row hashes)`,
//! so a row hash must differ whenever the rows engine would call two rows different (up to
//! hash collisions, about 2^-60 per differing range). The opposite direction is not needed:
//! when the hashes differ but the rows are equal, the drill-down runs the rows engine on
//! those rows and it says "equal". Hashing *more* than the rows engine distinguishes costs
//! time, never correctness; hashing less would report equality that was not checked. So:
//!
//! - **Native** (both sides PostgreSQL 14 or later: `hash_record_extended`). Columns the rows engine compares raw (binary send
//!   bytes) are hashed with the type's own hash function wherever PostgreSQL equality is
//!   identity of the send form (integers, bool, text and `char(n)` under `COLLATE "C"`,
//!   bytea, uuid, dates and times; arrays of those plus `array_dims`, because `hash_array`
//!   ignores bounds). Where equality is weaker than identity the value is hashed in an exact
//!   form: numeric with its display scale (`scale()`: `1.5 = 1.50` but they differ), floats
//!   through `float8send`/`float4send` (`-0 = 0`, NaN payloads), everything else (`json`
//!   has no equality, `jsonb` compares numbers by value, intervals normalise, enums hash
//!   their database-specific OIDs, composites and ranges their fields' equality) through
//!   `::text` under the pinned session settings, which prints every value distinctly.
//!   Columns the rows engine compares typed are hashed through `::text`, the very text it
//!   parses. The row's hash is `hash_record_extended(ROW(...), seed)` with the seed derived
//!   from the key: `hash_record_extended` combines its fields linearly, so a sum over rows
//!   of unseeded record hashes would not see a value swapped between two rows; seeded per
//!   key, every field hash depends on its row. Keyless tables hash the row's text instead.
//! - **Portable** (a CockroachDB side, or forced). Each column becomes text on its own side
//!   (`x::text` under the pinned settings; bytea as hex, `char(n)` right-trimmed), is
//!   length-prefixed (`7:O'Brien`, NULL is `N`) and the row's text is hashed with `md5`,
//!   which both dialects have; the first 15 hex digits become a non-negative `bigint` through
//!   `bit(60)` (both accept `'x...'::bit(n)` and `bit -> bigint`). The sum is `numeric` on
//!   PostgreSQL and `DECIMAL` on CockroachDB: no overflow.
//!
//! # What the portable checksum cannot tell apart, and why that is safe
//!
//! Each side's text is injective (two different values never print the same under the pinned
//! `extra_float_digits = 3`, `TimeZone`, `DateStyle`, `IntervalStyle`, `bytea_output`), and a
//! text means the same value on both dialects, so equal row texts are equal rows. The
//! converse fails for values the dialects *spell* differently: CockroachDB decimals below
//! 1e-6 or with a positive exponent (`1E-10`, `1E+2`) and negative zero, JSON objects whose
//! keys CockroachDB sorts differently from `jsonb` (which sorts by length first), float
//! spellings where Go's `%g` switches to exponent form earlier than PostgreSQL (`1e+06`),
//! timestamps and arrays whose text differs in shape. Ranges holding such values always
//! differ and are drilled into, so they cost a row comparison but are never reported equal
//! unchecked. These spellings are unit-tested as text only: no CockroachDB server was run.
//! Within PostgreSQL (the portable family forced on PG to PG), text cannot tell NaN payloads
//! apart, which the rows engine's raw comparison can.
//!
//! # Why these native expressions (measured)
//!
//! PostgreSQL 15, one backend, 1M rows of `bench/fetch-dataset.sql`'s mixed table (bigint,
//! int, text, numeric(14,4), timestamptz, jsonb, uuid, bytea, bool, int[]; 373 MB), in cache,
//! `psql \timing` seconds per full scan on the shared 2-core machine (load 2-6, so ranges):
//!
//! | per row | s |
//! |---|---|
//! | `COPY (SELECT * ... ORDER BY id) TO STDOUT (FORMAT binary)` (a side in rows mode) | 1.9 |
//! | `hash_record_extended(t, 0)`: equality semantics, **not exact** | 1.0-1.3 |
//! | `hash_record_extended(ROW(.., amount, scale(amount), .., doc::text, ..), 0)` | 1.4-1.7 |
//! | the same seeded by the key (chosen) | 1.6-1.8 |
//! | XOR of per-column `hash*extended` calls, `doc::text` | 1.35-1.5 |
//! | `hashtextextended(ROW(...)::text, 0)` | 2.6-3.3 |
//! | `md5(t::text)` as a bigint | 4.2 |
//!
//! The jsonb column's text alone costs 0.3-0.4 s (its send form is its text, so rows mode
//! pays it too); `jsonb_hash_extended` would save it but is not exact (jsonb equality ignores
//! a number's written scale, `1.0 = 1`). The per-column XOR is a little faster, but without a
//! per-row seed it is weak against values moved between rows, and seeding it costs the
//! difference. Hashing is about as expensive per value as the binary send functions, which
//! is why hash mode gains little over rows mode when both databases share the CPU with the
//! client (see `verify/hash.rs`).
//!
//! A column whose type family differs between the sides cannot be hashed this way (equal
//! text may canonicalise differently, e.g. `real` against `double precision`): such tables are
//! compared by the rows engine, whole (`HashPlan::new` returns `None`).

use crate::dialect::{Dialect, Version, quote_ident};
use crate::verify::Method;
use crate::verify::rows::{CheckColumn, Compare, SOURCE, TARGET, TableCheck};
use crate::verify::value::Family;

/// Which checksum expressions a table is hashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// PostgreSQL's own hash functions (both sides PostgreSQL 14 or later).
    Native,
    /// `md5` of a text both dialects print alike.
    Portable,
}

/// The first PostgreSQL major version with `hash_record_extended`.
const NATIVE_SINCE: u32 = 14;

impl Flavor {
    /// Native when both sides are PostgreSQL 14 or later and portable is not forced.
    pub(crate) fn for_pair(sides: [(Dialect, Version); 2], force_portable: bool) -> Flavor {
        let native = |(d, v): (Dialect, Version)| d == Dialect::Postgres && v.major >= NATIVE_SINCE;
        if !force_portable && sides.into_iter().all(native) {
            Flavor::Native
        } else {
            Flavor::Portable
        }
    }
}

/// Native buckets per differing range (a power of two: `& (BUCKETS - 1)`).
const NATIVE_BUCKETS: u32 = 1024;
/// Hex digits of the portable bucket (16^3 = 4096 buckets).
const PORTABLE_BUCKET_DIGITS: usize = 3;

/// A table's checksum expressions for one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SideExprs {
    /// The row's 64-bit (native) or 60-bit (portable) hash, a `bigint`.
    pub row_hash: String,
    /// The row's bucket: depends on the key only (on the whole row without a key).
    pub bucket: String,
}

/// A table's checksum expressions for both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HashPlan {
    /// Native or portable.
    pub flavor: Flavor,
    /// Per side (`SOURCE`, `TARGET`).
    pub sides: [SideExprs; 2],
}

impl HashPlan {
    /// The expressions for `check`, or `None` when some column's family differs between the
    /// sides (the table is then compared row by row).
    pub(crate) fn new(check: &TableCheck, flavor: Flavor) -> Option<HashPlan> {
        if check.columns.iter().any(|c| c.families[SOURCE] != c.families[TARGET]) {
            return None;
        }
        let side = |s| match flavor {
            Flavor::Native => native(check, s),
            Flavor::Portable => portable(check),
        };
        Some(HashPlan { flavor, sides: [side(SOURCE), side(TARGET)] })
    }

    /// Whether `label`, a bucket value read back from the database, has the shape of this
    /// flavor's buckets (it is spliced into SQL, so it is checked first).
    pub(crate) fn valid_bucket(&self, label: &str) -> bool {
        match self.flavor {
            Flavor::Native => {
                !label.is_empty() && label.len() <= 4 && label.bytes().all(|b| b.is_ascii_digit())
            }
            Flavor::Portable => {
                label.len() == PORTABLE_BUCKET_DIGITS
                    && label.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            }
        }
    }

    /// `<bucket> IN (...)` on `side` for the given (valid) bucket labels.
    pub(crate) fn bucket_predicate(&self, side: usize, labels: &[&str]) -> String {
        let items: Vec<String> = labels
            .iter()
            .map(|l| match self.flavor {
                Flavor::Native => (*l).to_owned(),
                Flavor::Portable => format!("'{l}'"),
            })
            .collect();
        format!("{} IN ({})", self.sides[side].bucket, items.join(", "))
    }
}

/// The native expressions of `side` (PostgreSQL).
fn native(check: &TableCheck, side: usize) -> SideExprs {
    let values: Vec<String> = (0..check.columns.len())
        .map(|i| native_value(&check.columns[i], check.reads_raw(side, i)))
        .collect();
    let values = values.join(", ");
    if check.method == Method::Multiset || check.key.is_empty() {
        let row_hash = format!("hashtextextended(ROW({values})::text, 0)");
        let bucket = format!("({row_hash} & {})", NATIVE_BUCKETS - 1);
        return SideExprs { row_hash, bucket };
    }
    let seed = native_seed(check);
    SideExprs {
        row_hash: format!("hash_record_extended(ROW({values}), {seed})"),
        bucket: format!("(hashint8extended({seed}, 1) & {})", NATIVE_BUCKETS - 1),
    }
}

/// The per-row seed: a single integer key itself, otherwise the key's record hash.
fn native_seed(check: &TableCheck) -> String {
    let keys: Vec<&CheckColumn> = check.key.iter().map(|&i| &check.columns[i]).collect();
    if let [only] = keys.as_slice()
        && only.families[SOURCE] == Family::Int
    {
        return format!("{}::bigint", quote_ident(&only.name));
    }
    let items: Vec<String> = keys
        .iter()
        .map(|c| {
            let q = quote_ident(&c.name);
            match c.families[SOURCE] {
                Family::Text | Family::Char => format!("{q} COLLATE \"C\""),
                _ => q,
            }
        })
        .collect();
    format!("hash_record_extended(ROW({}), 0)", items.join(", "))
}

/// One column's fields in the native row: exact under PostgreSQL's hash functions.
fn native_value(column: &CheckColumn, raw: bool) -> String {
    let q = quote_ident(&column.name);
    if !raw || column.compare == Compare::Typed {
        return format!("{q}::text");
    }
    match &column.families[SOURCE] {
        f if identity_hashed(f) => q,
        Family::Text | Family::Char => format!("{q} COLLATE \"C\""),
        Family::Numeric => format!("{q}, scale({q})"),
        Family::Float4 => format!("float4send({q})"),
        Family::Float8 => format!("float8send({q})"),
        Family::Array(inner) if identity_hashed(inner) => format!("{q}, array_dims({q})"),
        _ => format!("{q}::text"),
    }
}

/// Families whose PostgreSQL hash function is consistent with identity of the send form and
/// needs no collation.
fn identity_hashed(family: &Family) -> bool {
    matches!(
        family,
        Family::Int
            | Family::Bool
            | Family::Bytea
            | Family::Uuid
            | Family::Date
            | Family::Time
            | Family::TimeTz
            | Family::Timestamp
            | Family::TimestampTz
    )
}

/// The portable expressions of one side (either dialect: the text is spelled the same).
fn portable(check: &TableCheck) -> SideExprs {
    let texts: Vec<String> = check.columns.iter().map(portable_text).collect();
    let row_text = length_prefixed(&texts);
    let row_hash = format!("('x' || substr(md5({row_text}), 1, 15))::bit(60)::bigint");
    let bucket = if check.method == Method::Multiset || check.key.is_empty() {
        format!("substr(md5({row_text}), 16, {PORTABLE_BUCKET_DIGITS})")
    } else {
        let keys: Vec<String> = check.key.iter().map(|&i| texts[i].clone()).collect();
        format!("substr(md5({}), 1, {PORTABLE_BUCKET_DIGITS})", length_prefixed(&keys))
    };
    SideExprs { row_hash, bucket }
}

/// `len:text` per item (NULL as `N`), comma-separated: no two different tuples give the same
/// text whatever the values hold.
fn length_prefixed(texts: &[String]) -> String {
    let items: Vec<String> =
        texts.iter().map(|t| format!("coalesce(length({t})::text || ':' || {t}, 'N')")).collect();
    items.join(" || ',' || ")
}

/// A column as text both dialects print the same way for the same value (as far as known;
/// see the module docs for the spellings that differ).
fn portable_text(column: &CheckColumn) -> String {
    let q = quote_ident(&column.name);
    match &column.families[SOURCE] {
        Family::Bytea => format!("encode({q}, 'hex')"),
        Family::Char => format!("rtrim({q}::text, ' ')"),
        _ => format!("{q}::text"),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::fetch::plan::{KeyColumn, TablePlan};

    pub(crate) fn col(
        name: &str,
        family: Family,
        compare: Compare,
        key: Option<usize>,
    ) -> CheckColumn {
        CheckColumn {
            name: name.into(),
            compare,
            families: [family.clone(), family],
            key_position: key,
        }
    }

    /// `s.t`: the given columns, keyed by those with a key position.
    pub(crate) fn check(columns: Vec<CheckColumn>, dialects: [Dialect; 2]) -> TableCheck {
        let key: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.key_position.is_some())
            .map(|(i, _)| i)
            .collect();
        let plan_key = key
            .iter()
            .map(|&i| KeyColumn {
                name: columns[i].name.clone(),
                data_type: "integer".into(),
                collation: None,
                array: false,
            })
            .collect();
        TableCheck {
            schema: "s".into(),
            name: "t".into(),
            method: if key.is_empty() { Method::Multiset } else { Method::Key },
            plan: TablePlan {
                schema: "s".into(),
                name: "t".into(),
                columns: columns.iter().map(|c| c.name.clone()).collect(),
                casts: Vec::new(),
                key: plan_key,
                estimated_rows: 0,
                total_bytes: 0,
            },
            columns,
            key,
            dialects,
        }
    }

    pub(crate) const PG: [Dialect; 2] = [Dialect::Postgres, Dialect::Postgres];

    #[test]
    fn native_rows_hash_exact_forms_seeded_by_the_key() {
        let raw = Compare::Raw;
        let c = check(
            vec![
                col("id", Family::Int, raw, Some(0)),
                col("n", Family::Numeric, raw, None),
                col("f", Family::Float8, raw, None),
                col("Label", Family::Text, raw, None),
                col("j", Family::Json, raw, None),
                col("a", Family::Array(Box::new(Family::Int)), raw, None),
                col("an", Family::Array(Box::new(Family::Numeric)), raw, None),
                col("ts", Family::TimestampTz, raw, None),
                col("e", Family::Other, raw, None),
                col("typed", Family::Text, Compare::Typed, None),
            ],
            PG,
        );
        let plan = HashPlan::new(&c, Flavor::Native).unwrap();
        assert_eq!(plan.sides[SOURCE], plan.sides[TARGET]);
        assert_eq!(
            plan.sides[SOURCE].row_hash,
            r#"hash_record_extended(ROW("id", "n", scale("n"), float8send("f"), "Label" COLLATE "C", "j"::text, "a", array_dims("a"), "an"::text, "ts", "e"::text, "typed"::text), "id"::bigint)"#
        );
        assert_eq!(plan.sides[SOURCE].bucket, r#"(hashint8extended("id"::bigint, 1) & 1023)"#);
        assert_eq!(
            plan.bucket_predicate(SOURCE, &["3", "1000"]),
            r#"(hashint8extended("id"::bigint, 1) & 1023) IN (3, 1000)"#
        );
    }

    #[test]
    fn native_composite_keys_seed_with_their_record_hash() {
        let raw = Compare::Raw;
        let c = check(
            vec![
                col("region", Family::Text, raw, Some(0)),
                col("day", Family::Date, raw, Some(1)),
                col("v", Family::Bool, raw, None),
            ],
            PG,
        );
        let side = &HashPlan::new(&c, Flavor::Native).unwrap().sides[SOURCE];
        let seed = r#"hash_record_extended(ROW("region" COLLATE "C", "day"), 0)"#;
        assert_eq!(
            side.row_hash,
            format!(r#"hash_record_extended(ROW("region" COLLATE "C", "day", "v"), {seed})"#)
        );
        assert_eq!(side.bucket, format!("(hashint8extended({seed}, 1) & 1023)"));
    }

    #[test]
    fn keyless_tables_hash_and_bucket_the_whole_row() {
        let c = check(
            vec![
                col("a", Family::Int, Compare::Raw, None),
                col("b", Family::Text, Compare::Raw, None),
            ],
            PG,
        );
        let side = &HashPlan::new(&c, Flavor::Native).unwrap().sides[SOURCE];
        let h = r#"hashtextextended(ROW("a", "b" COLLATE "C")::text, 0)"#;
        assert_eq!(side.row_hash, h);
        assert_eq!(side.bucket, format!("({h} & 1023)"));
        let p = &HashPlan::new(&c, Flavor::Portable).unwrap().sides[SOURCE];
        assert!(p.bucket.starts_with("substr(md5(coalesce(length(\"a\"::text)"), "{}", p.bucket);
        assert!(p.bucket.ends_with(", 16, 3)"), "{}", p.bucket);
    }

    #[test]
    fn portable_rows_are_length_prefixed_md5_sums_on_both_dialects() {
        let t = Compare::Typed;
        let c = check(
            vec![
                col("id", Family::Int, t, Some(0)),
                col("b", Family::Bytea, t, None),
                col("c", Family::Char, t, None),
                col("n", Family::Numeric, t, None),
            ],
            [Dialect::Postgres, Dialect::Cockroach],
        );
        let plan = HashPlan::new(&c, Flavor::Portable).unwrap();
        let texts =
            [r#""id"::text"#, r#"encode("b", 'hex')"#, r#"rtrim("c"::text, ' ')"#, r#""n"::text"#];
        let item = |t: &str| format!("coalesce(length({t})::text || ':' || {t}, 'N')");
        let row: Vec<String> = texts.iter().map(|t| item(t)).collect();
        let row = row.join(" || ',' || ");
        for side in [SOURCE, TARGET] {
            assert_eq!(
                plan.sides[side].row_hash,
                format!("('x' || substr(md5({row}), 1, 15))::bit(60)::bigint")
            );
            assert_eq!(plan.sides[side].bucket, format!("substr(md5({}), 1, 3)", item(texts[0])));
        }
        assert_eq!(
            plan.bucket_predicate(TARGET, &["0af"]),
            format!("substr(md5({}), 1, 3) IN ('0af')", item(texts[0]))
        );
    }

    #[test]
    fn families_that_differ_between_sides_are_not_hashed() {
        let mut c = check(
            vec![
                col("id", Family::Int, Compare::Typed, Some(0)),
                col("f", Family::Float4, Compare::Typed, None),
            ],
            PG,
        );
        assert!(HashPlan::new(&c, Flavor::Native).is_some());
        c.columns[1].families[TARGET] = Family::Float8;
        assert!(HashPlan::new(&c, Flavor::Native).is_none());
        assert!(HashPlan::new(&c, Flavor::Portable).is_none());
    }

    #[test]
    fn bucket_labels_are_checked_before_they_are_spliced() {
        let c = check(vec![col("id", Family::Int, Compare::Raw, Some(0))], PG);
        let native = HashPlan::new(&c, Flavor::Native).unwrap();
        assert!(native.valid_bucket("0") && native.valid_bucket("1023"));
        assert!(
            !native.valid_bucket("")
                && !native.valid_bucket("1; drop")
                && !native.valid_bucket("-1")
        );
        let portable = HashPlan::new(&c, Flavor::Portable).unwrap();
        assert!(portable.valid_bucket("0af"));
        assert!(
            !portable.valid_bucket("0AF")
                && !portable.valid_bucket("'a'")
                && !portable.valid_bucket("abcd")
        );
    }

    #[test]
    fn cockroach_pairs_old_postgres_and_forcing_pick_the_portable_family() {
        let v = |major| Version { major, minor: 0, patch: 0 };
        let pg = (Dialect::Postgres, v(15));
        let crdb = (Dialect::Cockroach, v(24));
        assert_eq!(Flavor::for_pair([pg, pg], false), Flavor::Native);
        assert_eq!(Flavor::for_pair([pg, (Dialect::Postgres, v(14))], false), Flavor::Native);
        assert_eq!(Flavor::for_pair([pg, pg], true), Flavor::Portable);
        assert_eq!(Flavor::for_pair([(Dialect::Postgres, v(13)), pg], false), Flavor::Portable);
        assert_eq!(Flavor::for_pair([pg, crdb], false), Flavor::Portable);
        assert_eq!(Flavor::for_pair([crdb, crdb], false), Flavor::Portable);
    }
}
