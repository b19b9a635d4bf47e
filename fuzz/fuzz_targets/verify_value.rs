//! Fuzz `verify`'s value layer: any bytes, read as any column family, through
//! `canonical_text`, `key_text` and `key_binary` must give a value or an error, never a panic
//! or an allocation out of proportion to the input; a binary key that decodes must print as
//! text that encodes to the same key.
//!
//! The value layer is crate-private, so its source files are compiled into this target
//! directly (`crate::dialect` below stands in for the library's module of that name).
//!
//! Run with `cargo fuzz run verify_value` from the repository root.

#![no_main]
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

mod dialect {
    pub use godwit::dialect::*;
}

#[path = "../../crates/godwit/src/verify"]
mod verify {
    pub mod value;
}

use verify::value::{Family, canonical_text, key_binary, key_binary_to_text, key_text};

/// The families the first input byte chooses from.
fn family(selector: u8) -> Family {
    let base = [
        Family::Bool,
        Family::Int,
        Family::Float4,
        Family::Float8,
        Family::Numeric,
        Family::Text,
        Family::Char,
        Family::Bytea,
        Family::Uuid,
        Family::Date,
        Family::Time,
        Family::TimeTz,
        Family::Timestamp,
        Family::TimestampTz,
        Family::Interval,
        Family::Json,
        Family::Inet,
        Family::Bits,
        Family::Other,
    ];
    let elem = base[usize::from(selector & 0x7f) % base.len()].clone();
    if selector & 0x80 != 0 { Family::Array(Box::new(elem)) } else { elem }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, value)) = data.split_first() else {
        return;
    };
    let family = family(selector);
    let mut out = Vec::new();
    let _ = canonical_text(&family, value, &mut out);
    out.clear();
    let _ = key_text(&family, value, &mut out);
    let mut binary = Vec::new();
    if key_binary(&family, value, &mut binary).is_ok() {
        if let Ok(text) = key_binary_to_text(&family, value) {
            let mut again = Vec::new();
            key_text(&family, text.as_bytes(), &mut again)
                .unwrap_or_else(|e| panic!("{family:?}: printed key does not parse: {e}"));
            assert_eq!(binary, again, "{family:?}: printed key encodes differently");
        }
    }
});
