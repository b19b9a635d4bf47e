//! Streamed in-progress transactions, held until the source says how they end.
//!
//! With `streaming 'on'` (pgoutput protocol 2), PostgreSQL sends a transaction that outgrows
//! its `logical_decoding_work_mem` before it commits, in chunks (Stream Start .. Stream Stop)
//! that interleave with other transactions; Stream Commit says to apply it (in that commit's
//! place in commit order), Stream Abort drops it or one of its subtransactions. Its changes
//! therefore wait here: the raw pgoutput message of each change (and each Relation or Type
//! message, which describe the changes after them) with the xid of the subtransaction that made
//! it, in arrival order.
//!
//! Up to `budget` bytes of all streamed transactions together are held in memory; past that a
//! transaction's further messages go to a temporary file of its own (length-prefixed frames:
//! `u32` length, `u32` subtransaction xid, message bytes), so memory stays bounded whatever the
//! size of the transaction. The files are unlinked at creation (`tempfile::tempfile`): they
//! vanish when the transaction is applied, aborted or dropped, and when godwit dies.
//!
//! File I/O is plain blocking I/O through large buffers: appends and sequential reads of the
//! page cache, short next to the network and SQL work around them.
//!
//! An aborted subtransaction's messages are skipped at replay, Relation messages included —
//! as PostgreSQL's own apply worker does by truncating its file at the subtransaction's first
//! change (everything after that point belongs to the subtransaction or its children, which
//! abort with it and are named by Stream Aborts of their own).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use bytes::Bytes;

use crate::error::{Error, Result};

/// Bytes counted per message held in memory besides the message itself (allocation and queue
/// entry), so that many tiny messages cannot exceed the budget unseen.
const FRAME_OVERHEAD: usize = 64;

/// Buffer of each spill file, for writing and for reading back.
const FILE_BUFFER: usize = 256 * 1024;

/// The streamed transactions in progress.
#[derive(Debug)]
pub(crate) struct Spill {
    budget: usize,
    in_memory: usize,
    held: HashMap<u32, Held>,
    spilled_bytes: u64,
}

/// One streamed transaction's messages so far.
#[derive(Debug, Default)]
struct Held {
    memory: VecDeque<(u32, Bytes)>,
    memory_bytes: usize,
    file: Option<BufWriter<File>>,
    file_frames: u64,
    aborted: HashSet<u32>,
}

impl Spill {
    /// Nothing held; at most `budget` bytes will be held in memory.
    pub(crate) fn new(budget: usize) -> Self {
        Spill { budget, in_memory: 0, held: HashMap::new(), spilled_bytes: 0 }
    }

    /// Hold `message` of transaction `xid`, made by its subtransaction `subxid` (equal to
    /// `xid` for the top level).
    pub(crate) fn push(&mut self, xid: u32, subxid: u32, message: &[u8]) -> Result<()> {
        let cost = message.len() + FRAME_OVERHEAD;
        let held = self.held.entry(xid).or_default();
        if held.file.is_none() && self.in_memory + cost <= self.budget {
            held.memory.push_back((subxid, Bytes::copy_from_slice(message)));
            held.memory_bytes += cost;
            self.in_memory += cost;
            return Ok(());
        }
        let file = match &mut held.file {
            Some(file) => file,
            None => held.file.insert(BufWriter::with_capacity(FILE_BUFFER, new_file()?)),
        };
        let len = u32::try_from(message.len())
            .map_err(|_| Error::internal("a streamed change larger than 4 GiB"))?;
        let written = file
            .write_all(&len.to_be_bytes())
            .and_then(|()| file.write_all(&subxid.to_be_bytes()))
            .and_then(|()| file.write_all(message));
        written.map_err(|e| Error::io("writing a streamed transaction to a temporary file", e))?;
        held.file_frames += 1;
        self.spilled_bytes += u64::try_from(message.len() + 8).unwrap_or(u64::MAX);
        Ok(())
    }

    /// Stream Abort: drop transaction `xid` entirely (`subxid == xid`) or its subtransaction
    /// `subxid`. Unknown transactions are ignored (nothing of them was held).
    pub(crate) fn abort(&mut self, xid: u32, subxid: u32) {
        if subxid == xid {
            if let Some(held) = self.held.remove(&xid) {
                self.in_memory -= held.memory_bytes;
            }
            return;
        }
        let Some(held) = self.held.get_mut(&xid) else { return };
        held.aborted.insert(subxid);
        let before = held.memory_bytes;
        held.memory.retain(|(sub, _)| *sub != subxid);
        held.memory_bytes =
            held.memory.iter().map(|(_, m)| m.len() + FRAME_OVERHEAD).sum::<usize>();
        self.in_memory -= before - held.memory_bytes;
    }

    /// Stream Commit: hand over transaction `xid`'s messages in order, without those of
    /// aborted subtransactions (nothing when none were held).
    pub(crate) fn take(&mut self, xid: u32) -> Result<Replay> {
        let Some(held) = self.held.remove(&xid) else { return Ok(Replay::default()) };
        self.in_memory -= held.memory_bytes;
        let file = match held.file {
            Some(writer) => {
                let mut file = writer.into_inner().map_err(|e| {
                    Error::io("writing a streamed transaction to a temporary file", e.into_error())
                })?;
                file.seek(SeekFrom::Start(0))
                    .map_err(|e| Error::io("rewinding a streamed transaction's file", e))?;
                Some(BufReader::with_capacity(FILE_BUFFER, file))
            }
            None => None,
        };
        Ok(Replay {
            memory: held.memory,
            file,
            file_frames: held.file_frames,
            aborted: held.aborted,
        })
    }

    /// Whether any streamed transaction is held (begun and neither committed nor aborted).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Bytes held in memory now.
    #[cfg(test)]
    pub(crate) fn in_memory(&self) -> usize {
        self.in_memory
    }

    /// Bytes written to temporary files so far.
    pub(crate) fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }
}

/// A committed streamed transaction's messages, read back in order.
#[derive(Debug, Default)]
pub(crate) struct Replay {
    memory: VecDeque<(u32, Bytes)>,
    file: Option<BufReader<File>>,
    file_frames: u64,
    aborted: HashSet<u32>,
}

impl Replay {
    /// The next message that was not aborted, or `None` at the end.
    pub(crate) fn next_message(&mut self) -> Result<Option<Bytes>> {
        while let Some((subxid, message)) = self.memory.pop_front() {
            if !self.aborted.contains(&subxid) {
                return Ok(Some(message));
            }
        }
        while self.file_frames > 0 {
            self.file_frames -= 1;
            let Some(file) = self.file.as_mut() else { return Ok(None) };
            let (subxid, message) = read_frame(file)
                .map_err(|e| Error::io("reading a streamed transaction's temporary file", e))?;
            if !self.aborted.contains(&subxid) {
                return Ok(Some(message));
            }
        }
        Ok(None)
    }
}

fn read_frame(file: &mut BufReader<File>) -> std::io::Result<(u32, Bytes)> {
    let mut header = [0u8; 8];
    file.read_exact(&mut header)?;
    let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let subxid = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let mut message = vec![0u8; len];
    file.read_exact(&mut message)?;
    Ok((subxid, Bytes::from(message)))
}

fn new_file() -> Result<File> {
    tempfile::tempfile().map_err(|e| {
        Error::io("creating a temporary file for a streamed transaction", e)
            .with_hint("set TMPDIR to a directory with room for the largest source transaction")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut replay: Replay) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(m) = replay.next_message().unwrap() {
            out.push(m.to_vec());
        }
        out
    }

    #[test]
    fn messages_come_back_in_order_across_memory_and_file() {
        let mut spill = Spill::new(3 * (FRAME_OVERHEAD + 1));
        for i in 0..10u8 {
            spill.push(7, 7, &[i]).unwrap();
        }
        assert_eq!(spill.in_memory(), 3 * (FRAME_OVERHEAD + 1));
        assert_eq!(spill.spilled_bytes(), 7 * 9);
        let replay = spill.take(7).unwrap();
        assert_eq!(spill.in_memory(), 0);
        assert!(spill.is_empty());
        assert_eq!(drain(replay), (0..10u8).map(|i| vec![i]).collect::<Vec<_>>());
    }

    #[test]
    fn the_budget_is_shared_and_other_transactions_spill() {
        let mut spill = Spill::new(2 * (FRAME_OVERHEAD + 2));
        spill.push(1, 1, b"a1").unwrap();
        spill.push(2, 2, b"b1").unwrap();
        spill.push(1, 1, b"a2").unwrap();
        spill.push(2, 2, b"b2").unwrap();
        assert_eq!(spill.spilled_bytes(), 20);
        spill.abort(1, 1);
        assert_eq!(spill.in_memory(), FRAME_OVERHEAD + 2);
        // Freed memory is used again, but never by a transaction that already spilled.
        spill.push(3, 3, b"c1").unwrap();
        spill.push(2, 2, b"b3").unwrap();
        assert_eq!(spill.in_memory(), 2 * (FRAME_OVERHEAD + 2));
        assert_eq!(drain(spill.take(2).unwrap()), [b"b1".to_vec(), b"b2".to_vec(), b"b3".to_vec()]);
        assert_eq!(drain(spill.take(3).unwrap()), [b"c1".to_vec()]);
        assert!(drain(spill.take(1).unwrap()).is_empty());
    }

    #[test]
    fn aborted_subtransactions_are_skipped_in_memory_and_on_disk() {
        let mut spill = Spill::new(2 * (FRAME_OVERHEAD + 2));
        spill.push(5, 5, b"t1").unwrap();
        spill.push(5, 6, b"s1").unwrap();
        spill.push(5, 6, b"s2").unwrap();
        spill.push(5, 5, b"t2").unwrap();
        spill.push(5, 8, b"u1").unwrap();
        spill.abort(5, 6);
        spill.abort(5, 9);
        spill.abort(4, 4);
        assert_eq!(spill.in_memory(), FRAME_OVERHEAD + 2);
        assert_eq!(drain(spill.take(5).unwrap()), [b"t1".to_vec(), b"t2".to_vec(), b"u1".to_vec()]);
    }
}
