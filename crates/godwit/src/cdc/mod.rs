//! `cdc`: change data capture from PostgreSQL.
//!
//! Replication starts where the bulk copy ended, with nothing between: `fetch` creates the
//! logical replication slot over the replication protocol with an exported snapshot
//! ([`slot::create_exporting`]) and reads every table inside that snapshot, so the slot's
//! consistent point is exactly the instant the copy shows. The slot, its publication and
//! that position are recorded in `_godwit` for `replicate`.
//!
//! PostgreSQL behaviour relied on:
//!
//! - `CREATE_REPLICATION_SLOT ... LOGICAL pgoutput (SNAPSHOT 'export')` (PostgreSQL 15+;
//!   `EXPORT_SNAPSHOT` before) returns a snapshot name that other sessions import with
//!   `SET TRANSACTION SNAPSHOT`, valid until the creating session runs another command or
//!   ends; every transaction committed after the snapshot is decoded from the slot, every
//!   one before it is visible in the snapshot;
//! - pgoutput reads the publication with the historic catalog snapshot of each change, so
//!   the publication must exist before the slot's consistent point
//!   ([`publication::ensure`] runs first);
//! - the normal SQL protocol of `tokio-postgres` cannot open replication sessions, so they go
//!   through godwit's own [`transport`] ([`session`]), which speaks the same startup, TLS and
//!   SCRAM/MD5 exchange with `replication=database`, and pgoutput protocol 2 (streamed
//!   in-progress transactions) on top.

pub mod apply_sql;
pub mod lsn;
pub mod pgoutput;
pub mod preflight;
pub mod publication;
pub mod session;
pub mod slot;
pub mod transport;
