//! `--metrics-addr`: Prometheus metrics over HTTP while a command runs, fed by the library's
//! events.
//!
//! Why here and why like this:
//!
//! - The library already reports everything worth counting as [`Event`]s, so metrics are one
//!   more consumer of events ([`Tee`] hands each event to the metrics and to the renderer).
//!   The library gets no metrics API and no global state: tests that run fetches in parallel
//!   in one process share nothing. A later command (`replicate`, with lag gauges) adds its
//!   families and one `match` arm per event in [`Registry::observe`]; the server and the
//!   exposition are generic.
//! - No `metrics` facade: its recorder is process-global, which is the state the library must
//!   not have, and a handful of counters and gauges need no more than [`Registry`]. The text
//!   exposition format (version 0.0.4) is written by hand: `# HELP`, `# TYPE`, then one
//!   `name{label="value"} number` line per series, label values escaped (`\\`, `\"`, `\n`).
//! - The HTTP side is hyper's HTTP/1 server on the command's tokio runtime, one task per
//!   connection; it serves `GET /metrics` only and stops when the command ends.
//!
//! Metric names and meanings are documented in `docs/metrics.md`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use godwit::event::{Event, EventSink, ShardStatus};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Only goes up (within one process).
    Counter,
    /// Goes up and down.
    Gauge,
}

/// A metric family: name, help text and type.
#[derive(Debug)]
struct Metric {
    name: &'static str,
    help: &'static str,
    kind: Kind,
}

const FETCH_ROWS: Metric = Metric {
    name: "godwit_fetch_rows_total",
    help: "Rows copied and committed on the target, per table.",
    kind: Kind::Counter,
};
const FETCH_BYTES: Metric = Metric {
    name: "godwit_fetch_bytes_total",
    help: "Bytes of binary COPY data copied and committed on the target, per table.",
    kind: Kind::Counter,
};
const FETCH_SHARDS_DONE: Metric = Metric {
    name: "godwit_fetch_shards_done_total",
    help: "Shards copied and committed, per table.",
    kind: Kind::Counter,
};
const FETCH_SHARDS_FAILED: Metric = Metric {
    name: "godwit_fetch_shards_failed_total",
    help: "Shards that failed after retries (see _godwit.exceptions).",
    kind: Kind::Counter,
};
const FETCH_TABLES_DONE: Metric = Metric {
    name: "godwit_fetch_tables_done",
    help: "Tables whose every shard in this run is finished (failed ones included).",
    kind: Kind::Gauge,
};
const FETCH_TABLES_TOTAL: Metric = Metric {
    name: "godwit_fetch_tables_total",
    help: "Tables with shards to copy in this run.",
    kind: Kind::Gauge,
};

const REPLICATE_LAG_BYTES: Metric = Metric {
    name: "godwit_replicate_lag_bytes",
    help: "WAL bytes between the source's end and the last source transaction applied.",
    kind: Kind::Gauge,
};
const REPLICATE_LAG_SECONDS: Metric = Metric {
    name: "godwit_replicate_lag_seconds",
    help: "Seconds since the commit of the last applied source transaction while changes wait; 0 when caught up.",
    kind: Kind::Gauge,
};
const REPLICATE_APPLIED_LSN: Metric = Metric {
    name: "godwit_replicate_applied_lsn",
    help: "End LSN of the last source transaction committed on the target, as a number.",
    kind: Kind::Gauge,
};
const REPLICATE_TRANSACTIONS: Metric = Metric {
    name: "godwit_replicate_transactions_total",
    help: "Source transactions applied on the target.",
    kind: Kind::Counter,
};
const REPLICATE_ROWS: Metric = Metric {
    name: "godwit_replicate_rows_total",
    help: "Row changes applied on the target (a truncate counts one).",
    kind: Kind::Counter,
};

const REPLICATE_PAUSED_TABLES: Metric = Metric {
    name: "godwit_replicate_paused_tables",
    help: "Tables paused by schema drift: their changes are held on the target until it fits again.",
    kind: Kind::Gauge,
};

/// One family's samples, keyed by their rendered label set (`{table="public.t"}` or empty).
#[derive(Debug)]
struct Family {
    metric: &'static Metric,
    samples: BTreeMap<String, f64>,
}

/// Every series of the process, in exposition order (by name, then labels).
#[derive(Debug, Default)]
pub struct Registry {
    families: BTreeMap<&'static str, Family>,
}

impl Registry {
    /// Fold one event into the series it changes.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::FetchStarted { tables, .. } => {
                self.set(&FETCH_TABLES_TOTAL, None, *tables as f64);
                self.set(&FETCH_TABLES_DONE, None, 0.0);
                self.add(&FETCH_SHARDS_FAILED, None, 0.0);
            }
            Event::TableStarted { table, .. } => {
                for metric in [&FETCH_ROWS, &FETCH_BYTES, &FETCH_SHARDS_DONE] {
                    self.add(metric, Some(table), 0.0);
                }
            }
            Event::ShardDone { table, status: ShardStatus::Copied, rows, bytes, .. } => {
                self.add(&FETCH_ROWS, Some(table), *rows as f64);
                self.add(&FETCH_BYTES, Some(table), *bytes as f64);
                self.add(&FETCH_SHARDS_DONE, Some(table), 1.0);
            }
            Event::ShardDone { status: ShardStatus::Failed, .. } => {
                self.add(&FETCH_SHARDS_FAILED, None, 1.0);
            }
            Event::TableDone { .. } => self.add(&FETCH_TABLES_DONE, None, 1.0),
            Event::Replication {
                applied_lsn,
                lag_bytes,
                lag_seconds,
                transactions,
                rows,
                paused_tables,
                ..
            } => {
                self.set(&REPLICATE_PAUSED_TABLES, None, *paused_tables as f64);
                self.set(&REPLICATE_LAG_BYTES, None, *lag_bytes as f64);
                self.set(&REPLICATE_LAG_SECONDS, None, *lag_seconds);
                self.set(&REPLICATE_APPLIED_LSN, None, lsn_number(applied_lsn));
                self.set(&REPLICATE_TRANSACTIONS, None, *transactions as f64);
                self.set(&REPLICATE_ROWS, None, *rows as f64);
            }
            _ => {}
        }
    }

    fn sample(&mut self, metric: &'static Metric, table: Option<&str>) -> &mut f64 {
        let labels = table.map(|t| format!("{{table=\"{}\"}}", escape(t))).unwrap_or_default();
        let family = self
            .families
            .entry(metric.name)
            .or_insert_with(|| Family { metric, samples: BTreeMap::new() });
        family.samples.entry(labels).or_insert(0.0)
    }

    fn add(&mut self, metric: &'static Metric, table: Option<&str>, by: f64) {
        *self.sample(metric, table) += by;
    }

    fn set(&mut self, metric: &'static Metric, table: Option<&str>, value: f64) {
        *self.sample(metric, table) = value;
    }

    /// The Prometheus text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for family in self.families.values() {
            let m = family.metric;
            let kind = match m.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = writeln!(out, "# HELP {} {}\n# TYPE {} {kind}", m.name, m.help, m.name);
            for (labels, value) in &family.samples {
                let _ = writeln!(out, "{}{labels} {value}", m.name);
            }
        }
        out
    }
}

/// A label value as the exposition format wants it.
/// `16/B374D848` as the number it stands for (0 when malformed).
fn lsn_number(lsn: &str) -> f64 {
    let parse = |part: &str| u64::from_str_radix(part, 16).ok();
    match lsn.split_once('/').map(|(hi, lo)| (parse(hi), parse(lo))) {
        Some((Some(hi), Some(lo))) if lo <= u64::from(u32::MAX) => ((hi << 32) | lo) as f64,
        _ => 0.0,
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The metrics endpoint of a running command; stops serving when dropped.
#[derive(Debug)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    server: JoinHandle<()>,
}

impl Metrics {
    /// Listen on `addr` (`host:port`; `:port` means every interface) and serve `/metrics`
    /// until dropped; emits an [`Event::Listening`] with the bound address.
    pub async fn serve(addr: &str, events: &dyn EventSink) -> anyhow::Result<Metrics> {
        let bind = if addr.starts_with(':') { format!("0.0.0.0{addr}") } else { addr.to_owned() };
        let listener = TcpListener::bind(&bind)
            .await
            .with_context(|| format!("--metrics-addr {addr}: cannot listen there"))?;
        let local = listener.local_addr().context("reading the metrics listener's address")?;
        let registry = Arc::new(Mutex::new(Registry::default()));
        let server = tokio::spawn(accept(listener, Arc::clone(&registry)));
        events.emit(Event::Listening {
            service: "metrics".into(),
            url: format!("http://{local}/metrics"),
        });
        Ok(Metrics { registry, server })
    }

    /// Fold one event into the metrics.
    pub fn observe(&self, event: &Event) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.observe(event);
        }
    }
}

impl Drop for Metrics {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Start serving metrics when `addr` is given.
pub async fn serve_if(
    addr: Option<&str>,
    events: &dyn EventSink,
) -> anyhow::Result<Option<Metrics>> {
    match addr {
        Some(addr) => Metrics::serve(addr, events).await.map(Some),
        None => Ok(None),
    }
}

async fn accept(listener: TcpListener, registry: Arc<Mutex<Registry>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: wait instead of spinning.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let response = respond(&request, &registry);
                async move { Ok::<_, Infallible>(response) }
            });
            // A client that hangs up mid-request is its own problem.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn respond(request: &Request<Incoming>, registry: &Mutex<Registry>) -> Response<Full<Bytes>> {
    let (status, body) = match (request.method(), request.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => {
            let text = registry.lock().map(|r| r.render()).unwrap_or_default();
            (StatusCode::OK, text)
        }
        (_, "/metrics") => (StatusCode::METHOD_NOT_ALLOWED, "use GET\n".to_owned()),
        _ => (StatusCode::NOT_FOUND, "godwit serves Prometheus metrics at /metrics\n".to_owned()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    response.headers_mut().insert(CONTENT_TYPE, content_type);
    response
}

/// Hands every event to the metrics (when served) and then to `inner` (the renderer).
pub struct Tee<'a> {
    metrics: Option<&'a Metrics>,
    inner: &'a dyn EventSink,
}

impl std::fmt::Debug for Tee<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tee").field("metrics", &self.metrics).finish_non_exhaustive()
    }
}

impl<'a> Tee<'a> {
    /// Events go to `metrics` (if any), then to `inner`.
    pub fn new(metrics: Option<&'a Metrics>, inner: &'a dyn EventSink) -> Self {
        Tee { metrics, inner }
    }
}

impl EventSink for Tee<'_> {
    fn emit(&self, event: Event) {
        if let Some(metrics) = self.metrics {
            metrics.observe(&event);
        }
        self.inner.emit(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(table: &str, status: ShardStatus, rows: u64) -> Event {
        Event::ShardDone { table: table.into(), shard: 0, status, rows, bytes: rows * 10 }
    }

    #[test]
    fn fetch_events_become_counters_and_gauges() {
        let mut r = Registry::default();
        r.observe(&Event::FetchStarted { run_id: "fetch-1".into(), tables: 2, shards: 3 });
        r.observe(&Event::TableStarted {
            table: "public.a".into(),
            shards: 2,
            rows_estimate: None,
        });
        r.observe(&shard("public.a", ShardStatus::Copied, 100));
        r.observe(&shard("public.a", ShardStatus::Copied, 50));
        r.observe(&shard("public.a", ShardStatus::Skipped, 0));
        r.observe(&shard("public.b", ShardStatus::Failed, 0));
        r.observe(&Event::TableDone {
            table: "public.a".into(),
            shards: 2,
            rows: 150,
            bytes: 1500,
            seconds: 1.0,
            failed: false,
        });
        let text = r.render();
        for line in [
            "# TYPE godwit_fetch_rows_total counter",
            "godwit_fetch_rows_total{table=\"public.a\"} 150\n",
            "godwit_fetch_bytes_total{table=\"public.a\"} 1500\n",
            "godwit_fetch_shards_done_total{table=\"public.a\"} 2\n",
            "godwit_fetch_shards_failed_total 1\n",
            "# TYPE godwit_fetch_tables_done gauge",
            "godwit_fetch_tables_done 1\n",
            "godwit_fetch_tables_total 2\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from:\n{text}");
        }
        assert!(!text.contains("public.b\""), "a failed shard adds no per-table rows:\n{text}");
    }

    #[test]
    fn started_tables_have_zero_series_and_names_are_escaped() {
        let mut r = Registry::default();
        let table = "s.\"odd\\name\"";
        r.observe(&Event::TableStarted { table: table.into(), shards: 1, rows_estimate: Some(5) });
        let text = r.render();
        assert!(
            text.contains("godwit_fetch_rows_total{table=\"s.\\\"odd\\\\name\\\"\"} 0\n"),
            "{text}"
        );
        let help_lines = text.lines().filter(|l| l.starts_with("# HELP")).count();
        assert_eq!(help_lines, 3, "one HELP per family:\n{text}");
    }

    async fn get(port: u16, path: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let request = format!("GET {path} HTTP/1.0\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn a_colon_port_listens_everywhere_and_serves_only_metrics() {
        let urls = Mutex::new(Vec::new());
        let sink = |e: Event| {
            if let Event::Listening { url, .. } = e {
                urls.lock().unwrap().push(url);
            }
        };
        let metrics = Metrics::serve(":0", &sink).await.unwrap();
        let url = urls.lock().unwrap().pop().unwrap();
        let port: u16 = url
            .strip_prefix("http://0.0.0.0:")
            .and_then(|rest| rest.strip_suffix("/metrics"))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{url}"));
        metrics.observe(&Event::FetchStarted { run_id: "r".into(), tables: 3, shards: 4 });
        let ok = get(port, "/metrics").await;
        assert!(
            ok.starts_with("HTTP/1.0 200") && ok.contains("godwit_fetch_tables_total 3"),
            "{ok}"
        );
        assert!(get(port, "/").await.starts_with("HTTP/1.0 404"));
        drop(metrics);
        tokio::task::yield_now().await;
    }

    #[test]
    fn replication_events_set_lag_and_totals() {
        let mut r = Registry::default();
        r.observe(&Event::Replication {
            slot: "godwit_x".into(),
            applied_lsn: "1/10".into(),
            source_lsn: "1/20".into(),
            lag_bytes: 16,
            lag_seconds: 0.5,
            transactions: 7,
            rows: 21,
            transactions_per_second: 3.0,
            rows_per_second: 9.0,
            paused_tables: 1,
        });
        let text = r.render();
        for line in [
            "godwit_replicate_lag_bytes 16",
            "godwit_replicate_lag_seconds 0.5",
            "godwit_replicate_applied_lsn 4294967312",
            "godwit_replicate_transactions_total 7",
            "godwit_replicate_rows_total 21",
            "godwit_replicate_paused_tables 1",
            "# TYPE godwit_replicate_rows_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in:\n{text}");
        }
        assert_eq!(lsn_number("not an lsn"), 0.0);
    }

    #[test]
    fn unrelated_events_add_nothing() {
        let mut r = Registry::default();
        r.observe(&Event::Warning { message: "x".into() });
        assert_eq!(r.render(), "");
    }
}
