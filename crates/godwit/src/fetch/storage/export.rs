//! The export half: one shard's COPY output, gzip-compressed as it streams, uploaded with
//! `WriteMultipart` (5 MiB parts, at most [`IN_FLIGHT`] uploading), so memory per shard is a
//! few parts whatever the shard's size. The shard is recorded in `_godwit.exports` only after
//! the upload completed; a failed upload is aborted (or, after a crash, simply redone: the
//! object is overwritten whole).

use std::io::Write;
use std::pin::pin;

use bytes::BytesMut;
use flate2::Compression;
use flate2::write::GzEncoder;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStoreExt, WriteMultipart};
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::{Format, Storage, storage_error};
use crate::conn;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::fetch::cockroach::{BATCH_BYTES, Reader, RowConverter};
use crate::fetch::copy::{CopyContext, ShardJob, ShardOutcome};
use crate::fetch::state::ShardKey;

/// Multipart part size (the S3 minimum for all but the last part).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts of one shard uploading at the same time.
const IN_FLIGHT: usize = 2;

/// How the shards of a run are exported.
#[derive(Debug)]
pub struct Export {
    /// Where the objects go.
    pub storage: Storage,
    /// What they hold.
    pub format: Format,
}

/// Uncompressed and compressed sizes of one object.
#[derive(Debug, Clone, Copy, Default)]
struct Sizes {
    raw: u64,
    compressed: u64,
}

impl Export {
    /// Export one shard, unless `_godwit.exports` says it already is (then `skipped`).
    pub async fn shard(&self, ctx: &CopyContext, job: &ShardJob) -> Result<ShardOutcome> {
        let state = conn::connect(&ctx.target).await?;
        if let Some((rows, raw)) = exported(state.client(), &ctx.run_id, &job.key()).await? {
            return Ok(ShardOutcome { rows, bytes: raw, skipped: true });
        }
        let reader = Reader::open(&ctx.source, &ctx.snapshot).await?;
        let expected = reader.count(job).await?;
        let sql = reader.copy_out_sql(job, self.format)?;
        let converter = match (reader.dialect(), self.format) {
            (Dialect::Cockroach, Format::Text) => {
                Some(RowConverter::new(&job.table, &reader.column_types(&job.table).await?))
            }
            _ => None,
        };
        let t = &job.table;
        let path = self.storage.shard_path(&ctx.run_id, &t.schema, &t.name, job.shard, self.format);
        let sizes = self.upload(&path, reader.client(), &sql, converter, job).await?;
        record(state.client(), &ctx.run_id, &job.key(), &path, expected, sizes).await?;
        Ok(ShardOutcome { rows: expected, bytes: sizes.raw, skipped: false })
    }

    async fn upload(
        &self,
        path: &Path,
        reader: &Client,
        sql: &str,
        converter: Option<RowConverter>,
        job: &ShardJob,
    ) -> Result<Sizes> {
        let key = job.key();
        let source = reader
            .copy_out(sql)
            .await
            .map_err(|e| Error::db(format!("starting COPY TO for {key} on the source"), e))?;
        let shown = self.storage.shown();
        let upload =
            self.storage.store().put_multipart(path).await.map_err(|e| {
                storage_error(shown, &format!("starting the upload of {path} to"), e)
            })?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        match pump(source, &mut writer, converter, &key, shown).await {
            Ok(sizes) => {
                writer.finish().await.map_err(|e| {
                    storage_error(shown, &format!("completing the upload of {path} to"), e)
                })?;
                Ok(sizes)
            }
            Err(e) => {
                // Best effort: an unfinished upload leaves no object behind.
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }
}

/// COPY data -> (conversion) -> gzip -> parts.
async fn pump(
    source: tokio_postgres::CopyOutStream,
    writer: &mut WriteMultipart,
    mut converter: Option<RowConverter>,
    key: &ShardKey<'_>,
    shown: &str,
) -> Result<Sizes> {
    let mut source = pin!(source);
    let mut gz = GzEncoder::new(Vec::with_capacity(BATCH_BYTES), Compression::fast());
    let mut converted = BytesMut::new();
    let mut sizes = Sizes::default();
    let gz_error = |e| Error::io(format!("compressing {key}"), e);
    while let Some(chunk) = source.next().await {
        let chunk = chunk.map_err(|e| Error::db(format!("reading {key} from the source"), e))?;
        sizes.raw += chunk.len() as u64;
        match converter.as_mut() {
            Some(c) => {
                c.push(&chunk, &mut converted)?;
                gz.write_all(&converted).map_err(gz_error)?;
                converted.clear();
            }
            None => gz.write_all(&chunk).map_err(gz_error)?,
        }
        if gz.get_ref().len() >= BATCH_BYTES {
            let compressed = std::mem::take(gz.get_mut());
            send(writer, &compressed, &mut sizes, shown).await?;
        }
    }
    if let Some(c) = converter.as_mut() {
        c.finish(&mut converted)?;
        gz.write_all(&converted).map_err(gz_error)?;
    }
    let rest = gz.finish().map_err(gz_error)?;
    send(writer, &rest, &mut sizes, shown).await?;
    Ok(sizes)
}

async fn send(
    writer: &mut WriteMultipart,
    data: &[u8],
    sizes: &mut Sizes,
    shown: &str,
) -> Result<()> {
    writer
        .wait_for_capacity(IN_FLIGHT)
        .await
        .map_err(|e| storage_error(shown, "uploading a part to", e))?;
    writer.write(data);
    sizes.compressed += data.len() as u64;
    Ok(())
}

/// Create `_godwit.exports` if it is missing (after [`crate::fetch::state::ensure_schema`]).
pub async fn ensure_schema(target: &Client) -> Result<()> {
    target
        .batch_execute(include_str!("exports_schema.sql"))
        .await
        .map_err(|e| Error::db("creating _godwit.exports on the target", e))
}

/// (rows, uncompressed bytes) of an already exported shard.
async fn exported(state: &Client, run_id: &str, key: &ShardKey<'_>) -> Result<Option<(u64, u64)>> {
    let row = state
        .query_opt(
            include_str!("export_of_shard.sql"),
            &[&run_id, &key.schema, &key.table, &key.shard],
        )
        .await
        .map_err(|e| Error::db(format!("reading the export state of {key}"), e))?;
    Ok(row.map(|r| {
        let (rows, raw): (i64, i64) = (r.get(0), r.get(1));
        (u64::try_from(rows).unwrap_or(0), u64::try_from(raw).unwrap_or(0))
    }))
}

async fn record(
    state: &Client,
    run_id: &str,
    key: &ShardKey<'_>,
    path: &Path,
    rows: u64,
    sizes: Sizes,
) -> Result<()> {
    let big = |n: u64| i64::try_from(n).map_err(|_| Error::internal("size overflow"));
    let (rows, bytes, raw) = (big(rows)?, big(sizes.compressed)?, big(sizes.raw)?);
    let object = path.as_ref();
    let params: [&(dyn ToSql + Sync); 8] =
        [&run_id, &key.schema, &key.table, &key.shard, &object, &rows, &bytes, &raw];
    state
        .execute(include_str!("export_done.sql"), &params)
        .await
        .map_err(|e| Error::db(format!("recording the export of {key}"), e))?;
    Ok(())
}
