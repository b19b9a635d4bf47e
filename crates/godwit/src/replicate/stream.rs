//! One replication session: the slot's stream, decoded and applied, until it is asked to stop
//! or fails.
//!
//! The session starts at the position recorded in `_godwit.replication` (`START_REPLICATION
//! SLOT .. LOGICAL <applied>`) with pgoutput protocol 2 and `streaming 'on'` when
//! `stream_in_progress` is asked for (PostgreSQL 14+), protocol 1 otherwise, and reports that same position as flushed until a group commits on the
//! target; only then is the standby status `flush` raised to the group's end LSN. Every
//! message, Begin and Commit included, is decoded by [`crate::cdc::pgoutput`].
//!
//! PostgreSQL behaviour relied on:
//!
//! - transactions that fit in the walsender's `logical_decoding_work_mem` arrive whole and in
//!   commit order, each between its Begin and Commit; larger ones arrive while in progress, in
//!   chunks (Stream Start .. Stream Stop) interleaved with the others, and are held by
//!   [`super::spill`] until their Stream Commit, which takes their place in commit order (or
//!   their Stream Abort drops them, or one subtransaction's part);
//! - a slot resends every transaction whose commit the client has not confirmed, so after a
//!   crash between the target commit and the acknowledgement, transactions already applied
//!   come again: those whose commit record starts before the recorded end LSN
//!   (`final_lsn`/`commit_lsn < applied`) are skipped, their Relation messages still learned;
//!   a streamed transaction in progress at a crash is streamed again from its start;
//! - with no transaction open and no streamed chunk open, a keepalive's `wal_end` may be
//!   confirmed: every transaction committed before it has been sent (a streamed transaction
//!   still in progress commits after it, so it is sent again whole should the session end),
//!   and the slot does not hold WAL for tables outside the publication (PostgreSQL's own apply
//!   worker does the same);
//! - the walsender ends a session that sends no status for `wal_sender_timeout` (60 s by
//!   default), so a status goes out at least every [`STATUS_IDLE`], also while a large
//!   streamed transaction is being applied;
//! - values are text in the walsender session's output format, so the session pins
//!   `DateStyle`, `IntervalStyle`, `extra_float_digits`, `bytea_output` and `TimeZone` with
//!   startup options, and the apply session reads them under the same settings.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::FutureExt;

use super::apply::Applier;
use super::checkpoint::SourceAt;
use super::drift;
use super::held::{self, Change, HELD_BUFFER, Held, Layout};
use super::shapes::{Shapes, Target};
use super::spill::Spill;
use super::{ReplicateOptions, Totals};
use crate::cdc::lsn::Lsn;
use crate::cdc::pgoutput::{self, Context, Decoder, Message, Streaming};
use crate::cdc::transport::Transport;
use crate::cdc::transport::codec::{Replication, StandbyStatus, pg_now};
use crate::conn::ConnParams;
use crate::dialect::{quote_ident, quote_literal};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, EventSink};

/// Startup options of the replication session: text output that reads back exactly.
const SESSION_OPTIONS: &str = "-c datestyle=ISO,YMD -c intervalstyle=postgres \
    -c extra_float_digits=3 -c bytea_output=hex -c timezone=UTC";

/// How often a raised flush position is sent at most.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);

/// How long the session goes without sending a status at most.
const STATUS_IDLE: Duration = Duration::from_secs(10);

/// Messages of a streamed transaction applied between two checks whether a status is due.
const REPLAY_CHECK: usize = 4096;

/// A session that failed, and the source transaction it failed in (its commit LSN), if any.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) transaction: Option<Lsn>,
}

/// The future that asks replication to stop.
pub(crate) type Stop<'a> = Pin<&'a mut (dyn Future<Output = ()> + Send)>;

/// A session's state between messages.
struct Session<'a> {
    opts: &'a ReplicateOptions,
    /// Where the `replication` progress events go.
    events: &'a dyn EventSink,
    /// The slot streamed (for the events).
    slot: String,
    /// The last progress event.
    shown: Shown,
    transport: Transport,
    applier: &'a mut Applier,
    shapes: Shapes,
    decoder: Decoder,
    streaming: Streaming,
    spill: Spill,
    /// The transaction whose streamed chunk is open (Stream Start .. Stream Stop).
    chunk: Option<u32>,
    /// Transactions whose commit starts before this were applied before the session started.
    from: Lsn,
    in_transaction: bool,
    skipping: bool,
    /// The commit LSN of the current transaction (from Begin or Stream Commit).
    final_lsn: Lsn,
    /// Streamed transactions in the open group.
    streamed_in_group: u64,
    /// End the session (committing what is complete) at the first transaction committing at
    /// or after this LSN.
    until: Option<Lsn>,
    /// The `until` bound was reached.
    reached: bool,
    totals: &'a mut Totals,
    /// The flush position last sent, and when.
    sent: (Lsn, Instant),
    /// Events of tables paused or resumed in the open group, emitted once it commits.
    announce: Vec<Event>,
    /// When paused tables were last checked for a fixed target.
    checked_at: Instant,
}

/// When the last progress event was emitted, and the totals it showed.
#[derive(Debug, Clone, Copy)]
struct Shown {
    at: Instant,
    transactions: u64,
    rows: u64,
}

/// Progress events are emitted about this often.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// Where a session starts and ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds<'a> {
    pub(crate) slot: &'a str,
    pub(crate) publication: &'a str,
    /// Stop (`Ok`) before the first transaction that commits at or after this LSN.
    pub(crate) until: Option<Lsn>,
}

/// Stream the slot from `totals.applied` and apply it until `stop` resolves or the `until`
/// bound is reached (`Ok`) or something fails (`Err`; the open target transaction is rolled
/// back, unless it holds only complete source transactions and the session was stopped).
pub(crate) async fn run(
    source: &ConnParams,
    bounds: Bounds<'_>,
    applier: &mut Applier,
    (opts, events): (&ReplicateOptions, &dyn EventSink),
    totals: &mut Totals,
    stop: &mut Stop<'_>,
) -> std::result::Result<(), Failure> {
    let failed = |error| Failure { error, transaction: None };
    let paused = held::paused(applier.client(), bounds.slot).await.map_err(failed)?;
    let next_seq = held::next_seq(applier.client(), bounds.slot).await.map_err(failed)?;
    applier.ledger().number_from(next_seq);
    let mut transport = Transport::connect(source, Some(SESSION_OPTIONS)).await.map_err(failed)?;
    let streaming = match transport.server_major() {
        Some(major) if major >= 14 && opts.stream_in_progress => Streaming::On,
        _ => Streaming::Off,
    };
    let sql = start_sql(bounds.slot, bounds.publication, totals.applied, streaming);
    transport.start_copy_both(&sql).await.map_err(failed)?;
    let shapes = Shapes::new(opts, paused, applier.dialect());
    let mut session = Session {
        opts,
        events,
        slot: bounds.slot.to_owned(),
        shown: Shown { at: Instant::now(), transactions: totals.transactions, rows: totals.rows },
        transport,
        from: totals.applied,
        applier,
        shapes,
        decoder: Decoder::new(streaming),
        streaming,
        spill: Spill::new(opts.spill_bytes),
        chunk: None,
        in_transaction: false,
        skipping: false,
        final_lsn: Lsn::ZERO,
        streamed_in_group: 0,
        until: bounds.until,
        reached: false,
        sent: (totals.applied, Instant::now()),
        totals,
        announce: Vec::new(),
        checked_at: Instant::now() - drift::CHECK_EVERY,
    };
    let result = session.pump(stop).await;
    let transaction = session.in_transaction.then_some(session.final_lsn);
    if let Err(error) = result {
        if super::apply::copy_conflict(&error) {
            // The next session replays with upserts up to the transaction open now and, beyond
            // it, the whole backlog the source has reported: a target that diverged (a fetch
            // resumed from a later snapshot) tends to conflict all through that stretch, and
            // one reconnect then covers it rather than one per conflicting transaction.
            let t = &mut session.totals;
            t.upserts_through = t.upserts_through.max(session.final_lsn).max(t.source_end);
        }
        session.applier.abandon().await;
        return Err(Failure { error, transaction });
    }
    // Confirm the final position, then end the stream: the server has processed the status
    // once it answers the CopyDone. Failing here loses nothing (the target has the position).
    let _ = session.report(true).await;
    let _ = session.transport.finish().await;
    Ok(())
}

/// The `START_REPLICATION` command for `slot` and `publication` from `from`.
fn start_sql(slot: &str, publication: &str, from: Lsn, streaming: Streaming) -> String {
    let template = match streaming {
        Streaming::Off => include_str!("stream/start_v1.sql"),
        Streaming::On | Streaming::Parallel => include_str!("stream/start_v2.sql"),
    };
    template
        .trim_end()
        .replace("{slot}", &quote_ident(slot))
        .replace("{lsn}", &from.to_pg_string())
        .replace("{publications}", &quote_literal(&quote_ident(publication)))
}

impl Session<'_> {
    /// Handle the stream until stopped or failed.
    async fn pump(&mut self, stop: &mut Stop<'_>) -> Result<()> {
        let mut next: Option<Replication> = None;
        loop {
            let item = match next.take() {
                Some(item) => item,
                None => match self.wait(stop).await? {
                    Some(item) => item,
                    None => return self.stop().await,
                },
            };
            let committed_source = self.handle(item).await?;
            if self.reached {
                return Ok(());
            }
            if committed_source && self.applier.is_open() {
                if self.applier.due(self.opts.group_max_rows, self.opts.group_max_delay) {
                    self.commit().await?;
                } else {
                    // Nothing more waiting: commit now rather than hold the group open.
                    match self.transport.recv().now_or_never() {
                        Some(received) => next = Some(ended(received)?),
                        None => self.commit().await?,
                    }
                }
            }
            self.report(false).await?;
        }
    }

    /// The next message of the stream, or `None` when `stop` resolved. Commits an open group
    /// whose age is up while waiting between source transactions, and sends statuses when due.
    async fn wait(&mut self, stop: &mut Stop<'_>) -> Result<Option<Replication>> {
        loop {
            let deadline = self
                .applier
                .deadline(self.opts.group_max_delay)
                .filter(|_| !self.in_transaction)
                .map(tokio::time::Instant::from_std);
            let resume_at = self.idle_check_at().map(tokio::time::Instant::from_std);
            let raised = self.totals.acked > self.sent.0;
            let status_at = self.sent.1 + if raised { STATUS_INTERVAL } else { STATUS_IDLE };
            // While messages are already waiting and no timer is due, take the next one
            // without arming the timers (most of a busy stream's messages go this way).
            let now = tokio::time::Instant::now();
            let due = |at: Option<tokio::time::Instant>| at.is_some_and(|at| at <= now);
            if !due(deadline) && !due(resume_at) && tokio::time::Instant::from_std(status_at) > now
            {
                if stop.as_mut().now_or_never().is_some() {
                    return Ok(None);
                }
                if let Some(received) = self.transport.recv().now_or_never() {
                    return ended(received).map(Some);
                }
            }
            tokio::select! {
                biased;
                () = stop.as_mut() => return Ok(None),
                () = sleep_until(deadline) => self.commit().await?,
                () = sleep_until(resume_at) => self.resume_idle().await?,
                () = tokio::time::sleep_until(status_at.into()) => self.report(false).await?,
                received = self.transport.recv() => return ended(received).map(Some),
            }
        }
    }

    /// Handle one message of the stream; `true` when a source transaction committed.
    async fn handle(&mut self, item: Replication) -> Result<bool> {
        match item {
            Replication::XLogData { data, wal_end, .. } => {
                self.totals.source_end = self.totals.source_end.max(wal_end);
                self.xlog(data).await
            }
            Replication::Keepalive { wal_end, reply, .. } => {
                self.totals.source_end = self.totals.source_end.max(wal_end);
                let idle = !self.in_transaction && self.chunk.is_none() && !self.applier.is_open();
                if idle && wal_end > self.totals.acked {
                    self.totals.acked = wal_end;
                }
                if reply {
                    self.report(true).await?;
                }
                Ok(false)
            }
        }
    }

    /// One pgoutput message: changes inside a streamed chunk are held, transaction boundaries
    /// and streamed chunks handled here, the rest in [`Session::message`].
    async fn xlog(&mut self, data: Bytes) -> Result<bool> {
        if let Some((top, sub)) = self.chunk.zip(streamed_xid(&data)) {
            // Held as bytes; decoded (and checked) when its transaction commits.
            let before = self.spill.spilled_bytes();
            self.spill.push(top, sub, &data)?;
            self.totals.spilled_bytes += self.spill.spilled_bytes() - before;
            return Ok(false);
        }
        match self.decoder.decode(data)? {
            Message::Begin { final_lsn, .. } => self.begin(final_lsn).await?,
            Message::Commit { end_lsn, commit_ts, .. } => {
                self.totals.pending_commit_us = commit_ts.unix_micros();
                self.end(end_lsn)?;
                return Ok(true);
            }
            Message::StreamStart { xid, .. } => self.chunk = Some(xid),
            Message::StreamStop => self.chunk = None,
            Message::StreamAbort { xid, subxid, .. } => self.spill.abort(xid, subxid),
            Message::StreamCommit { xid, commit_lsn, end_lsn, commit_ts, .. } => {
                self.totals.pending_commit_us = commit_ts.unix_micros();
                return self.streamed(xid, commit_lsn, end_lsn).await;
            }
            message => self.message(message).await?,
        }
        Ok(false)
    }

    /// A source transaction committing at `final_lsn` starts (or the `until` bound is hit).
    async fn begin(&mut self, final_lsn: Lsn) -> Result<()> {
        if self.until.is_some_and(|until| final_lsn >= until) {
            self.commit().await?;
            self.reached = true;
            return Ok(());
        }
        self.in_transaction = true;
        self.final_lsn = final_lsn;
        self.skipping = final_lsn < self.from;
        if self.skipping {
            self.totals.skipped += 1;
        } else {
            self.applier.copy_inserts(final_lsn > self.totals.upserts_through);
            if !self.applier.is_open() && self.resume_due() {
                self.checked_at = Instant::now();
                let slot = self.slot.clone();
                let resumed = drift::resume_fixed(self.applier, &mut self.shapes, &slot).await?;
                self.announce.extend(resumed);
            }
            self.applier.begin().await?;
        }
        Ok(())
    }

    /// When paused tables are due for a check while the stream is idle (no source transaction
    /// or group open), if any are paused.
    fn idle_check_at(&self) -> Option<Instant> {
        let idle = !self.in_transaction && self.chunk.is_none() && !self.applier.is_open();
        (idle && !self.shapes.paused().is_empty()).then(|| self.checked_at + drift::CHECK_EVERY)
    }

    /// Check the paused tables between source transactions; one that resumes has its held
    /// changes applied in a group of their own, at the position already applied.
    async fn resume_idle(&mut self) -> Result<()> {
        self.checked_at = Instant::now();
        let slot = self.slot.clone();
        let resumed = drift::resume_fixed(self.applier, &mut self.shapes, &slot).await?;
        self.announce.extend(resumed);
        if self.applier.is_open() {
            self.applier.end_idle(self.totals.applied);
            self.commit().await?;
        }
        Ok(())
    }

    /// Whether paused tables are to be checked for a fixed target now.
    fn resume_due(&self) -> bool {
        !self.shapes.paused().is_empty()
            && (self.shapes.any_fresh() || self.checked_at.elapsed() >= drift::CHECK_EVERY)
    }

    /// The current source transaction is complete; it ends at `end_lsn`.
    fn end(&mut self, end_lsn: Lsn) -> Result<()> {
        self.in_transaction = false;
        if !std::mem::take(&mut self.skipping) {
            self.applier.end(end_lsn)?;
        }
        Ok(())
    }

    /// Stream Commit: apply the held messages of `xid` as one source transaction.
    async fn streamed(&mut self, xid: u32, commit_lsn: Lsn, end_lsn: Lsn) -> Result<bool> {
        let mut replay = self.spill.take(xid)?;
        self.begin(commit_lsn).await?;
        if self.reached {
            return Ok(false);
        }
        let ctx = Context { in_stream: true, streaming: self.streaming };
        let mut replayed = 0usize;
        while let Some(raw) = replay.next_message()? {
            self.message(pgoutput::decode(raw, ctx)?).await?;
            replayed += 1;
            if replayed % REPLAY_CHECK == 0 {
                self.report(false).await?;
            }
        }
        if !self.skipping {
            self.streamed_in_group += 1;
        }
        self.end(end_lsn)?;
        Ok(true)
    }

    /// Apply one decoded pgoutput message of the current transaction.
    async fn message(&mut self, message: Message) -> Result<()> {
        let applies = self.in_transaction && !self.skipping;
        match message {
            Message::Relation(relation) => return self.relation(&relation).await,
            Message::Type { oid, namespace, name, .. } => {
                self.shapes.learn_type(oid, &namespace, &name);
            }
            Message::Insert { relid, new, .. } if applies => match self.shapes.get(relid)? {
                Target::Apply(shape) => {
                    self.applier.ledger().applied(&shape);
                    self.applier.insert(shape, new).await?;
                }
                Target::Hold(layout) => self.hold(layout, Change::Insert(new)).await?,
                Target::Ignore => {}
            },
            Message::Update { relid, old, new, .. } if applies => match self.shapes.get(relid)? {
                Target::Apply(shape) => {
                    self.applier.ledger().applied(&shape);
                    self.applier.update(shape, old, new).await?;
                }
                Target::Hold(layout) => self.hold(layout, Change::Update(old, new)).await?,
                Target::Ignore => {}
            },
            Message::Delete { relid, old, .. } if applies => match self.shapes.get(relid)? {
                Target::Apply(shape) => {
                    self.applier.ledger().applied(&shape);
                    self.applier.delete(shape, old).await?;
                }
                Target::Hold(layout) => self.hold(layout, Change::Delete(old)).await?,
                Target::Ignore => {}
            },
            Message::Truncate { relids, options, .. } if applies => {
                self.truncate(&relids, options).await?;
            }
            Message::Begin { .. }
            | Message::Commit { .. }
            | Message::StreamStart { .. }
            | Message::StreamStop
            | Message::StreamCommit { .. }
            | Message::StreamAbort { .. }
            | Message::BeginPrepare { .. }
            | Message::Prepare(_)
            | Message::CommitPrepared(_)
            | Message::RollbackPrepared { .. }
            | Message::StreamPrepare(_) => {
                return Err(Error::internal(format!(
                    "the replication stream sent a message out of place: {}",
                    kind_of(&message)
                )));
            }
            _ => {}
        }
        Ok(())
    }

    /// A Relation: learn it; a table it pauses is recorded with the group.
    async fn relation(&mut self, relation: &pgoutput::Relation) -> Result<()> {
        let Some(mut pause) = self.shapes.learn(self.applier.client(), relation).await? else {
            return Ok(());
        };
        pause.since = self.final_lsn;
        self.announce.push(Event::TablePaused {
            slot: self.slot.clone(),
            table: format!("{}.{}", pause.schema, pause.name),
            column: pause.column.clone(),
            reason: pause.reason.clone(),
            hint: pause.hint.clone(),
        });
        self.applier.ledger().pause(pause);
        Ok(())
    }

    /// Hold a change of a paused table (written with the group, or before when many).
    async fn hold(&mut self, layout: Arc<Layout>, change: Change) -> Result<()> {
        let held = Held { layout, lsn: self.final_lsn, change };
        self.applier.ledger().hold(&held)?;
        if self.applier.ledger().buffered() >= HELD_BUFFER {
            self.applier.write_held().await?;
        }
        Ok(())
    }

    /// Tables truncated together: applied to those replicating, held for those paused.
    async fn truncate(&mut self, relids: &[u32], options: pgoutput::TruncateOptions) -> Result<()> {
        let mut shapes: Vec<Arc<_>> = Vec::new();
        for relid in relids {
            match self.shapes.get(*relid)? {
                Target::Apply(shape) => shapes.push(shape),
                Target::Hold(layout) => self.hold(layout, Change::Truncate(options)).await?,
                Target::Ignore => {}
            }
        }
        if !shapes.is_empty() {
            for shape in &shapes {
                self.applier.ledger().applied(shape);
            }
            self.applier.truncate(&shapes, options, self.final_lsn).await?;
        }
        Ok(())
    }

    /// Commit the open group; its position is confirmed to the source by the next status.
    /// Then the tables it paused or resumed are announced.
    async fn commit(&mut self) -> Result<()> {
        let commit_us = u64::try_from(self.totals.pending_commit_us).ok().filter(|&us| us > 0);
        let source = SourceAt {
            commit: commit_us.map(|us| std::time::UNIX_EPOCH + Duration::from_micros(us)),
            wal_end: self.totals.source_end,
        };
        if let Some(done) = self.applier.commit(source).await? {
            self.totals.record(done);
            self.totals.streamed += std::mem::take(&mut self.streamed_in_group);
            for event in self.announce.drain(..) {
                self.events.emit(event);
            }
        }
        Ok(())
    }

    /// Emit a `replication` event when one is due (`now`: at once).
    fn progress(&mut self, now: bool) {
        let elapsed = self.shown.at.elapsed();
        if !now && elapsed < PROGRESS_INTERVAL {
            return;
        }
        let t = *self.totals;
        let lag_bytes = t.source_end.0.saturating_sub(t.acked.0);
        let waiting = lag_bytes > 0 && t.source_end > t.applied;
        let lag_seconds = if waiting && t.applied_commit_us > 0 {
            let now_us = pgoutput::PgTimestamp(pg_now()).unix_micros();
            (now_us - t.applied_commit_us).max(0) as f64 / 1e6
        } else {
            0.0
        };
        let seconds = elapsed.as_secs_f64().max(1e-3);
        self.events.emit(Event::Replication {
            slot: self.slot.clone(),
            applied_lsn: t.applied.to_pg_string(),
            source_lsn: t.source_end.max(t.acked).to_pg_string(),
            lag_bytes: if waiting { lag_bytes } else { 0 },
            lag_seconds,
            transactions: t.transactions,
            rows: t.rows,
            transactions_per_second: (t.transactions - self.shown.transactions) as f64 / seconds,
            rows_per_second: (t.rows - self.shown.rows) as f64 / seconds,
            paused_tables: self.shapes.paused().len() as u64,
        });
        self.shown = Shown { at: Instant::now(), transactions: t.transactions, rows: t.rows };
    }

    /// Send a standby status with the confirmed position when one is due (`now`: at once).
    async fn report(&mut self, now: bool) -> Result<()> {
        self.progress(now);
        let flush = self.totals.acked;
        let (sent, at) = self.sent;
        let elapsed = at.elapsed();
        let due = now || (flush > sent && elapsed >= STATUS_INTERVAL) || elapsed >= STATUS_IDLE;
        if !due {
            return Ok(());
        }
        let status =
            StandbyStatus { write: flush, flush, apply: flush, clock: pg_now(), reply: false };
        self.transport.send_status(status).await?;
        self.sent = (flush, Instant::now());
        Ok(())
    }

    /// `stop` resolved: keep what is complete, roll back a half-applied source transaction.
    async fn stop(&mut self) -> Result<()> {
        if self.in_transaction {
            self.streamed_in_group = 0;
            self.applier.rollback().await
        } else {
            self.commit().await
        }
    }
}

/// A message, or the error of a stream the server ended without being asked to.
fn ended(received: Result<Option<Replication>>) -> Result<Replication> {
    received?.ok_or_else(|| {
        Error::new(ErrorKind::Transient, "the replication stream ended without being asked to")
    })
}

/// The (sub)transaction xid of a data message inside a streamed chunk, read from the raw
/// payload: protocol 2 puts it right after the type byte of Relation, Type, Insert, Update,
/// Delete, Truncate and Message (the messages that change nothing in the decoder's state).
fn streamed_xid(payload: &[u8]) -> Option<u32> {
    match payload {
        [b'R' | b'Y' | b'I' | b'U' | b'D' | b'T' | b'M', a, b, c, d, ..] => {
            Some(u32::from_be_bytes([*a, *b, *c, *d]))
        }
        _ => None,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn kind_of(message: &Message) -> &'static str {
    match message {
        Message::Begin { .. } => "Begin",
        Message::Commit { .. } => "Commit",
        Message::StreamStart { .. } => "Stream Start",
        Message::StreamStop => "Stream Stop",
        Message::StreamCommit { .. } => "Stream Commit",
        Message::StreamAbort { .. } => "Stream Abort",
        Message::BeginPrepare { .. } => "Begin Prepare",
        Message::Prepare(_) => "Prepare",
        Message::CommitPrepared(_) => "Commit Prepared",
        Message::RollbackPrepared { .. } => "Rollback Prepared",
        Message::StreamPrepare(_) => "Stream Prepare",
        _ => "another message",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_commands_ask_for_streaming_only_where_it_exists() {
        let v2 = start_sql("godwit_s", "godwit_p", Lsn(0x1_0000_00A0), Streaming::On);
        assert_eq!(
            v2,
            "START_REPLICATION SLOT \"godwit_s\" LOGICAL 1/A0 (proto_version '2', \
             streaming 'on', publication_names '\"godwit_p\"')"
        );
        let v1 = start_sql("s", "p", Lsn::ZERO, Streaming::Off);
        assert_eq!(
            v1,
            "START_REPLICATION SLOT \"s\" LOGICAL 0/0 (proto_version '1', \
             publication_names '\"p\"')"
        );
        assert!(!v1.contains("messages"));
    }

    #[test]
    fn streamed_changes_are_routed_by_the_xid_after_their_type() {
        assert_eq!(streamed_xid(&[b'I', 0, 0, 2, 1, b'x']), Some(513));
        assert_eq!(streamed_xid(&[b'R', 0, 0, 0, 9]), Some(9));
        assert_eq!(streamed_xid(&[b'c', 0, 0, 0, 9]), None);
        assert_eq!(streamed_xid(b"E"), None);
        assert_eq!(streamed_xid(&[b'I', 0, 0]), None);
    }
}
