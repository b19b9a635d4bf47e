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
