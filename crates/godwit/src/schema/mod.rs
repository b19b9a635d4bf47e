//! The dialect-neutral schema model: reading it, assessing it, converting it, applying it.
//!
//! ```text
//!   live database ──introspect(client, dialect, filter)──▶ Schema ──▶ inspect / convert / apply
//!                    (set-based pg_catalog queries,          (model: plain data, serde,
//!                     one consistent snapshot)                sorted, no OIDs, no DDL text
//!                                                             except expressions and bodies)
//! ```
//!
//! - [`model`]: the [`Schema`] and everything in it; its JSON form is the documented output of
//!   `godwit inspect --json`.
//! - [`introspect()`]: fills a [`Schema`] from the catalogs of PostgreSQL or CockroachDB.
//! - [`parse`]: fills the same [`Schema`] from a schema file (pg_dump output, or CockroachDB
//!   `SHOW CREATE` output), remembering where each object was written.
//! - [`load`]: one entry point for both (live database or file).
//! - [`assess`]: what will not survive a move to a given target, rule by rule.
//! - [`convert`]: target DDL split into pre-data and post-data, plus what was not converted.
//! - [`apply`]: runs converted DDL against a target, idempotently.
//! - [`filter`]: which schemas to read; system schemas are always left out.
//!
//! The model never stores OIDs: they differ between databases (and between PostgreSQL and
//! CockroachDB), so objects refer to each other by schema-qualified name.

pub mod apply;
pub mod assess;
pub mod convert;
pub mod filter;
pub mod introspect;
pub mod load;
pub mod model;
pub mod parse;

pub use filter::{Filter, TableFilter};
pub use introspect::introspect;
pub use model::{Counts, QualifiedName, Schema};
