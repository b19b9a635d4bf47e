//! The godwit library's integration tests, against real PostgreSQL 15 clusters.
//!
//! One binary, one module per feature; every test gets a fresh database on a cluster shared by
//! this binary (see `godwit-test-support`).
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::expect_used)]

mod assess;
mod conn;
mod convert;
mod fetch;
mod pagila;
mod parse_crdb;
mod parse_pg;
mod replicate;
mod schema_crdb;
mod schema_pg;
mod transport;
mod verify;
mod verify_schema;
