//! Events the library emits while it works; the CLI decides how they look.
//!
//! The library never writes to the terminal. Long operations report progress as [`Event`]s
//! through an [`EventSink`]; the CLI renders them as readable lines (or bars) on a TTY and as
//! JSON lines otherwise. Events never carry passwords or row values.

/// Something that happened, worth telling the person running godwit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A step of a longer job started (`phase` is a short machine name, `message` for people).
    Step {
        /// Short machine-readable phase name, e.g. `cluster`, `load`, `inspect`.
        phase: String,
        /// What is being done, for people.
        message: String,
    },
    /// A step finished, with how long it took.
    Done {
        /// The phase of the matching [`Event::Step`].
        phase: String,
        /// What was achieved.
        message: String,
        /// Wall-clock seconds.
        seconds: f64,
    },
    /// Something worth knowing that does not stop the job.
    Warning {
        /// What happened and what to do about it.
        message: String,
    },
    /// A server of the running command accepts connections (e.g. the Prometheus endpoint);
    /// emitted once it is bound, so a port chosen by the system (`:0`) is known.
    Listening {
        /// What is served, e.g. `metrics`.
        service: String,
        /// Where, e.g. `http://127.0.0.1:9187/metrics`.
        url: String,
    },
    /// A fetch run knows its work: tables and shards still to copy in this run.
    FetchStarted {
        /// The run id, as stored in `_godwit.runs`.
        run_id: String,
        /// Tables with shards to copy in this run.
        tables: u64,
        /// Shards to copy in this run (a resumed run counts only the unfinished ones).
        shards: u64,
    },
    /// The first shard of a table started copying.
    TableStarted {
        /// `schema.name`.
        table: String,
        /// Shards of this table to copy in this run.
        shards: u64,
        /// The planner's row estimate for the whole table; `None` when unknown.
        rows_estimate: Option<u64>,
    },
    /// Rows and bytes moved so far for one table (emitted about every 250 ms while they
    /// change, and once more with the exact totals just before [`Event::TableDone`]).
    Progress {
        /// The phase, e.g. `fetch`.
        phase: String,
        /// `schema.name`.
        table: String,
        /// Rows so far. Approximate while shards are in flight (counted per COPY message);
        /// exact once they commit, and never counts a failed attempt.
        rows: u64,
        /// Bytes of COPY data so far.
        bytes: u64,
        /// The row estimate of [`Event::TableStarted`], repeated for stateless consumers.
        rows_estimate: Option<u64>,
        /// Seconds since the table started.
        seconds: f64,
    },
    /// One shard finished: copied and committed, skipped (already done by another run) or
    /// failed (after retries; a [`Event::Warning`] says why).
    ShardDone {
        /// `schema.name`.
        table: String,
        /// Shard number within the table.
        shard: i32,
        /// How it ended.
        status: ShardStatus,
        /// Rows committed (0 unless copied).
        rows: u64,
        /// Bytes of COPY data committed (0 unless copied).
        bytes: u64,
    },
    /// Every shard of a table in this run is finished.
    TableDone {
        /// `schema.name`.
        table: String,
        /// Shards copied in this run.
        shards: u64,
        /// Rows copied in this run.
        rows: u64,
        /// Bytes of COPY data copied in this run.
        bytes: u64,
        /// Seconds from the first shard's start to the last shard's end.
        seconds: f64,
        /// At least one shard failed.
        failed: bool,
    },
    /// Where replication stands: emitted about once a second while it runs, and once more
    /// when it stops.
    Replication {
        /// The slot streamed.
        slot: String,
        /// The end LSN of the last source transaction committed on the target.
        applied_lsn: String,
        /// The source's WAL end, as its server last reported it.
        source_lsn: String,
        /// WAL bytes between `applied_lsn` and `source_lsn` (0 when caught up).
        lag_bytes: u64,
        /// Seconds since the commit of the last applied source transaction while changes wait
        /// to be applied; 0 when caught up.
        lag_seconds: f64,
        /// Source transactions applied since the command started.
        transactions: u64,
        /// Row changes applied since the command started.
        rows: u64,
        /// Transactions applied per second since the previous event.
        transactions_per_second: f64,
        /// Row changes applied per second since the previous event.
        rows_per_second: f64,
        /// Tables paused by schema drift (their changes held, see [`Event::TablePaused`]).
        paused_tables: u64,
    },
    /// A replicated table's layout on the source no longer fits the target (schema drift):
    /// its changes are held on the target from now on, every other table keeps replicating.
    /// Emitted once the target transaction recording it committed.
    TablePaused {
        /// The slot streamed.
        slot: String,
        /// `schema.name`.
        table: String,
        /// The source column missing on the target; `None` when the whole table is missing.
        column: Option<String>,
        /// What does not fit, for people.
        reason: String,
        /// The fix to apply on the target (e.g. the `ALTER TABLE .. ADD COLUMN` statement);
        /// the table then resumes by itself.
        hint: String,
    },
    /// A paused table fits the target again: its held changes were applied (first, in order)
    /// and it replicates again. Emitted once that target transaction committed.
    TableResumed {
        /// The slot streamed.
        slot: String,
        /// `schema.name`.
        table: String,
        /// Held changes applied.
        replayed: u64,
    },
}

/// How a shard ended, in [`Event::ShardDone`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardStatus {
    /// Rows copied and the shard marked `done`, in one committed target transaction.
    Copied,
    /// Another run had already finished the shard; nothing was written.
    Skipped,
    /// The shard could not be copied; it is marked `failed`.
    Failed,
}

/// Receives events.
///
/// Contract: `emit` is called from any task or thread, in the order events happen within one
/// task; it must return quickly and must not block on I/O that can stall (renderers buffer).
pub trait EventSink: Send + Sync {
    /// Deliver one event.
    fn emit(&self, event: Event);
}

impl<F: Fn(Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: Event) {
        self(event);
    }
}

/// A sink that drops everything (for library callers that do not care).
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl EventSink for Discard {
    fn emit(&self, _event: Event) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(event: &Event) -> String {
        serde_json::to_string(event).unwrap_or_default()
    }

    #[test]
    fn json_lines_are_tagged_by_event_in_snake_case() {
        let progress = Event::Progress {
            phase: "fetch".into(),
            table: "public.t".into(),
            rows: 10,
            bytes: 2048,
            rows_estimate: None,
            seconds: 0.5,
        };
        assert_eq!(
            json(&progress),
            r#"{"event":"progress","phase":"fetch","table":"public.t","rows":10,"bytes":2048,"rows_estimate":null,"seconds":0.5}"#
        );
        let shard = Event::ShardDone {
            table: "public.t".into(),
            shard: 3,
            status: ShardStatus::Skipped,
            rows: 0,
            bytes: 0,
        };
        assert_eq!(
            json(&shard),
            r#"{"event":"shard_done","table":"public.t","shard":3,"status":"skipped","rows":0,"bytes":0}"#
        );
        let started = Event::FetchStarted { run_id: "fetch-1".into(), tables: 2, shards: 5 };
        assert_eq!(
            json(&started),
            r#"{"event":"fetch_started","run_id":"fetch-1","tables":2,"shards":5}"#
        );
        let done = Event::TableDone {
            table: "s.t".into(),
            shards: 1,
            rows: 7,
            bytes: 70,
            seconds: 1.25,
            failed: true,
        };
        assert_eq!(
            json(&done),
            r#"{"event":"table_done","table":"s.t","shards":1,"rows":7,"bytes":70,"seconds":1.25,"failed":true}"#
        );
        let listening =
            Event::Listening { service: "metrics".into(), url: "http://a/metrics".into() };
        assert_eq!(
            json(&listening),
            r#"{"event":"listening","service":"metrics","url":"http://a/metrics"}"#
        );
    }
}
