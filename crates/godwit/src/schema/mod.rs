//! The dialect-neutral schema model, and reading it from a live database.
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
//! - [`introspect`]: fills a [`Schema`] from the catalogs of PostgreSQL or CockroachDB.
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

pub use filter::Filter;
pub use introspect::introspect;
pub use model::{Counts, QualifiedName, Schema};
