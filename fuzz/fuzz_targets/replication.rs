//! Fuzz the replication transport's handling of server bytes (`godwit::cdc::transport::codec`):
//! any byte stream, fed in arbitrary pieces, must frame into messages or give an error, never
//! panic, never take a message off the buffer before it is complete, and never reserve room
//! for what a length announces (only for bytes that arrived); every `CopyData` payload must parse as XLogData or
//! keepalive or give an error; error responses and data rows must be read without panicking.
//!
//! Run with `cargo fuzz run replication` from the repository root.

#![no_main]

use bytes::{Bytes, BytesMut};
use godwit::cdc::transport::codec::{
    self, Backend, BackendMessage, Replication, next_backend, parse_replication,
};
use libfuzzer_sys::fuzz_target;
use postgres_protocol::message::backend::Message;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the piece size the "socket" delivers.
    let Some((&step, stream)) = data.split_first() else { return };
    let step = usize::from(step % 16) + 1;
    let mut buf = BytesMut::new();
    for piece in stream.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            let before = buf.len();
            match next_backend(&mut buf) {
                Ok(Some(message)) => {
                    assert!(buf.len() < before, "a message without consuming bytes");
                    check(message);
                }
                Ok(None) => {
                    assert_eq!(buf.len(), before, "an incomplete message consumed bytes");
                    assert!(buf.capacity() <= 4 * stream.len() + 4096, "reserved more than arrived");
                    break;
                }
                Err(_) => return,
            }
        }
    }
    // Payloads on their own.
    if let Ok(Replication::XLogData { data: payload, .. }) =
        parse_replication(Bytes::copy_from_slice(stream))
    {
        assert!(payload.len() + 25 == stream.len());
    }
});

fn check(message: Backend) {
    match message {
        Backend::CopyData(payload) => {
            let _ = parse_replication(payload);
        }
        Backend::Message(BackendMessage(Message::ErrorResponse(body))) => {
            let error = codec::server_error(body.fields());
            assert_eq!(error.code.len(), 5);
        }
        Backend::Message(BackendMessage(Message::DataRow(body))) => {
            let _ = codec::data_row(&body);
        }
        _ => {}
    }
}
