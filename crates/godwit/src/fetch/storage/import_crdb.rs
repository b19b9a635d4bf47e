//! The import half into CockroachDB: one `IMPORT INTO t (cols) CSV DATA (url, ...) WITH
//! decompress = 'gzip', nullif = ''` per table, over the shards not yet `done`.
//!
//! CockroachDB behaviour relied on (its `IMPORT INTO` and cloud-storage docs; not run here):
//!
//! - `IMPORT INTO` reads CSV from `s3://`, `gs://`, `azure-blob://` and `http(s)://` URLs,
//!   every node fetching files itself; credentials travel as URL parameters
//!   (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT`,
//!   `AWS_REGION`, `AZURE_ACCOUNT_NAME`, `AZURE_ACCOUNT_KEY`) or `AUTH=implicit` uses the
//!   nodes' own. The statement therefore holds secrets: it is an [`ImportSql`], whose
//!   `Debug` is redacted, and any server message is scrubbed of them before it is shown.
//! - `decompress = 'gzip'` reads the objects as written; `nullif = ''` makes an unquoted
//!   empty field NULL while a quoted `""` stays an empty string (PostgreSQL CSV conventions).
//! - It runs as a job, is all-or-nothing, cannot run in a transaction, takes the table
//!   offline while it runs and leaves its foreign keys unvalidated. Its result row holds the
//!   `rows` imported, checked against the manifest.
//!
//! Because `IMPORT` cannot share a transaction with the `done` marks, the marks follow it;
//! a crash in between is detected on the next run by counting the table: if it already holds
//! the rows of the shards about to be imported, they are marked done instead of imported
//! twice; any other unexpected count fails the table.

use std::net::SocketAddr;
use std::time::Instant;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio_postgres::Client;

use super::http::FileServer;
use super::manifest::{Manifest, ManifestShard, ManifestTable};
use super::{Location, Secret, Storage};
use crate::conn::Connection;
use crate::dialect::{quote_ident, quote_literal, quote_qualified};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, EventSink};
use crate::fetch::TableLedger;
use crate::fetch::state::{self, ShardKey};

/// URL parameter values are encoded except for these unreserved characters.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// An `IMPORT INTO` statement that may carry credentials.
pub struct ImportSql {
    sql: String,
    secrets: Vec<Secret>,
}

impl std::fmt::Debug for ImportSql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl ImportSql {
    /// The statement with every credential replaced by `<redacted>`.
    pub fn shown(&self) -> String {
        scrub(&self.sql, &self.secrets)
    }
}

/// `text` with each secret's value (raw and URL-encoded) replaced by `<redacted>`.
fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_owned();
    for s in secrets.iter().filter(|s| !s.expose().is_empty()) {
        let encoded = utf8_percent_encode(s.expose(), VALUE).to_string();
        out = out.replace(&encoded, "<redacted>").replace(s.expose(), "<redacted>");
    }
    out
}

/// Where CockroachDB reads `object` from, and the secrets that URL holds. `http_base` is the
/// file server's URL, required for `file://` storage.
pub fn object_url(
    location: &Location,
    http_base: Option<&str>,
    object: &str,
) -> Result<(String, Vec<Secret>)> {
    let enc = |v: &str| utf8_percent_encode(v, VALUE).to_string();
    let mut secrets = Vec::new();
    let url = match location {
        Location::File { .. } => {
            let base = http_base.ok_or_else(|| {
                Error::config("a CockroachDB target reads file:// storage over HTTP: give --storage-http-addr")
            })?;
            format!("{}/{object}", base.trim_end_matches('/'))
        }
        Location::S3 { bucket, endpoint, region, keys, token } => {
            let mut params = Vec::new();
            match keys {
                Some((id, secret)) => {
                    params.push(format!("AWS_ACCESS_KEY_ID={}", enc(id.expose())));
                    params.push(format!("AWS_SECRET_ACCESS_KEY={}", enc(secret.expose())));
                    secrets.extend([id.clone(), secret.clone()]);
                    if let Some(t) = token {
                        params.push(format!("AWS_SESSION_TOKEN={}", enc(t.expose())));
                        secrets.push(t.clone());
                    }
                }
                None => params.push("AUTH=implicit".to_owned()),
            }
            if let Some(e) = endpoint {
                params.push(format!("AWS_ENDPOINT={}", enc(e)));
            }
            if let Some(r) = region {
                params.push(format!("AWS_REGION={}", enc(r)));
            }
            format!("s3://{bucket}/{object}?{}", params.join("&"))
        }
        Location::Gcs { bucket } => format!("gs://{bucket}/{object}?AUTH=implicit"),
        Location::Azure { container, account, key } => {
            let mut params = Vec::new();
            if let Some(a) = account {
                params.push(format!("AZURE_ACCOUNT_NAME={}", enc(a)));
            }
            match key {
                Some(k) => {
                    params.push(format!("AZURE_ACCOUNT_KEY={}", enc(k.expose())));
                    secrets.push(k.clone());
                }
                None => params.push("AUTH=implicit".to_owned()),
            }
            format!("azure-blob://{container}/{object}?{}", params.join("&"))
        }
    };
    Ok((url, secrets))
}

/// The `IMPORT INTO` of `shards` of `table`.
pub fn import_sql(
    table: &ManifestTable,
    shards: &[&ManifestShard],
    location: &Location,
    http_base: Option<&str>,
) -> Result<ImportSql> {
    let mut urls = Vec::with_capacity(shards.len());
    let mut secrets = Vec::new();
    for s in shards {
        let (url, mut more) = object_url(location, http_base, &s.object)?;
        urls.push(quote_literal(&url));
        secrets.append(&mut more);
    }
    secrets.dedup();
    let columns: Vec<_> = table.columns.iter().map(|c| quote_ident(&c.name)).collect();
    let sql = include_str!("import_into.sql")
        .trim_end()
        .replace("{table}", &quote_qualified(&table.schema, &table.table))
        .replace("{columns}", &columns.join(", "))
        .replace("{urls}", &urls.join(", "));
    Ok(ImportSql { sql, secrets })
}

/// Import every table of `manifest` not yet done; returns ledgers and failed tables.
pub async fn import(
    state_conn: &Connection,
    storage: &Storage,
    manifest: &Manifest,
    http_addr: Option<SocketAddr>,
    events: &dyn EventSink,
) -> Result<(Vec<TableLedger>, Vec<String>)> {
    let server = match (storage.location(), http_addr) {
        (Location::File { root }, Some(addr)) => {
            let server = FileServer::start(root.clone(), &manifest.run_id, addr).await?;
            events.emit(Event::Step {
                phase: "fetch".into(),
                message: format!(
                    "serving {} at {} for IMPORT INTO",
                    storage.shown(),
                    server.base_url()
                ),
            });
            Some(server)
        }
        _ => None,
    };
    let base = server.as_ref().map(FileServer::base_url);
    let stored = state::shards_of_run(state_conn.client(), &manifest.run_id).await?;
    let mut ledgers = Vec::new();
    let mut failed = Vec::new();
    for table in &manifest.tables {
        let pending: Vec<_> = table
            .shards
            .iter()
            .filter(|s| {
                !stored.iter().any(|st| {
                    st.schema == table.schema
                        && st.table == table.table
                        && st.shard == s.shard
                        && st.status == "done"
                })
            })
            .collect();
        let started = Instant::now();
        let mut ledger = TableLedger {
            schema: table.schema.clone(),
            table: table.table.clone(),
            shards: 0,
            rows: 0,
            bytes: 0,
            seconds: 0.0,
        };
        if !pending.is_empty() {
            match import_table(
                state_conn.client(),
                storage,
                manifest,
                table,
                &pending,
                base.as_deref(),
                events,
            )
            .await
            {
                Ok(rows) => {
                    ledger.shards = pending.len();
                    ledger.rows = rows;
                    ledger.bytes =
                        pending.iter().map(|s| u64::try_from(s.raw_bytes).unwrap_or(0)).sum();
                }
                Err(e) => {
                    for s in &pending {
                        let key =
                            ShardKey { schema: &table.schema, table: &table.table, shard: s.shard };
                        state::mark_failed(state_conn.client(), &manifest.run_id, &key, &e).await?;
                    }
                    events.emit(Event::Warning {
                        message: format!("{} failed: {}", table.name(), state::describe(&e)),
                    });
                    failed.push(table.name());
                }
            }
        }
        ledger.seconds = started.elapsed().as_secs_f64();
        ledgers.push(ledger);
    }
    Ok((ledgers, failed))
}

/// Import the pending shards of one table (or recognise that a crashed run already did).
async fn import_table(
    target: &Client,
    storage: &Storage,
    manifest: &Manifest,
    table: &ManifestTable,
    pending: &[&ManifestShard],
    http_base: Option<&str>,
    events: &dyn EventSink,
) -> Result<u64> {
    let name = quote_qualified(&table.schema, &table.table);
    let total: i64 = table.shards.iter().map(|s| s.rows).sum();
    let wanted: i64 = pending.iter().map(|s| s.rows).sum();
    let done = total - wanted;
    let present = count(target, &name).await?;
    if present == total && wanted > 0 {
        events.emit(Event::Warning {
            message: format!("{} already holds the rows of its pending shards (an import that committed before a crash); marking them done", table.name()),
        });
    } else if present != done {
        return Err(Error::new(
            ErrorKind::Sql,
            format!(
                "{}: the target holds {present} rows, expected {done} before importing",
                table.name()
            ),
        ));
    } else {
        let sql = import_sql(table, pending, storage.location(), http_base)?;
        events.emit(Event::Step { phase: "fetch".into(), message: sql.shown() });
        let row = target.query_one(&sql.sql, &[]).await.map_err(|e| {
            let message =
                e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_else(|| e.to_string());
            Error::new(
                ErrorKind::Sql,
                format!("IMPORT INTO {}: {}", table.name(), scrub(&message, &sql.secrets)),
            )
        })?;
        let imported: i64 =
            row.try_get("rows").map_err(|e| Error::db("reading the IMPORT result", e))?;
        if imported != wanted {
            return Err(Error::new(
                ErrorKind::Sql,
                format!("{}: manifest {wanted} rows, IMPORT INTO {imported}", table.name()),
            ));
        }
    }
    mark_done(target, &manifest.run_id, table, pending).await?;
    Ok(u64::try_from(wanted).unwrap_or(0))
}

async fn count(target: &Client, table: &str) -> Result<i64> {
    let sql = include_str!("table_rows.sql").trim_end().replace("{table}", table);
    let row = target
        .query_one(&sql, &[])
        .await
        .map_err(|e| Error::db(format!("counting the rows of {table} on the target"), e))?;
    Ok(row.get(0))
}

async fn mark_done(
    target: &Client,
    run_id: &str,
    table: &ManifestTable,
    shards: &[&ManifestShard],
) -> Result<()> {
    target
        .batch_execute("BEGIN")
        .await
        .map_err(|e| Error::db("beginning a target transaction", e))?;
    for s in shards {
        let key = ShardKey { schema: &table.schema, table: &table.table, shard: s.shard };
        state::lock_shard(target, run_id, &key).await?;
        state::mark_done(target, run_id, &key, s.rows).await?;
    }
    target.batch_execute("COMMIT").await.map_err(|e| Error::db("marking imported shards done", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::storage::manifest::ManifestColumn;

    fn table() -> ManifestTable {
        ManifestTable {
            schema: "public".into(),
            table: "Order".into(),
            columns: ["id", "note"]
                .iter()
                .map(|c| ManifestColumn { name: (*c).into(), data_type: "int8".into() })
                .collect(),
            key: Vec::new(),
            shards: (0..2)
                .map(|n| ManifestShard {
                    shard: n,
                    lower: None,
                    upper: None,
                    object: format!("mig/fetch-1/public.Order/shard-0000{n}.csv.gz"),
                    rows: 10,
                    bytes: 1,
                    raw_bytes: 2,
                })
                .collect(),
        }
    }

    fn secret(s: &str) -> Secret {
        Secret(s.to_owned())
    }

    #[test]
    fn s3_import_carries_keys_but_never_shows_them() {
        let t = table();
        let shards: Vec<_> = t.shards.iter().collect();
        let location = Location::S3 {
            bucket: "bkt".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: Some("us-east-1".into()),
            keys: Some((secret("AKIAEXAMPLE"), secret("wJalr/K7MDENG+bPxRfiCY="))),
            token: None,
        };
        let sql = import_sql(&t, &shards, &location, None).unwrap();
        assert_eq!(
            sql.sql,
            "IMPORT INTO \"public\".\"Order\" (\"id\", \"note\") CSV DATA (\
             's3://bkt/mig/fetch-1/public.Order/shard-00000.csv.gz?AWS_ACCESS_KEY_ID=AKIAEXAMPLE&AWS_SECRET_ACCESS_KEY=wJalr%2FK7MDENG%2BbPxRfiCY%3D&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000&AWS_REGION=us-east-1', \
             's3://bkt/mig/fetch-1/public.Order/shard-00001.csv.gz?AWS_ACCESS_KEY_ID=AKIAEXAMPLE&AWS_SECRET_ACCESS_KEY=wJalr%2FK7MDENG%2BbPxRfiCY%3D&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000&AWS_REGION=us-east-1'\
             ) WITH decompress = 'gzip', nullif = ''"
        );
        let shown = format!("{} {sql:?}", sql.shown());
        assert!(!shown.contains("AKIAEXAMPLE") && !shown.contains("wJalr"), "{shown}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY=<redacted>"), "{shown}");
        let message = "could not read s3://bkt/x?AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG+bPxRfiCY=";
        assert!(!scrub(message, &sql.secrets).contains("wJalr"));
    }

    #[test]
    fn implicit_auth_without_keys() {
        let t = table();
        let s3 = Location::S3 {
            bucket: "b".into(),
            endpoint: None,
            region: None,
            keys: None,
            token: None,
        };
        let (url, secrets) = object_url(&s3, None, &t.shards[0].object).unwrap();
        assert_eq!(url, "s3://b/mig/fetch-1/public.Order/shard-00000.csv.gz?AUTH=implicit");
        assert!(secrets.is_empty());
        let (gs, _) =
            object_url(&Location::Gcs { bucket: "g".into() }, None, "k/x.csv.gz").unwrap();
        assert_eq!(gs, "gs://g/k/x.csv.gz?AUTH=implicit");
        let az = Location::Azure {
            container: "c".into(),
            account: Some("acct".into()),
            key: Some(secret("k+y==")),
        };
        let (url, secrets) = object_url(&az, None, "k/x.csv.gz").unwrap();
        assert_eq!(
            url,
            "azure-blob://c/k/x.csv.gz?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=k%2By%3D%3D"
        );
        assert_eq!(secrets.len(), 1);
    }

    #[test]
    fn file_storage_goes_through_the_http_server() {
        let file = Location::File { root: "/srv/x".into() };
        let (url, _) =
            object_url(&file, Some("http://10.0.0.5:8080/"), "fetch-1/public.t/shard-00000.csv.gz")
                .unwrap();
        assert_eq!(url, "http://10.0.0.5:8080/fetch-1/public.t/shard-00000.csv.gz");
        let e = object_url(&file, None, "x").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("--storage-http-addr"), "{e}");
    }
}
