//! Fuzz the `pg_dump` reader: any text must parse without panicking, and every position it
//! reports (diagnostics, object locations, skipped statements) must point into the input.
//!
//! Run with `cargo fuzz run pg_dump` from the repository root; the PostgreSQL fixtures in
//! `shared/fixtures/pg-schemas` make a good seed corpus.

#![no_main]

use godwit::schema::parse::Location;
use godwit::schema::parse::pg::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text, "fuzz");
    let lines: Vec<&str> = text.split('\n').collect();
    let inside = |at: &Location| {
        let line = usize::try_from(at.line).unwrap_or(usize::MAX);
        let column = usize::try_from(at.column).unwrap_or(usize::MAX);
        line >= 1
            && line <= lines.len()
            && column >= 1
            && column <= lines[line - 1].chars().count() + 1
    };
    for d in &parsed.diagnostics {
        assert!(inside(&d.location), "diagnostic outside the input: {d:?}");
        assert!(d.statement.chars().count() <= 80, "preview too long: {d:?}");
    }
    for (key, at) in &parsed.locations {
        assert!(inside(at), "location of {key:?} outside the input: {at:?}");
    }
    for (at, what) in &parsed.skipped {
        assert!(inside(at), "skipped {what:?} outside the input: {at:?}");
    }
});
