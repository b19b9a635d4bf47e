//! The body of each message type, read field by field in the documented order.

use super::message::{
    Message, OldTuple, PrepareInfo, Relation, RelationColumn, ReplicaIdentity, TruncateOptions,
    Tuple, Value,
};
use super::read::{DecodeError, Problem, Reader};
use super::{Context, Streaming};

/// The message name of a type byte, for errors; `None` for bytes that are no message type.
pub(super) fn name_of(tag: u8) -> Option<&'static str> {
    Some(match tag {
        b'B' => "Begin",
        b'C' => "Commit",
        b'O' => "Origin",
        b'R' => "Relation",
        b'Y' => "Type",
        b'I' => "Insert",
        b'U' => "Update",
        b'D' => "Delete",
        b'T' => "Truncate",
        b'M' => "Message",
        b'S' => "Stream Start",
        b'E' => "Stream Stop",
        b'c' => "Stream Commit",
        b'A' => "Stream Abort",
        b'b' => "Begin Prepare",
        b'P' => "Prepare",
        b'K' => "Commit Prepared",
        b'r' => "Rollback Prepared",
        b'p' => "Stream Prepare",
        _ => return None,
    })
}

/// Decode the body after type byte `tag` (one `name_of` knows).
pub(super) fn decode_body(tag: u8, r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    match tag {
        b'B' | b'C' | b'O' => transaction(tag, r),
        b'S' | b'E' | b'c' | b'A' => stream(tag, r, ctx),
        b'b' | b'P' | b'K' | b'r' | b'p' => two_phase(tag, r),
        _ => data(tag, r, ctx),
    }
}

/// Begin, Commit and Origin (protocol 1).
fn transaction(tag: u8, r: &mut Reader) -> Result<Message, DecodeError> {
    Ok(match tag {
        b'B' => Message::Begin {
            final_lsn: r.lsn("final LSN")?,
            commit_ts: r.timestamp("commit timestamp")?,
            xid: r.u32("xid")?,
        },
        b'C' => Message::Commit {
            flags: r.u8("flags")?,
            commit_lsn: r.lsn("commit LSN")?,
            end_lsn: r.lsn("end LSN")?,
            commit_ts: r.timestamp("commit timestamp")?,
        },
        _ => Message::Origin { commit_lsn: r.lsn("origin commit LSN")?, name: r.string("name")? },
    })
}

/// The messages that describe tables and changes, with an xid inside streamed blocks.
fn data(tag: u8, r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    Ok(match tag {
        b'R' => Message::Relation(relation(r, ctx)?),
        b'Y' => Message::Type {
            xid: stream_xid(r, ctx)?,
            oid: r.u32("type OID")?,
            namespace: r.string("namespace")?,
            name: r.string("name")?,
        },
        b'I' => insert(r, ctx)?,
        b'U' => update(r, ctx)?,
        b'D' => delete(r, ctx)?,
        b'T' => truncate(r, ctx)?,
        b'M' => logical_message(r, ctx)?,
        other => return Err(r.error_at(0, Problem::UnknownType(other))),
    })
}

/// Stream Start, Stop, Commit and Abort (protocol 2, and 4 for the abort details).
fn stream(tag: u8, r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    Ok(match tag {
        b'S' => Message::StreamStart {
            xid: r.u32("xid")?,
            first_segment: expect_marker(r, b"\x00\x01", "first segment")? == 1,
        },
        b'E' => Message::StreamStop,
        b'c' => Message::StreamCommit {
            xid: r.u32("xid")?,
            flags: r.u8("flags")?,
            commit_lsn: r.lsn("commit LSN")?,
            end_lsn: r.lsn("end LSN")?,
            commit_ts: r.timestamp("commit timestamp")?,
        },
        _ => stream_abort(r, ctx)?,
    })
}

/// The two-phase commit messages (protocol 3).
fn two_phase(tag: u8, r: &mut Reader) -> Result<Message, DecodeError> {
    Ok(match tag {
        b'b' => Message::BeginPrepare {
            prepare_lsn: r.lsn("prepare LSN")?,
            end_lsn: r.lsn("end LSN")?,
            prepare_ts: r.timestamp("prepare timestamp")?,
            xid: r.u32("xid")?,
            gid: r.string("gid")?,
        },
        b'P' => Message::Prepare(prepare_info(r)?),
        b'K' => Message::CommitPrepared(prepare_info(r)?),
        b'r' => Message::RollbackPrepared {
            flags: r.u8("flags")?,
            prepare_end_lsn: r.lsn("prepare end LSN")?,
            rollback_end_lsn: r.lsn("rollback end LSN")?,
            prepare_ts: r.timestamp("prepare timestamp")?,
            rollback_ts: r.timestamp("rollback timestamp")?,
            xid: r.u32("xid")?,
            gid: r.string("gid")?,
        },
        _ => Message::StreamPrepare(prepare_info(r)?),
    })
}

/// The xid protocol 2 puts first in data messages inside a streamed block.
fn stream_xid(r: &mut Reader, ctx: Context) -> Result<Option<u32>, DecodeError> {
    if ctx.in_stream { r.u32("streamed xid").map(Some) } else { Ok(None) }
}

fn relation(r: &mut Reader, ctx: Context) -> Result<Relation, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let relid = r.u32("relation OID")?;
    let namespace = r.string("namespace")?;
    let name = r.string("name")?;
    let at = r.offset();
    let replica_identity = match r.u8("replica identity")? {
        b'd' => ReplicaIdentity::Default,
        b'n' => ReplicaIdentity::Nothing,
        b'f' => ReplicaIdentity::Full,
        b'i' => ReplicaIdentity::Index,
        value => {
            return Err(r.error_at(at, Problem::UnknownByte { field: "replica identity", value }));
        }
    };
    let at = r.offset();
    let count = r.count16("column count")?;
    // Flags, an empty name's NUL, type OID and modifier: at least 10 bytes per column.
    r.check_count(count, 10, "column count", at)?;
    let mut columns = Vec::with_capacity(count);
    for _ in 0..count {
        columns.push(RelationColumn {
            flags: r.u8("column flags")?,
            name: r.string("column name")?,
            type_oid: r.u32("column type OID")?,
            type_modifier: r.i32("column type modifier")?,
        });
    }
    Ok(Relation { xid, relid, namespace, name, replica_identity, columns })
}

fn insert(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let relid = r.u32("relation OID")?;
    expect_marker(r, b"N", "new tuple marker")?;
    Ok(Message::Insert { xid, relid, new: tuple(r)? })
}

fn update(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let relid = r.u32("relation OID")?;
    let old = match expect_marker(r, b"KON", "tuple marker")? {
        b'N' => None,
        kind => {
            let old = old_tuple(kind, r)?;
            expect_marker(r, b"N", "new tuple marker")?;
            Some(old)
        }
    };
    Ok(Message::Update { xid, relid, old, new: tuple(r)? })
}

fn delete(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let relid = r.u32("relation OID")?;
    let kind = expect_marker(r, b"KO", "old tuple marker")?;
    Ok(Message::Delete { xid, relid, old: old_tuple(kind, r)? })
}

/// The old tuple after its marker `K` or `O`.
fn old_tuple(kind: u8, r: &mut Reader) -> Result<OldTuple, DecodeError> {
    let values = tuple(r)?;
    Ok(if kind == b'K' { OldTuple::Key(values) } else { OldTuple::Full(values) })
}

/// Read one byte that must be one of `allowed`.
fn expect_marker(r: &mut Reader, allowed: &[u8], field: &'static str) -> Result<u8, DecodeError> {
    let at = r.offset();
    let value = r.u8(field)?;
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(r.error_at(at, Problem::UnknownByte { field, value }))
    }
}

/// TupleData: a column count, then per column a kind byte and, for `t` and `b`, a length and
/// the value.
fn tuple(r: &mut Reader) -> Result<Tuple, DecodeError> {
    let at = r.offset();
    let count = r.count16("tuple column count")?;
    r.check_count(count, 1, "tuple column count", at)?;
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let at = r.offset();
        let value = match r.u8("column kind")? {
            b'n' => Value::Null,
            b'u' => Value::UnchangedToast,
            b't' => {
                let len = r.count32("column value length")?;
                Value::Text(r.bytes(len, "column value")?)
            }
            b'b' => {
                let len = r.count32("column value length")?;
                Value::Binary(r.bytes(len, "column value")?)
            }
            value => {
                return Err(r.error_at(at, Problem::UnknownByte { field: "column kind", value }));
            }
        };
        values.push(value);
    }
    Ok(Tuple(values))
}

fn truncate(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let at = r.offset();
    let count = r.count32("relation count")?;
    let options = TruncateOptions::from_bits(r.u8("options")?);
    r.check_count(count, 4, "relation count", at)?;
    let mut relids = Vec::with_capacity(count);
    for _ in 0..count {
        relids.push(r.u32("relation OID")?);
    }
    Ok(Message::Truncate { xid, options, relids })
}

fn logical_message(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = stream_xid(r, ctx)?;
    let transactional = r.u8("flags")? & 1 != 0;
    let lsn = r.lsn("message LSN")?;
    let prefix = r.string("prefix")?;
    let len = r.count32("content length")?;
    let content = r.bytes(len, "content")?;
    Ok(Message::LogicalMessage { xid, transactional, lsn, prefix, content })
}

fn stream_abort(r: &mut Reader, ctx: Context) -> Result<Message, DecodeError> {
    let xid = r.u32("xid")?;
    let subxid = r.u32("subtransaction xid")?;
    let (abort_lsn, abort_ts) = match ctx.streaming {
        Streaming::Parallel => (Some(r.lsn("abort LSN")?), Some(r.timestamp("abort timestamp")?)),
        Streaming::Off | Streaming::On => (None, None),
    };
    Ok(Message::StreamAbort { xid, subxid, abort_lsn, abort_ts })
}

fn prepare_info(r: &mut Reader) -> Result<PrepareInfo, DecodeError> {
    Ok(PrepareInfo {
        flags: r.u8("flags")?,
        lsn: r.lsn("LSN")?,
        end_lsn: r.lsn("end LSN")?,
        ts: r.timestamp("timestamp")?,
        xid: r.u32("xid")?,
        gid: r.string("gid")?,
    })
}
