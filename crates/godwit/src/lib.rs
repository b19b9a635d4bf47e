//! godwit moves a live database between PostgreSQL and CockroachDB, in either direction.
//!
//! This crate holds all domain logic and never writes to the terminal; long operations report
//! through [`event::Event`]s that the CLI renders. Modules follow the phases of a migration:
//!
//! - [`conn`]: libpq-exact connection strings, TLS, dialect detection;
//! - [`schema`]: a dialect-neutral schema model, filled from the catalogs of either dialect;
//! - [`inspect`]: the inventory of a source (what is there, what matters for a move);
//! - [`cdc`]: logical replication slots and publications: the handoff from fetch to replicate;
//! - [`replicate`]: change data capture applied to the target exactly once, after fetch;
//! - [`verify`]: row- and schema-level comparison of source and target, and repair;
//! - [`status`]: what godwit did and does to a target, from its `_godwit` state;
//! - [`cluster`]: throwaway local PostgreSQL clusters for tests, demos and rehearsals;
//! - [`demo`]: the built-in sample journey.

pub mod cdc;
pub mod cluster;
pub mod conn;
pub mod demo;
pub mod dialect;
pub mod error;
pub mod event;
pub mod fetch;
pub mod inspect;
pub mod replicate;
pub mod schema;
pub mod status;
pub mod verify;

pub use error::{Error, ErrorKind, Result};
