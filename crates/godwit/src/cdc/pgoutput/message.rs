//! The decoded pgoutput messages.
//!
//! Field names follow the PostgreSQL documentation ("Logical Replication Message Formats").
//! `xid` fields typed `Option<u32>` carry the transaction id that protocol version 2 adds to
//! data messages inside a `Stream Start` .. `Stream Stop` block: the xid of the
//! (sub)transaction that made the change, so it equals the `subxid` of a later Stream Abort
//! that discards it. Outside such a block they are `None`. Column values are zero-copy slices
//! of the payload they were decoded from.

use bytes::Bytes;

use super::{Lsn, PgTimestamp};

/// One pgoutput message (one `XLogData` payload of the replication stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `B`: a (non-streamed) transaction starts; its changes follow, then [`Message::Commit`].
    Begin {
        /// The LSN of the transaction's commit record.
        final_lsn: Lsn,
        /// When the transaction committed.
        commit_ts: PgTimestamp,
        /// The transaction id.
        xid: u32,
    },
    /// `C`: the transaction opened by the last [`Message::Begin`] committed.
    Commit {
        /// Unused by PostgreSQL (0).
        flags: u8,
        /// The LSN of the commit record.
        commit_lsn: Lsn,
        /// The LSN just past the commit record: the position to confirm once it is applied.
        end_lsn: Lsn,
        /// When the transaction committed.
        commit_ts: PgTimestamp,
    },
    /// `O`: the transaction came from another node through replication origin `name`.
    Origin {
        /// The LSN of the commit on the origin server.
        commit_lsn: Lsn,
        /// The origin's name.
        name: String,
    },
    /// `R`: the layout of a table; sent before its first change and again after it changes.
    Relation(Relation),
    /// `Y`: a non-built-in type used by a column of a following [`Message::Relation`].
    Type {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// The type's OID.
        oid: u32,
        /// Its schema (empty for `pg_catalog`).
        namespace: String,
        /// Its name.
        name: String,
    },
    /// `I`: a row was inserted.
    Insert {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// The table's OID, as in its [`Message::Relation`].
        relid: u32,
        /// The new row.
        new: Tuple,
    },
    /// `U`: a row was updated.
    Update {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// The table's OID, as in its [`Message::Relation`].
        relid: u32,
        /// The old key (when the key changed) or the old row (`REPLICA IDENTITY FULL`); `None`
        /// when the key did not change.
        old: Option<OldTuple>,
        /// The new row; TOASTed columns the update left alone are [`Value::UnchangedToast`].
        new: Tuple,
    },
    /// `D`: a row was deleted.
    Delete {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// The table's OID, as in its [`Message::Relation`].
        relid: u32,
        /// The deleted row's key, or the whole row under `REPLICA IDENTITY FULL`.
        old: OldTuple,
    },
    /// `T`: tables were truncated together.
    Truncate {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// `CASCADE` and `RESTART IDENTITY`.
        options: TruncateOptions,
        /// The tables' OIDs.
        relids: Vec<u32>,
    },
    /// `M`: a message from `pg_logical_emit_message` (sent with the `messages` option).
    LogicalMessage {
        /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
        xid: Option<u32>,
        /// Whether it belongs to the surrounding transaction (else it was sent at once).
        transactional: bool,
        /// The LSN of the message.
        lsn: Lsn,
        /// The prefix given by the caller.
        prefix: String,
        /// The content, as given.
        content: Bytes,
    },
    /// `S` (protocol 2): a chunk of an in-progress transaction follows, up to
    /// [`Message::StreamStop`].
    StreamStart {
        /// The transaction.
        xid: u32,
        /// Whether this is the transaction's first chunk.
        first_segment: bool,
    },
    /// `E` (protocol 2): the current streamed chunk ends.
    StreamStop,
    /// `c` (protocol 2): a streamed transaction committed; apply its chunks.
    StreamCommit {
        /// The transaction.
        xid: u32,
        /// Unused by PostgreSQL (0).
        flags: u8,
        /// The LSN of the commit record.
        commit_lsn: Lsn,
        /// The LSN just past the commit record.
        end_lsn: Lsn,
        /// When the transaction committed.
        commit_ts: PgTimestamp,
    },
    /// `A` (protocol 2): a streamed transaction or one of its subtransactions aborted; drop
    /// the changes of `subxid` (the whole transaction when `subxid == xid`).
    StreamAbort {
        /// The top-level transaction.
        xid: u32,
        /// The aborted subtransaction, or `xid` itself.
        subxid: u32,
        /// The LSN of the abort (protocol 4 with `streaming = parallel` only).
        abort_lsn: Option<Lsn>,
        /// When it aborted (protocol 4 with `streaming = parallel` only).
        abort_ts: Option<PgTimestamp>,
    },
    /// `b` (protocol 3, `two_phase`): a transaction prepared with `PREPARE TRANSACTION` starts.
    BeginPrepare {
        /// The LSN of the prepare record.
        prepare_lsn: Lsn,
        /// The LSN just past it.
        end_lsn: Lsn,
        /// When it was prepared.
        prepare_ts: PgTimestamp,
        /// The transaction id.
        xid: u32,
        /// The global identifier given to `PREPARE TRANSACTION`.
        gid: String,
    },
    /// `P` (protocol 3): the transaction opened by [`Message::BeginPrepare`] is prepared.
    Prepare(PrepareInfo),
    /// `K` (protocol 3): a prepared transaction committed (`COMMIT PREPARED`).
    CommitPrepared(PrepareInfo),
    /// `r` (protocol 3): a prepared transaction rolled back (`ROLLBACK PREPARED`).
    RollbackPrepared {
        /// Unused by PostgreSQL (0).
        flags: u8,
        /// The end LSN of the prepared transaction.
        prepare_end_lsn: Lsn,
        /// The end LSN of the rollback.
        rollback_end_lsn: Lsn,
        /// When it was prepared.
        prepare_ts: PgTimestamp,
        /// When it was rolled back.
        rollback_ts: PgTimestamp,
        /// The transaction id.
        xid: u32,
        /// The global identifier.
        gid: String,
    },
    /// `p` (protocol 3): a streamed transaction is prepared.
    StreamPrepare(PrepareInfo),
}

/// The body shared by `Prepare`, `Commit Prepared` and `Stream Prepare`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareInfo {
    /// Unused by PostgreSQL (0).
    pub flags: u8,
    /// The LSN of the prepare (or commit) record.
    pub lsn: Lsn,
    /// The LSN just past it.
    pub end_lsn: Lsn,
    /// When the transaction was prepared (or committed).
    pub ts: PgTimestamp,
    /// The transaction id.
    pub xid: u32,
    /// The global identifier.
    pub gid: String,
}

/// A table's layout as pgoutput describes it (`R`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The (sub)transaction that made the change (protocol 2, inside a streamed block only).
    pub xid: Option<u32>,
    /// The table's OID, which later changes refer to.
    pub relid: u32,
    /// Its schema (empty for `pg_catalog`).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Which old values updates and deletes carry.
    pub replica_identity: ReplicaIdentity,
    /// The published columns, in the order tuples list them.
    pub columns: Vec<RelationColumn>,
}

/// `REPLICA IDENTITY` of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaIdentity {
    /// `d`: the primary key.
    Default,
    /// `n`: nothing.
    Nothing,
    /// `f`: all columns.
    Full,
    /// `i`: the columns of a chosen unique index.
    Index,
}

/// One column of a [`Relation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationColumn {
    /// Bit 1 set: the column is part of the replica identity key.
    pub flags: u8,
    /// The column's name.
    pub name: String,
    /// Its type's OID.
    pub type_oid: u32,
    /// Its type modifier (`atttypmod`, -1 when none).
    pub type_modifier: i32,
}

impl RelationColumn {
    /// Whether the column is part of the key that old tuples of kind `K` carry.
    pub fn is_key(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The old values of an updated or deleted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OldTuple {
    /// `K`: the key columns only (others are [`Value::Null`]).
    Key(Tuple),
    /// `O`: the whole old row (`REPLICA IDENTITY FULL`).
    Full(Tuple),
}

impl OldTuple {
    /// The values, whichever kind.
    pub fn tuple(&self) -> &Tuple {
        match self {
            OldTuple::Key(t) | OldTuple::Full(t) => t,
        }
    }
}

/// A row: one [`Value`] per column of the relation, in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuple(pub Vec<Value>);

/// One column value of a [`Tuple`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `n`: SQL NULL.
    Null,
    /// `u`: a TOASTed value the change did not touch; the target keeps its current value.
    UnchangedToast,
    /// `t`: the value in the type's text output format.
    Text(Bytes),
    /// `b`: the value in the type's binary format (`binary` option).
    Binary(Bytes),
}

/// The options of a `TRUNCATE` (`T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TruncateOptions {
    /// `CASCADE` (bit 1).
    pub cascade: bool,
    /// `RESTART IDENTITY` (bit 2).
    pub restart_identity: bool,
}

impl TruncateOptions {
    /// The options from the wire bits; other bits are ignored.
    pub fn from_bits(bits: u8) -> Self {
        TruncateOptions { cascade: bits & 1 != 0, restart_identity: bits & 2 != 0 }
    }
}
