//! Typed, normalised values for `verify`: when two databases print the same stored value
//! differently, their canonical forms are still equal; when a user could see a difference,
//! the canonical forms differ.
//!
//! Why this exists: row comparison between PostgreSQL and CockroachDB (or between columns of
//! different types) cannot compare bytes. Both sides send such columns as text under pinned
//! session settings (`TimeZone='UTC'`, `extra_float_digits=3`, `DateStyle='ISO, MDY'`,
//! `IntervalStyle='postgres'`, `bytea_output='hex'`), and the spellings still differ:
//! CockroachDB prints decimals in exponent form (`1E-10`, `1.0E-16`) and keeps negative zero,
//! spells infinities `+Inf`/`-Inf` in places, prints JSON with spaces after separators and
//! sorted keys where PostgreSQL `jsonb` sorts keys by length first. [`canonical_text`] maps
//! each side's text to one byte string per stored value.
//!
//! Keys are different: the rows engine merge-joins two streams ordered by the databases, so a
//! key needs an encoding whose byte order is the database's `ORDER BY` order
//! ([`key_binary`], [`key_text`]). PostgreSQL orders text by collation, so text keys are read
//! with `COLLATE "C"` (byte order, the order CockroachDB always uses for `STRING`).
//!
//! Every encoding produced here is prefix-free (fixed width, length-prefixed or terminated),
//! so the encodings of several columns can be concatenated without two different tuples
//! colliding. Values are never part of an error message: a [`ValueError`] names the family and
//! what was wrong, not the bytes.
//!
//! Equality is what a user sees, which is stricter than SQL `=` in places: `1.5` and `1.50`
//! differ (PostgreSQL `=` says equal), `-0` and `0` floats differ, `1 mon` and `30 days`
//! intervals differ, a `timetz` offset change differs; `json` is compared as parsed JSON (key
//! order, spacing and duplicate keys do not matter, number scale does).
//!
//! This module does no I/O. Text arguments are the field's value (COPY escapes already undone).

mod array;
mod decimal;
mod inet;
mod json;
mod key;
mod scalar;
mod time;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::dialect::Dialect;

pub(crate) use key::{key_binary, key_binary_to_text, key_text};

/// A column's type family, normalised across dialects (PostgreSQL `format_type` text, or the
/// type text CockroachDB introspection yields, e.g. `INT8`, `STRING`, `DECIMAL(10,2)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Family {
    /// `boolean` / `BOOL`.
    Bool,
    /// `smallint`, `integer`, `bigint` and CockroachDB's `INT2`/`INT4`/`INT8`/`INT`.
    Int,
    /// `real` / `FLOAT4`.
    Float4,
    /// `double precision` / `FLOAT8` / `FLOAT`.
    Float8,
    /// `numeric` / `DECIMAL`, with or without precision and scale.
    Numeric,
    /// `text`, `varchar(n)`, `name`, CockroachDB `STRING`.
    Text,
    /// Blank-padded `char(n)` / `bpchar`.
    Char,
    /// `bytea` / `BYTES`.
    Bytea,
    /// `uuid`.
    Uuid,
    /// `date`.
    Date,
    /// `time` (without time zone).
    Time,
    /// `timetz`.
    TimeTz,
    /// `timestamp` (without time zone).
    Timestamp,
    /// `timestamptz`.
    TimestampTz,
    /// `interval`, any field restriction.
    Interval,
    /// `json`, `jsonb`, CockroachDB `JSON`/`JSONB`.
    Json,
    /// `inet`, `cidr`.
    Inet,
    /// `bit(n)`, `varbit`.
    Bits,
    /// A one- or multi-dimensional array of the element family.
    Array(Box<Family>),
    /// Anything else: compared as text bytes (meaningful between equal dialects only).
    Other,
}

impl Family {
    /// The family of a column type as PostgreSQL's `format_type` or CockroachDB's
    /// introspection prints it. Unknown and user-defined types are [`Family::Other`].
    pub(crate) fn of(data_type: &str, dialect: Dialect) -> Family {
        let lower = data_type.trim().to_ascii_lowercase();
        if let Some(elem) = lower.strip_suffix("[]") {
            let elem = elem.trim_end_matches("[]");
            return Family::Array(Box::new(Family::of(elem, dialect)));
        }
        if let Some(elem) = lower.strip_prefix('_') {
            // Internal array type names (`_int4`), as `udt_name` shows them.
            return match Family::of(elem, dialect) {
                Family::Other => Family::Other,
                family => Family::Array(Box::new(family)),
            };
        }
        let name = strip_modifiers(&lower);
        match (name.as_str(), dialect) {
            // Names only CockroachDB prints; on PostgreSQL they would be user-defined types.
            ("string", Dialect::Cockroach) => Family::Text,
            ("bytes", Dialect::Cockroach) => Family::Bytea,
            ("int" | "int64", Dialect::Cockroach) => Family::Int,
            ("float", Dialect::Cockroach) => Family::Float8,
            ("string" | "bytes" | "int" | "int64" | "float", Dialect::Postgres) => Family::Other,
            (name, _) => Family::of_base(name),
        }
    }

    /// The family of a lowercased type name without modifiers, as both dialects print it.
    fn of_base(name: &str) -> Family {
        match name {
            "boolean" | "bool" => Family::Bool,
            "smallint" | "integer" | "bigint" | "int2" | "int4" | "int8" => Family::Int,
            "real" | "float4" => Family::Float4,
            "double precision" | "float8" => Family::Float8,
            "numeric" | "decimal" | "dec" => Family::Numeric,
            "text" | "character varying" | "varchar" | "name" | "char varying" => Family::Text,
            "character" | "char" | "bpchar" => Family::Char,
            "bytea" => Family::Bytea,
            "uuid" => Family::Uuid,
            "date" => Family::Date,
            "time" | "time without time zone" => Family::Time,
            "timetz" | "time with time zone" => Family::TimeTz,
            "timestamp" | "timestamp without time zone" => Family::Timestamp,
            "timestamptz" | "timestamp with time zone" => Family::TimestampTz,
            "json" | "jsonb" => Family::Json,
            "inet" | "cidr" => Family::Inet,
            "bit" | "bit varying" | "varbit" => Family::Bits,
            _ if name == "interval" || name.starts_with("interval ") => Family::Interval,
            _ => Family::Other,
        }
    }

    /// Whether key values of this family can be encoded order-preservingly (see
    /// [`key_binary`]); tables keyed by other families are compared as multisets.
    pub(crate) fn orderable(&self) -> bool {
        matches!(
            self,
            Family::Bool
                | Family::Int
                | Family::Numeric
                | Family::Text
                | Family::Char
                | Family::Bytea
                | Family::Uuid
                | Family::Date
                | Family::Timestamp
                | Family::TimestampTz
        )
    }

    /// The SQL `ORDER BY` suffix that makes the database sort this family the way the key
    /// encoding does: PostgreSQL sorts text by collation, `COLLATE "C"` makes it byte order
    /// (CockroachDB's `STRING` order already is).
    pub(crate) fn order_suffix(&self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Family::Text | Family::Char, Dialect::Postgres) => " COLLATE \"C\"",
            _ => "",
        }
    }

    /// A short name for error messages.
    fn name(&self) -> &'static str {
        match self {
            Family::Bool => "bool",
            Family::Int => "integer",
            Family::Float4 => "float4",
            Family::Float8 => "float8",
            Family::Numeric => "numeric",
            Family::Text => "text",
            Family::Char => "char",
            Family::Bytea => "bytea",
            Family::Uuid => "uuid",
            Family::Date => "date",
            Family::Time => "time",
            Family::TimeTz => "timetz",
            Family::Timestamp => "timestamp",
            Family::TimestampTz => "timestamptz",
            Family::Interval => "interval",
            Family::Json => "json",
            Family::Inet => "inet",
            Family::Bits => "bit",
            Family::Array(_) => "array",
            Family::Other => "other",
        }
    }
}

/// Removes `(…)` type modifiers and collapses blanks: `timestamp(3) with time zone` ->
/// `timestamp with time zone`, `DECIMAL(10,2)` -> `decimal`.
fn strip_modifiers(name: &str) -> String {
    let mut plain = String::with_capacity(name.len());
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value that could not be parsed: names the family and what was wrong, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueError {
    family: &'static str,
    problem: &'static str,
}

impl ValueError {
    /// An error for `family` with a short description of the problem.
    fn new(family: &Family, problem: &'static str) -> ValueError {
        ValueError { family: family.name(), problem }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read a {} value: {}", self.family, self.problem)
    }
}

impl std::error::Error for ValueError {}

/// Appends the canonical form of one non-NULL value given as text (either dialect's output
/// under the pinned session settings). Equal canonical bytes mean the same stored value; the
/// form is prefix-free.
pub(crate) fn canonical_text(
    family: &Family,
    text: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), ValueError> {
    scalar::canonical(family, text, out)
}

/// Appends `bytes` with a 4-byte big-endian length in front (the prefix-free form of a
/// variable-length part).
fn put_len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    // A single value never reaches 4 GiB (PostgreSQL's limit is 1 GiB per field).
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}
