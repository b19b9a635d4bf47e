//! Live progress on stderr: one bar per table in flight on a terminal, and the throttle that
//! keeps JSON and plain-text progress lines to a readable rate.
//!
//! The library reports progress as events (about every 250 ms per table in flight, see
//! `godwit::event::Event::Progress`); this module only draws them. Bars live in an indicatif
//! [`MultiProgress`] so other lines (warnings, steps, finished tables) are printed *above*
//! the bars instead of through them, and a table's bar is removed as soon as it is done, so
//! nothing is left on screen when the ledger is printed on stdout.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render::human_bytes;

/// Lets at most one line per key through per `every` (the first one always passes).
#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    last: HashMap<String, Instant>,
}

impl Throttle {
    /// A throttle allowing one line per key per `every`.
    pub fn new(every: Duration) -> Self {
        Throttle { every, last: HashMap::new() }
    }

    /// Whether a line for `key` may be printed at `now`; remembers it when it may.
    pub fn allow(&mut self, key: &str, now: Instant) -> bool {
        match self.last.get_mut(key) {
            Some(last) if now.duration_since(*last) < self.every => false,
            Some(last) => {
                *last = now;
                true
            }
            None => {
                self.last.insert(key.to_owned(), now);
                true
            }
        }
    }

    /// Forget `key` (its table is done), so the map does not grow with finished tables.
    pub fn forget(&mut self, key: &str) {
        self.last.remove(key);
    }
}

/// One bar per table in flight.
#[derive(Debug)]
pub struct Bars {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
}

impl Bars {
    /// Bars drawn on stderr.
    pub fn stderr() -> Self {
        Bars::with_target(ProgressDrawTarget::stderr())
    }

    /// Bars drawn on `target` (hidden in tests).
    pub fn with_target(target: ProgressDrawTarget) -> Self {
        Bars { multi: MultiProgress::with_draw_target(target), bars: HashMap::new() }
    }

    /// Add a bar for `table`: a bar towards the row estimate, or a counter without one.
    pub fn start(&mut self, table: &str, rows_estimate: Option<u64>) {
        let bar = ProgressBar::with_draw_target(rows_estimate, ProgressDrawTarget::hidden())
            .with_style(style(rows_estimate.is_some()))
            .with_prefix(table.to_owned());
        let bar = self.multi.add(bar);
        if let Some(old) = self.bars.insert(table.to_owned(), bar) {
            self.multi.remove(&old);
        }
    }

    /// Move `table`'s bar to `rows`; the estimate grows when the table holds more rows.
    pub fn update(&mut self, table: &str, rows: u64, bytes: u64, seconds: f64) {
        let Some(bar) = self.bars.get(table) else { return };
        if bar.length().is_some_and(|len| rows > len) {
            bar.set_length(rows);
        }
        bar.set_message(rate_message(bytes, seconds));
        bar.set_position(rows);
    }

    /// Show `line` as the status line called `key` (created on first use, replaced after).
    pub fn status(&mut self, key: &str, line: &str) {
        let bar = self.bars.entry(key.to_owned()).or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.multi.add(bar)
        });
        bar.set_message(line.to_owned());
        bar.tick();
    }

    /// Remove `table`'s bar.
    pub fn finish(&mut self, table: &str) {
        if let Some(bar) = self.bars.remove(table) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
    }

    /// Print a line above the bars.
    pub fn println(&self, line: &str) {
        // Hidden or gone terminal: the line is lost either way; nothing better to do.
        let _ = self.multi.println(line);
    }

    /// Remove every bar (end of the command, or an error).
    pub fn clear(&mut self) {
        for (_, bar) in self.bars.drain() {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        let _ = self.multi.clear();
    }

    /// (position, length) of `table`'s bar, for tests.
    #[cfg(test)]
    fn state(&self, table: &str) -> Option<(u64, Option<u64>)> {
        self.bars.get(table).map(|b| (b.position(), b.length()))
    }
}

fn style(known_length: bool) -> ProgressStyle {
    let template = if known_length {
        "{prefix:.bold} [{bar:30}] {human_pos}/{human_len} rows · {msg} · ETA {eta}"
    } else {
        "{prefix:.bold} {human_pos} rows · {msg}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// `12.0 MiB, 3.4 MB/s`: bytes so far and the table's average rate.
pub fn rate_message(bytes: u64, seconds: f64) -> String {
    let size = human_bytes(i64::try_from(bytes).unwrap_or(i64::MAX));
    format!("{size}, {} MB/s", mb_per_s(bytes, seconds))
}

/// Average rate in MB/s (10^6 bytes), one decimal; `0.0` before any time has passed.
pub fn mb_per_s(bytes: u64, seconds: f64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let rate = if seconds > 0.0 { bytes as f64 / 1e6 / seconds } else { 0.0 };
    format!("{rate:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_passes_the_first_line_then_one_per_interval_per_key() {
        let mut t = Throttle::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(t.allow("a", t0));
        assert!(t.allow("b", t0), "keys are independent");
        assert!(!t.allow("a", t0 + Duration::from_millis(250)));
        assert!(!t.allow("a", t0 + Duration::from_millis(999)));
        assert!(t.allow("a", t0 + Duration::from_millis(1000)));
        assert!(!t.allow("a", t0 + Duration::from_millis(1500)), "measured from the last pass");
        t.forget("a");
        assert!(t.allow("a", t0 + Duration::from_millis(1600)), "a forgotten key starts over");
    }

    #[test]
    fn bars_follow_progress_and_grow_past_a_low_estimate() {
        let mut bars = Bars::with_target(ProgressDrawTarget::hidden());
        bars.start("public.a", Some(100));
        bars.start("public.b", None);
        bars.update("public.a", 40, 4096, 1.0);
        bars.update("public.b", 7, 10, 1.0);
        assert_eq!(bars.state("public.a"), Some((40, Some(100))));
        assert_eq!(bars.state("public.b"), Some((7, None)));
        bars.update("public.a", 150, 8192, 2.0);
        assert_eq!(bars.state("public.a"), Some((150, Some(150))), "estimate was low");
        bars.update("public.unknown", 1, 1, 1.0);
        bars.finish("public.a");
        assert_eq!(bars.state("public.a"), None);
        bars.clear();
        assert_eq!(bars.state("public.b"), None);
    }

    #[test]
    fn rate_message_is_readable() {
        assert_eq!(rate_message(3 * 1024 * 1024, 2.0), "3.0 MiB, 1.6 MB/s");
        assert_eq!(rate_message(0, 0.0), "0 B, 0.0 MB/s");
    }
}
