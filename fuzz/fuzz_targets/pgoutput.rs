//! Fuzz the pgoutput decoder: any payload, decoded in and out of a streamed block and with
//! every `streaming` mode, must give a message or an error, never a panic or an allocation
//! out of proportion to the payload (libFuzzer's `-rss_limit_mb` and `-malloc_limit_mb` catch
//! those); a decoded message must be consistent with its bytes.
//!
//! Run with `cargo fuzz run pgoutput` from the repository root. Seed the corpus from the
//! captured messages first (see `crates/godwit/src/cdc/pgoutput/fixtures/README.md`).

#![no_main]

use bytes::Bytes;
use godwit::cdc::pgoutput::{Context, Decoder, Message, Streaming, Value, decode};
use libfuzzer_sys::fuzz_target;

const MODES: [Streaming; 3] = [Streaming::Off, Streaming::On, Streaming::Parallel];

fuzz_target!(|data: &[u8]| {
    let payload = Bytes::copy_from_slice(data);
    for streaming in MODES {
        for in_stream in [false, true] {
            let ctx = Context { in_stream, streaming };
            match decode(payload.clone(), ctx) {
                Ok(message) => check(&message, &payload, in_stream),
                Err(e) => assert!(e.offset <= data.len(), "offset past the end: {e}"),
            }
        }
    }
    // The same bytes as a session: split at 0xA5 bytes into consecutive payloads.
    let mut decoder = Decoder::new(Streaming::On);
    for part in data.split(|b| *b == 0xa5) {
        let in_stream = decoder.in_stream();
        let part = Bytes::copy_from_slice(part);
        if let Ok(message) = decoder.decode(part.clone()) {
            check(&message, &part, in_stream);
        }
    }
});

/// A decoded message is consistent with the payload it came from.
fn check(message: &Message, payload: &Bytes, in_stream: bool) {
    let range = payload.as_ptr_range();
    let mut value_bytes = 0;
    let mut values = |tuple: &godwit::cdc::pgoutput::Tuple| {
        for value in &tuple.0 {
            if let Value::Text(b) | Value::Binary(b) = value {
                // Zero-copy: every value is a slice of the payload.
                let inner = b.as_ptr_range();
                assert!(b.is_empty() || (range.start <= inner.start && inner.end <= range.end));
                value_bytes += b.len();
            }
        }
    };
    let xid = match message {
        Message::Insert { xid, new, .. } => {
            values(new);
            Some(*xid)
        }
        Message::Update { xid, old, new, .. } => {
            if let Some(old) = old {
                values(old.tuple());
            }
            values(new);
            Some(*xid)
        }
        Message::Delete { xid, old, .. } => {
            values(old.tuple());
            Some(*xid)
        }
        Message::Relation(r) => Some(r.xid),
        Message::Type { xid, .. }
        | Message::Truncate { xid, .. }
        | Message::LogicalMessage { xid, .. } => Some(*xid),
        _ => None,
    };
    assert!(value_bytes <= payload.len());
    if let Some(xid) = xid {
        assert_eq!(xid.is_some(), in_stream, "{message:?}");
    }
}
