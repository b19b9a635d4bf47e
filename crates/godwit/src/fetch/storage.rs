//! `fetch --storage URL`: shards go through object storage as compressed files, so the two
//! halves of a fetch can run apart (`--export-only` on a machine near the source,
//! `--import-only` near the target) and a CockroachDB target can bulk-load them with
//! `IMPORT INTO`.
//!
//! ```text
//!  export (workers, one shard each)              import
//!  COPY (SELECT ..) TO STDOUT ─▶ gzip ─▶ <prefix>/<run>/<schema.table>/shard-<n>.<ext>.gz
//!        (multipart upload, bounded memory)        │
//!  _godwit.exports row once the object is complete │ PostgreSQL: COPY .. FROM STDIN per
//!  <prefix>/<run>/manifest.json written LAST ──────┘   shard, `done` mark in the same txn
//!                                                     CockroachDB: IMPORT INTO per table
//! ```
//!
//! # Locations
//!
//! [`Storage::open`] understands `file:///abs/dir`, `s3://bucket/prefix` (credentials,
//! region and `AWS_ENDPOINT_URL` / `AWS_ALLOW_HTTP` for S3-compatible servers from the usual
//! `AWS_*` variables), `gs://bucket/prefix` (`GOOGLE_*`) and `azure://container/prefix`
//! (`AZURE_*`), through the object_store builders' `from_env`. Credentials never appear in
//! events, errors or the manifest: the URL shown is scheme, bucket and prefix only.
//!
//! # File format
//!
//! gzip (level 1, fast): CockroachDB's `IMPORT INTO` reads it with `decompress = 'gzip'`
//! (zstd is not among the codecs it lists), and PostgreSQL imports decompress it on the fly.
//! The payload depends on the two dialects ([`Format::for_pair`]):
//!
//! - PostgreSQL to PostgreSQL: binary COPY, byte for byte what the source sent (no parsing);
//! - to CockroachDB: CSV, the format `IMPORT INTO ... CSV DATA` reads (PGCOPY was removed
//!   from IMPORT in v25.3; binary COPY is not an IMPORT format at all);
//! - CockroachDB to PostgreSQL: COPY text, converted per value where CockroachDB's text is
//!   not valid PostgreSQL input ([`super::cockroach`]).
//!
//! # Exactly once, resume
//!
//! Export state lives on the target next to the rest of `_godwit`: a row in
//! `_godwit.exports` is written only after the object's upload completed, and a shard that
//! has one is not exported again; an unfinished upload is simply redone (objects are
//! overwritten whole). The manifest is written after every shard is exported, so an import
//! never sees a half export. Imports use `_godwit.shards` exactly like a direct fetch: rows
//! and the `done` mark commit together, and the COPY count must equal the manifest's.

mod export;
mod flow;
mod http;
mod import;
mod import_crdb;
mod manifest;

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;

use super::copy::{CopyContext, ShardJob, ShardOutcome};
use crate::dialect::Dialect;
use crate::error::{Error, ErrorKind, Result};

pub use flow::{fetch, import_only};

/// Which halves of a `--storage` fetch run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StorageMode {
    /// Export every shard, then import them (one run).
    #[default]
    Both,
    /// Export and write the manifest, then stop (`--export-only`).
    ExportOnly,
    /// Read a finished export's manifest and import it (`--import-only`); no source needed.
    ImportOnly,
}

/// What the objects of a run hold (recorded in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// PostgreSQL binary COPY (PostgreSQL source and target).
    PgBinary,
    /// COPY text format, PostgreSQL-valid values (CockroachDB source, PostgreSQL target).
    Text,
    /// CSV, PostgreSQL `FORMAT csv` conventions: unquoted empty is NULL, `""` is ''.
    Csv,
}

impl Format {
    /// The payload for a source and target dialect (see the module docs).
    pub fn for_pair(source: Dialect, target: Dialect) -> Format {
        match (source, target) {
            (Dialect::Postgres, Dialect::Postgres) => Format::PgBinary,
            (_, Dialect::Cockroach) => Format::Csv,
            (Dialect::Cockroach, Dialect::Postgres) => Format::Text,
        }
    }

    /// The object name suffix, compression included.
    pub fn extension(self) -> &'static str {
        match self {
            Format::PgBinary => "pgcopy.gz",
            Format::Text => "txt.gz",
            Format::Csv => "csv.gz",
        }
    }
}

/// An opened storage location: the store, the key prefix inside it, and what `IMPORT INTO`
/// on CockroachDB needs to reach it.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    location: Location,
    shown: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the store: its configuration is not ours to print.
        f.debug_struct("Storage")
            .field("shown", &self.shown)
            .field("location", &self.location)
            .finish()
    }
}

/// Where the objects are, for CockroachDB `IMPORT INTO` URLs. Secrets are kept as
/// [`Secret`]s, which never print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local directory (served to CockroachDB over godwit's HTTP file server).
    File {
        /// The absolute directory.
        root: PathBuf,
    },
    /// An S3 bucket (or S3-compatible server).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Custom endpoint (`AWS_ENDPOINT_URL`), if any.
        endpoint: Option<String>,
        /// Region, if known.
        region: Option<String>,
        /// Access key id and secret, when given (else CockroachDB uses implicit auth).
        keys: Option<(Secret, Secret)>,
        /// Session token, if any.
        token: Option<Secret>,
    },
    /// A Google Cloud Storage bucket (CockroachDB uses implicit auth).
    Gcs {
        /// Bucket name.
        bucket: String,
    },
    /// An Azure Blob Storage container.
    Azure {
        /// Container name.
        container: String,
        /// Storage account, if known.
        account: Option<String>,
        /// Account key, if given.
        key: Option<Secret>,
    },
}

/// A credential: `Debug` and `Display` print `<redacted>`; only [`Secret::expose`] gives the
/// value, to build the one string that must carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret value. Whatever is built from it must not be logged.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Storage {
    /// Open `url` (see the module docs for the schemes). A malformed or unsupported URL, or a
    /// builder that rejects its settings, is a configuration error naming the URL (without
    /// its query string, which may hold credentials).
    pub fn open(url: &str) -> Result<Storage> {
        crate::conn::tls::install_crypto_provider();
        let shown = shown_url(url);
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            bad_url(&shown, "expected scheme://location, e.g. file:///srv/godwit")
        })?;
        let (container, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.split(['?', '#']).next().unwrap_or("").trim_matches('/');
        let prefix = Path::parse(prefix).map_err(|e| bad_url(&shown, &e.to_string()))?;
        let (store, location) = match scheme {
            "file" => local(container, rest, &shown)?,
            "s3" | "s3a" => s3(url, container, &shown)?,
            "gs" => gcs(url, container, &shown)?,
            "azure" | "az" => azure(url, container, &shown)?,
            other => {
                return Err(bad_url(
                    &shown,
                    &format!("unsupported scheme {other}:// (file, s3, gs and azure are)"),
                ));
            }
        };
        let prefix =
            if matches!(location, Location::File { .. }) { Path::default() } else { prefix };
        Ok(Storage { store, prefix, location, shown })
    }

    /// The location as it may be shown: scheme, bucket and prefix, no credentials.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Where the objects are, for `IMPORT INTO`.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The object store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// `<prefix>/<run_id>/<rest...>`.
    pub fn path(&self, run_id: &str, rest: &[&str]) -> Path {
        let mut parts: Vec<_> = self.prefix.parts().collect();
        parts.push(run_id.into());
        parts.extend(rest.iter().map(|p| (*p).into()));
        Path::from_iter(parts)
    }

    /// The object of one shard: `<prefix>/<run>/<schema.table>/shard-<n>.<ext>`.
    pub fn shard_path(
        &self,
        run_id: &str,
        schema: &str,
        table: &str,
        shard: i32,
        f: Format,
    ) -> Path {
        let file = format!("shard-{shard:05}.{}", f.extension());
        self.path(run_id, &[&table_dir(schema, table), &file])
    }

    /// The manifest of a run.
    pub fn manifest_path(&self, run_id: &str) -> Path {
        self.path(run_id, &["manifest.json"])
    }

    /// The key prefix inside the bucket (empty for `file://`).
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }
}

/// The directory of a table's objects: `schema.table` when both are plain (letters, digits,
/// `_`, `-`), else the names with other characters as `_` plus a hash of the exact names, so
/// that object keys and URLs never need escaping and distinct tables never collide.
pub fn table_dir(schema: &str, table: &str) -> String {
    let plain = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if plain(schema) && plain(table) {
        return format!("{schema}.{table}");
    }
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
    };
    let mut hash: u32 = 0x811c_9dc5;
    for b in schema.bytes().chain([0]).chain(table.bytes()) {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("{}.{}-{hash:08x}", clean(schema), clean(table))
}

/// The route of a storage phase through the worker pool ([`super::copy::Route::Storage`]).
#[derive(Debug)]
pub enum Phase {
    /// Export shards into objects.
    Export(export::Export),
    /// Import shards from objects into a PostgreSQL target.
    Import(import::Import),
}

/// One shard of a storage phase, called by the worker pool.
pub async fn copy_shard(ctx: &CopyContext, job: &ShardJob, phase: &Phase) -> Result<ShardOutcome> {
    match phase {
        Phase::Export(e) => e.shard(ctx, job).await,
        Phase::Import(i) => i.shard(ctx, job).await,
    }
}

fn local(host: &str, rest: &str, shown: &str) -> Result<(Arc<dyn ObjectStore>, Location)> {
    if !host.is_empty() && host != "localhost" {
        return Err(bad_url(shown, "file URLs name a local directory: file:///absolute/dir"));
    }
    let dir = rest.strip_prefix(host).unwrap_or(rest).split(['?', '#']).next().unwrap_or("");
    let root =
        PathBuf::from(percent_encoding::percent_decode_str(dir).decode_utf8_lossy().as_ref());
    if !root.is_absolute() {
        return Err(bad_url(shown, "file URLs need an absolute directory: file:///absolute/dir"));
    }
    std::fs::create_dir_all(&root)
        .map_err(|e| Error::io(format!("creating the storage directory {}", root.display()), e))?;
    let fs = LocalFileSystem::new_with_prefix(&root)
        .map_err(|e| storage_error(shown, "opening", e))?
        .with_fsync(true)
        .with_automatic_cleanup(false);
    Ok((Arc::new(fs), Location::File { root }))
}

fn s3(url: &str, bucket: &str, shown: &str) -> Result<(Arc<dyn ObjectStore>, Location)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut builder = AmazonS3Builder::from_env().with_url(base);
    for (k, v) in options(query, shown)? {
        builder = builder.with_config(k.parse().map_err(|_| unknown_option(shown, &k))?, v);
    }
    let get = |k: AmazonS3ConfigKey| builder.get_config_value(&k).filter(|v| !v.is_empty());
    let keys = match (get(AmazonS3ConfigKey::AccessKeyId), get(AmazonS3ConfigKey::SecretAccessKey))
    {
        (Some(id), Some(secret)) => Some((Secret(id), Secret(secret))),
        _ => None,
    };
    let location = Location::S3 {
        bucket: bucket.to_owned(),
        endpoint: get(AmazonS3ConfigKey::Endpoint),
        region: get(AmazonS3ConfigKey::Region).or_else(|| get(AmazonS3ConfigKey::DefaultRegion)),
        keys,
        token: get(AmazonS3ConfigKey::Token).map(Secret),
    };
    let store = builder.build().map_err(|e| storage_error(shown, "opening", e))?;
    Ok((Arc::new(store), location))
}

fn gcs(url: &str, bucket: &str, shown: &str) -> Result<(Arc<dyn ObjectStore>, Location)> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut builder = GoogleCloudStorageBuilder::from_env().with_url(base);
    for (k, v) in options(query, shown)? {
        builder = builder.with_config(k.parse().map_err(|_| unknown_option(shown, &k))?, v);
    }
    let store = builder.build().map_err(|e| storage_error(shown, "opening", e))?;
    Ok((Arc::new(store), Location::Gcs { bucket: bucket.to_owned() }))
}

fn azure(url: &str, container: &str, shown: &str) -> Result<(Arc<dyn ObjectStore>, Location)> {
    use object_store::azure::AzureConfigKey;
    // object_store knows `azure://container/path` as well as `az://`.
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = match base.strip_prefix("az://") {
        Some(rest) => format!("azure://{rest}"),
        None => base.to_owned(),
    };
    let mut builder = MicrosoftAzureBuilder::from_env().with_url(base);
    for (k, v) in options(query, shown)? {
        builder = builder.with_config(k.parse().map_err(|_| unknown_option(shown, &k))?, v);
    }
    let get = |k: AzureConfigKey| builder.get_config_value(&k).filter(|v| !v.is_empty());
    let location = Location::Azure {
        container: container.to_owned(),
        account: get(AzureConfigKey::AccountName),
        key: get(AzureConfigKey::AccessKey).map(Secret),
    };
    let store = builder.build().map_err(|e| storage_error(shown, "opening", e))?;
    Ok((Arc::new(store), location))
}

/// `key=value` options of a storage URL's query string, keys lowercased (so CockroachDB's
/// spelling `AWS_ENDPOINT=...` works as well as object_store's `aws_endpoint=...`), values
/// percent-decoded. They may hold credentials: never shown.
fn options(query: &str, shown: &str) -> Result<Vec<(String, String)>> {
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .map_err(|_| bad_url(shown, &format!("option {k} is not UTF-8")))?;
            Ok((k.to_ascii_lowercase(), v.into_owned()))
        })
        .collect()
}

fn unknown_option(shown: &str, key: &str) -> Error {
    bad_url(shown, &format!("unknown option {key} in the query string"))
}

/// `url` without userinfo, query or fragment.
fn shown_url(url: &str) -> String {
    let base = url.split(['?', '#']).next().unwrap_or("");
    match base.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            let sep = if path.is_empty() && !rest.contains('/') { "" } else { "/" };
            format!("{scheme}://{host}{sep}{path}")
        }
        None => "<not a URL>".to_owned(),
    }
}

fn bad_url(shown: &str, why: &str) -> Error {
    Error::config(format!("--storage {shown}: {why}"))
}

/// An object store failure on `what` at `shown`; the cause's text never carries credentials
/// (object_store does not print them).
pub fn storage_error(shown: &str, what: &str, e: object_store::Error) -> Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => ErrorKind::NotFound,
        object_store::Error::Generic { .. } => ErrorKind::Unreachable,
        object_store::Error::UnknownConfigurationKey { .. } => ErrorKind::Config,
        _ => ErrorKind::Io,
    };
    let kind = if what == "opening" { ErrorKind::Config } else { kind };
    Error::new(kind, format!("{what} {shown}")).with_source(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_dirs_are_plain_and_distinct() {
        assert_eq!(table_dir("public", "orders"), "public.orders");
        let a = table_dir("Sales", "Order Lines");
        let b = table_dir("Sales", "Order_Lines");
        assert!(a.starts_with("Sales.Order_Lines-"), "{a}");
        assert_eq!(b, "Sales.Order_Lines");
        assert_ne!(table_dir("a/b", "c"), table_dir("a", "b/c"));
        assert!(!table_dir("../x", "y").contains('/'));
    }

    #[test]
    fn shown_urls_drop_credentials() {
        assert_eq!(shown_url("s3://b/p?AWS_SECRET_ACCESS_KEY=x"), "s3://b/p");
        assert_eq!(shown_url("s3://key:secret@b/p"), "s3://b/p");
        assert_eq!(shown_url("file:///srv/x"), "file:///srv/x");
        assert_eq!(shown_url("gs://bucket"), "gs://bucket");
    }

    #[test]
    fn bad_urls_are_config_errors_naming_them() {
        for url in ["ftp://host/x", "no-scheme", "file://remote/dir", "file://relative"] {
            let e = Storage::open(url).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{url}");
            assert!(e.to_string().contains("--storage"), "{e}");
        }
        let e = Storage::open("ftp://u:hunter2@host/x?secret=1").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = Storage::open("s3://b/p?AWS_SECRET_ACCESS_KEY=hunter2&bogus_key=1").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("bogus_key") && !e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn s3_options_come_from_the_query_string() {
        let url = "s3://bkt/some/prefix?AWS_ACCESS_KEY_ID=AK&AWS_SECRET_ACCESS_KEY=a%2Fb&\
                   AWS_ENDPOINT=http://127.0.0.1:1&AWS_ALLOW_HTTP=true&AWS_REGION=eu-west-1";
        let s = Storage::open(url).unwrap();
        assert_eq!(s.shown(), "s3://bkt/some/prefix");
        assert_eq!(s.prefix().as_ref(), "some/prefix");
        let Location::S3 { bucket, endpoint, region, keys, .. } = s.location() else { panic!() };
        assert_eq!((bucket.as_str(), region.as_deref()), ("bkt", Some("eu-west-1")));
        assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:1"));
        let (id, secret) = keys.as_ref().unwrap();
        assert_eq!((id.expose(), secret.expose()), ("AK", "a/b"));
        assert!(!format!("{s:?}").contains("a/b"));
        let p = s.shard_path("r", "public", "t", 0, Format::Csv);
        assert_eq!(p.as_ref(), "some/prefix/r/public.t/shard-00000.csv.gz");
    }

    #[test]
    fn formats_follow_the_dialects() {
        use Dialect::{Cockroach, Postgres};
        assert_eq!(Format::for_pair(Postgres, Postgres), Format::PgBinary);
        assert_eq!(Format::for_pair(Postgres, Cockroach), Format::Csv);
        assert_eq!(Format::for_pair(Cockroach, Cockroach), Format::Csv);
        assert_eq!(Format::for_pair(Cockroach, Postgres), Format::Text);
    }

    #[test]
    fn file_storage_paths() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("sub").display());
        let s = Storage::open(&url).unwrap();
        assert_eq!(s.location(), &Location::File { root: dir.path().join("sub") });
        let p = s.shard_path("run-1", "public", "t", 3, Format::PgBinary);
        assert_eq!(p.as_ref(), "run-1/public.t/shard-00003.pgcopy.gz");
    }
}
