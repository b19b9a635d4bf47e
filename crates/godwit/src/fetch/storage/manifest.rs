//! The manifest of an export: `<prefix>/<run>/manifest.json`, written after the last shard's
//! object, read by the import. It says everything an import needs without the source: the
//! run and its snapshot (and, for a CockroachDB source, the `AS OF SYSTEM TIME` that is the
//! changefeed cursor), the payload format, and per table its columns with their source types,
//! its key and its shards (bounds, object, row count, sizes).

use bytes::Bytes;
use object_store::{ObjectStoreExt, PutPayload};

use super::{Format, Storage, storage_error};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::fetch::plan::{KeyColumn, TablePlan};

/// Manifest layout version; an import refuses any other.
pub const VERSION: u32 = 1;

/// A finished export.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Layout version ([`VERSION`]).
    pub version: u32,
    /// The run id (also the directory under the storage prefix).
    pub run_id: String,
    /// Dialect of the source.
    pub source_dialect: Dialect,
    /// Dialect of the target the export was made for (it decides the format).
    pub target_dialect: Dialect,
    /// The source, redacted.
    pub source: String,
    /// The snapshot the shards were read in: a PostgreSQL snapshot id or a CockroachDB
    /// HLC timestamp.
    pub snapshot: String,
    /// For a CockroachDB source, the `AS OF SYSTEM TIME` of every read: the changefeed
    /// `cursor` that continues exactly after this export.
    pub cursor: Option<String>,
    /// What the objects hold.
    pub format: Format,
    /// Compression of every object (`gzip`).
    pub compression: String,
    /// The tables, in copy order.
    pub tables: Vec<ManifestTable>,
}

/// One exported table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ManifestTable {
    /// Schema.
    pub schema: String,
    /// Table name.
    pub table: String,
    /// Columns in the order of the objects' fields.
    pub columns: Vec<ManifestColumn>,
    /// Primary-key columns (what the shard bounds are in).
    pub key: Vec<ManifestKey>,
    /// Every shard.
    pub shards: Vec<ManifestShard>,
}

/// A column and its source type (as the server names it, e.g. `int4`, `numeric`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestColumn {
    /// Column name.
    pub name: String,
    /// Source type name.
    #[serde(rename = "type")]
    pub data_type: String,
}

/// A key column, as the shard bounds need it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestKey {
    /// Column name.
    pub name: String,
    /// SQL type the bounds are cast to.
    pub data_type: String,
    /// Non-default collation, quoted.
    pub collation: Option<String>,
    /// An array column.
    pub array: bool,
}

/// One exported shard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestShard {
    /// Shard number.
    pub shard: i32,
    /// Stored lower bound (as in `_godwit.shards`).
    pub lower: Option<String>,
    /// Stored upper bound.
    pub upper: Option<String>,
    /// Object key, relative to the storage root.
    pub object: String,
    /// Rows in the object (`count(*)` of the range in the snapshot).
    pub rows: i64,
    /// Compressed size.
    pub bytes: i64,
    /// Uncompressed COPY data size.
    pub raw_bytes: i64,
}

impl ManifestTable {
    /// `schema.table`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    /// The plan an import runs with: columns and key as exported, no casts (the export
    /// already cast), sizes from the shards.
    pub fn plan(&self) -> TablePlan {
        TablePlan {
            schema: self.schema.clone(),
            name: self.table.clone(),
            columns: self.columns.iter().map(|c| c.name.clone()).collect(),
            casts: Vec::new(),
            key: self
                .key
                .iter()
                .map(|k| KeyColumn {
                    name: k.name.clone(),
                    data_type: k.data_type.clone(),
                    collation: k.collation.clone(),
                    array: k.array,
                })
                .collect(),
            estimated_rows: self.shards.iter().map(|s| s.rows).sum(),
            total_bytes: self.shards.iter().map(|s| s.raw_bytes).sum(),
        }
    }

    /// The shard numbered `shard`.
    pub fn shard(&self, shard: i32) -> Option<&ManifestShard> {
        self.shards.iter().find(|s| s.shard == shard)
    }
}

/// The key columns of `plan` as the manifest stores them.
pub fn key_of(plan: &TablePlan) -> Vec<ManifestKey> {
    plan.key
        .iter()
        .map(|k| ManifestKey {
            name: k.name.clone(),
            data_type: k.data_type.clone(),
            collation: k.collation.clone(),
            array: k.array,
        })
        .collect()
}

impl Manifest {
    /// The table `schema.table`.
    pub fn table(&self, schema: &str, table: &str) -> Option<&ManifestTable> {
        self.tables.iter().find(|t| t.schema == schema && t.table == table)
    }

    /// Write the manifest (the last object of an export).
    pub async fn write(&self, storage: &Storage) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::internal(format!("serialising the manifest: {e}")))?;
        let path = storage.manifest_path(&self.run_id);
        storage
            .store()
            .put(&path, PutPayload::from(Bytes::from(json)))
            .await
            .map_err(|e| storage_error(storage.shown(), "writing the manifest to", e))?;
        Ok(())
    }

    /// Read the manifest of `run_id`; a missing one means the export never finished.
    pub async fn read(storage: &Storage, run_id: &str) -> Result<Manifest> {
        let path = storage.manifest_path(run_id);
        let bytes = match storage.store().get(&path).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        let bytes = bytes.map_err(|e| {
            storage_error(storage.shown(), &format!("reading {path} from"), e).with_hint(
                "an export writes its manifest last: was it run to the end (--export-only)?",
            )
        })?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            Error::config(format!("{path} in {} is not a godwit manifest: {e}", storage.shown()))
        })?;
        if manifest.version != VERSION {
            return Err(Error::config(format!(
                "{path}: manifest version {} (this godwit reads version {VERSION})",
                manifest.version
            )));
        }
        Ok(manifest)
    }
}

/// The most recent run with a manifest under the storage prefix, if any.
pub async fn latest_run(storage: &Storage) -> Result<Option<String>> {
    use futures_util::TryStreamExt;
    let listed: Vec<_> = storage
        .store()
        .list(Some(storage.prefix()))
        .try_collect()
        .await
        .map_err(|e| storage_error(storage.shown(), "listing", e))?;
    let depth = storage.prefix().parts().count();
    let latest = listed
        .into_iter()
        .filter(|o| o.location.filename() == Some("manifest.json"))
        .filter(|o| o.location.parts().count() == depth + 2)
        .max_by_key(|o| o.last_modified);
    Ok(latest.and_then(|o| o.location.parts().nth(depth).map(|p| p.as_ref().to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_as_json() {
        let m = Manifest {
            version: VERSION,
            run_id: "fetch-1".into(),
            source_dialect: Dialect::Cockroach,
            target_dialect: Dialect::Postgres,
            source: "postgresql://u@h/db".into(),
            snapshot: "1701102296662969433.0000000000".into(),
            cursor: Some("1701102296662969433.0000000000".into()),
            format: Format::Text,
            compression: "gzip".into(),
            tables: vec![ManifestTable {
                schema: "public".into(),
                table: "t".into(),
                columns: vec![ManifestColumn { name: "id".into(), data_type: "int8".into() }],
                key: vec![ManifestKey {
                    name: "id".into(),
                    data_type: "bigint".into(),
                    collation: None,
                    array: false,
                }],
                shards: vec![ManifestShard {
                    shard: 0,
                    lower: None,
                    upper: Some("[\"10\"]".into()),
                    object: "fetch-1/public.t/shard-00000.txt.gz".into(),
                    rows: 9,
                    bytes: 40,
                    raw_bytes: 30,
                }],
            }],
        };
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains(r#""format":"text""#), "{json}");
        assert!(json.contains(r#""type":"int8""#), "{json}");
        assert_eq!(serde_json::from_str::<Manifest>(&json).unwrap(), m);
        let plan = m.tables[0].plan();
        assert_eq!(plan.columns, ["id"]);
        assert_eq!(plan.key[0].data_type, "bigint");
        assert_eq!(plan.estimated_rows, 9);
    }
}
