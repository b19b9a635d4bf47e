//! Fuzz the CockroachDB DDL parser: any text must parse to a model plus diagnostics, never a
//! panic (`godwit::schema::parse::crdb::parse` never fails).
//!
//! Run with `cargo fuzz run crdb_ddl` from the repository root; the files of
//! `shared/fixtures/crdb-ddl` make a good seed corpus.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = godwit::schema::parse::crdb::parse(s, "db");
    }
});
