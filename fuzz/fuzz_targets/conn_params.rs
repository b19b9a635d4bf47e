//! Fuzz the libpq connection-string layer: resolving arbitrary text must never panic, and
//! `redact` must never give back a password, wherever it sits in the string.
//!
//! Run with `cargo fuzz run conn_params` from the repository root.

#![no_main]

use godwit::conn::params::{ConnParams, Environment, redact};
use libfuzzer_sys::fuzz_target;

/// A password planted in the input; the fuzzer never needs to guess it.
const PLANTED: &str = "GodwitFuzzPlantedSecret";

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ConnParams::resolve(s, &Environment::default());
    let redacted = redact(s);
    for value in password_values(s) {
        assert!(
            !redacted.contains(value),
            "redact kept {value:?} of {s:?}: {redacted:?}"
        );
    }
    if !s.contains(PLANTED) {
        let mut mid = s.len() / 2;
        while !s.is_char_boundary(mid) {
            mid -= 1;
        }
        let (head, tail) = s.split_at(mid);
        for planted in [format!("password={PLANTED}"), format!(":{PLANTED}@")] {
            let input = format!("{head}{planted}{tail}");
            let redacted = redact(&input);
            assert!(
                !redacted.contains(PLANTED),
                "redact kept the password of {input:?}"
            );
            if let Err(e) = ConnParams::resolve(&input, &Environment::default()) {
                assert!(
                    !e.to_string().contains(PLANTED),
                    "error quotes a password: {e}"
                );
            }
        }
    }
});

/// Unquoted `password=` values that can be checked without false alarms: long enough, without
/// `*` (the mask), and occurring only once in the input (so no other part can show them).
fn password_values(s: &str) -> Vec<&str> {
    s.match_indices("password=")
        .map(|(at, key)| {
            let value = &s[at + key.len()..];
            let end = value
                .find(|c: char| c.is_ascii_whitespace() || "&'\\\x0b".contains(c))
                .unwrap_or(value.len());
            &value[..end]
        })
        .filter(|v| v.len() >= 8 && !v.contains('*') && s.matches(*v).count() == 1)
        .collect()
}
