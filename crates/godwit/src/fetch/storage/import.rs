//! The import half into PostgreSQL: each shard's object is read as a stream, gunzipped on the
//! fly into ~256 KiB COPY buffers and sent with `COPY ... FROM STDIN` in the manifest's
//! format. The shard's `done` mark is written in the same transaction, after the COPY count
//! matched the manifest's, exactly like a direct fetch.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;
use flate2::write::MultiGzDecoder;
use futures_util::{SinkExt, StreamExt};
use object_store::ObjectStoreExt;
use object_store::path::Path;
use tokio_postgres::Client;

use super::manifest::{Manifest, ManifestShard};
use super::{Format, Storage, storage_error};
use crate::conn;
use crate::error::{Error, Result};
use crate::fetch::cockroach::{BATCH_BYTES, copy_in_sql};
use crate::fetch::copy::{CopyContext, ShardJob, ShardOutcome};
use crate::fetch::state;

/// How the shards of a run are imported into a PostgreSQL target.
#[derive(Debug)]
pub struct Import {
    /// Where the objects are.
    pub storage: Storage,
    /// The finished export.
    pub manifest: Arc<Manifest>,
}

impl Import {
    /// Import one shard in one target transaction (rolled back on any error).
    pub async fn shard(&self, ctx: &CopyContext, job: &ShardJob) -> Result<ShardOutcome> {
        let t = &job.table;
        let entry = self
            .manifest
            .table(&t.schema, &t.name)
            .and_then(|m| m.shard(job.shard))
            .ok_or_else(|| Error::internal(format!("{} is not in the manifest", job.key())))?;
        let writer = conn::connect(&ctx.target).await?;
        let client = writer.client();
        let mut begin = String::new();
        if self.manifest.format == Format::Text {
            begin.push_str(include_str!("../cockroach/session.sql"));
        }
        begin.push_str("BEGIN");
        client
            .batch_execute(&begin)
            .await
            .map_err(|e| Error::db("beginning a target transaction", e))?;
        let result = self.load(ctx, job, entry, client).await;
        crate::fetch::copy::end_transaction(client, result).await
    }

    async fn load(
        &self,
        ctx: &CopyContext,
        job: &ShardJob,
        entry: &ManifestShard,
        writer: &Client,
    ) -> Result<ShardOutcome> {
        let key = job.key();
        if !state::lock_shard(writer, &ctx.run_id, &key).await? {
            return Ok(ShardOutcome { skipped: true, ..ShardOutcome::default() });
        }
        let (rows, bytes) = self.stream(job, entry, writer).await?;
        let expected = u64::try_from(entry.rows).unwrap_or(0);
        crate::fetch::copy::reconcile(ctx, job, writer, (expected, rows, bytes)).await
    }

    /// Object -> gunzip -> COPY FROM STDIN; returns (rows inserted, uncompressed bytes).
    async fn stream(
        &self,
        job: &ShardJob,
        entry: &ManifestShard,
        writer: &Client,
    ) -> Result<(u64, u64)> {
        let key = job.key();
        let shown = self.storage.shown();
        let path = Path::parse(&entry.object)
            .map_err(|e| Error::config(format!("manifest object {:?}: {e}", entry.object)))?;
        let got = self
            .storage
            .store()
            .get(&path)
            .await
            .map_err(|e| storage_error(shown, &format!("reading {path} from"), e))?;
        let sink = writer
            .copy_in::<_, Bytes>(&copy_in_sql(&job.table, self.manifest.format))
            .await
            .map_err(|e| Error::db(format!("starting COPY FROM for {key} on the target"), e))?;
        let mut sink = std::pin::pin!(sink);
        let mut source = got.into_stream();
        let mut gz = MultiGzDecoder::new(Vec::with_capacity(BATCH_BYTES * 2));
        let gz_error = |e| Error::io(format!("decompressing {path}"), e);
        let mut bytes = 0u64;
        while let Some(chunk) = source.next().await {
            let chunk =
                chunk.map_err(|e| storage_error(shown, &format!("reading {path} from"), e))?;
            gz.write_all(&chunk).map_err(gz_error)?;
            if gz.get_ref().len() >= BATCH_BYTES {
                let data = Bytes::from(std::mem::take(gz.get_mut()));
                bytes += data.len() as u64;
                sink.send(data).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
            }
        }
        let rest = Bytes::from(gz.finish().map_err(gz_error)?);
        bytes += rest.len() as u64;
        if !rest.is_empty() {
            sink.send(rest).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
        }
        let rows =
            sink.as_mut().finish().await.map_err(|e| {
                Error::db(format!("finishing COPY FROM for {key} on the target"), e)
            })?;
        Ok((rows, bytes))
    }
}
