//! The text data path: used whenever CockroachDB is on either side of a fetch, and by the
//! storage export (which reads shards the same way, whatever the dialects).
//!
//! CockroachDB behaviour relied on (from its documentation and source; there is no
//! CockroachDB server here, so none of it is tested live unless `GODWIT_TEST_COCKROACH`
//! names a `cockroach` binary):
//!
//! - **One instant for every reader.** The counterpart of `pg_export_snapshot()` is a time:
//!   `cluster_logical_timestamp()` read once on the coordinator ([`snapshot_time`]), and
//!   every read (`count(*)`, `COPY (SELECT ...) TO STDOUT`) carries
//!   `AS OF SYSTEM TIME '<that decimal>'`, which accepts "the same format as produced by
//!   `cluster_logical_timestamp()`". The value is recorded as the run's snapshot in
//!   `_godwit.runs` and in the storage manifest: it is the changefeed `cursor` that continues
//!   exactly after the copy. It must stay inside the GC window (`gc.ttlseconds`, 4 h by
//!   default) for the whole copy.
//! - **COPY TO is text or CSV only** ("binary format for COPY TO not implemented", issue
//!   97180) and takes an arbitrary query (since v23.1); values are written with the pgwire
//!   text formatter and escaped like PostgreSQL's COPY text. `COPY FROM STDIN` accepts text,
//!   CSV and binary; text is used, so a PostgreSQL source's output (also text) is forwarded
//!   without parsing and a CockroachDB source's goes through [`RowConverter`].
//! - Serialization failures (SQLSTATE 40001) are retried: the whole shard transaction is
//!   redone by the worker pool, as [`crate::error::classify_sqlstate`] makes 40001 transient.
//!
//! Session settings that change the text of values are pinned on every reader and writer
//! (`cockroach/session.sql`). What still differs between CockroachDB's text and what
//! PostgreSQL's `COPY FROM` accepts is converted per value ([`convert_value`]).

use std::pin::pin;

use bytes::{Bytes, BytesMut};
use futures_util::{SinkExt, StreamExt};
use tokio_postgres::Client;
use tokio_postgres::types::Type;

use super::copy::{CopyContext, ShardJob, ShardOutcome};
use super::plan::TablePlan;
use super::state;
use super::storage::Format;
use crate::conn::{self, ConnParams, Connection};
use crate::dialect::{Dialect, quote_literal};
use crate::error::{Error, ErrorKind, Result};

/// Size a COPY buffer grows to before it is sent on.
pub const BATCH_BYTES: usize = 256 * 1024;

/// Read the coordinator's time for every reader: `cluster_logical_timestamp()` as a decimal
/// string, checked to be one (it is spliced into `AS OF SYSTEM TIME` as a literal). `what`
/// names the side in errors (`source`, `target`).
pub async fn snapshot_time(coordinator: &Connection, what: &str) -> Result<String> {
    let row = coordinator
        .client()
        .query_one(include_str!("cockroach/cluster_time.sql").trim_end(), &[])
        .await
        .map_err(|e| Error::db(format!("reading cluster_logical_timestamp() on the {what}"), e))?;
    let hlc: String = row.get(0);
    if !crate::dialect::is_hlc_timestamp(&hlc) {
        return Err(Error::internal(format!("cluster_logical_timestamp() returned {hlc:?}")));
    }
    Ok(hlc)
}

/// A source connection that reads every shard at the run's instant: inside the exported
/// snapshot on PostgreSQL, `AS OF SYSTEM TIME` on CockroachDB.
#[derive(Debug)]
pub struct Reader {
    conn: Connection,
    snapshot: String,
}

impl Reader {
    /// Connect, pin the session settings and (PostgreSQL) import the snapshot.
    pub async fn open(source: &ConnParams, snapshot: &str) -> Result<Reader> {
        let conn = conn::connect(source).await?;
        let mut sql = include_str!("cockroach/session.sql").to_owned();
        if conn.dialect() == Dialect::Postgres {
            sql.push_str(
                &include_str!("sql/import_snapshot.sql")
                    .replace("{snapshot}", &quote_literal(snapshot)),
            );
        } else if !crate::dialect::is_hlc_timestamp(snapshot) {
            return Err(Error::config(format!(
                "{snapshot:?} is not a CockroachDB HLC timestamp (the snapshot of a run from a \
                 CockroachDB source)"
            )));
        }
        conn.client()
            .batch_execute(&sql)
            .await
            .map_err(|e| Error::db(format!("opening a reader at {snapshot} on the source"), e))?;
        Ok(Reader { conn, snapshot: snapshot.to_owned() })
    }

    /// The source's dialect.
    pub fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// The client.
    pub fn client(&self) -> &Client {
        self.conn.client()
    }

    /// `count(*)` of the shard at the run's instant.
    pub async fn count(&self, job: &ShardJob) -> Result<u64> {
        let sql = count_sql(self.dialect(), &job.table, &job.table.predicate(&job.range))
            .replace("{aost}", &quote_literal(&self.snapshot));
        let row = self
            .client()
            .query_one(&sql, &[])
            .await
            .map_err(|e| Error::db(format!("counting source rows of {}", job.key()), e))?;
        let n: i64 = row.get(0);
        u64::try_from(n).map_err(|_| Error::internal("negative count(*)"))
    }

    /// The shard's `COPY ... TO STDOUT` in `format`.
    pub fn copy_out_sql(&self, job: &ShardJob, format: Format) -> Result<String> {
        copy_out_sql(self.dialect(), job, format, &self.snapshot)
    }

    /// The source types of the plan's columns, from a prepared `SELECT ... LIMIT 0`.
    pub async fn column_types(&self, table: &TablePlan) -> Result<Vec<Type>> {
        column_types(self.client(), table).await
    }
}

/// The types the server reports for `table`'s columns (works on both dialects).
pub async fn column_types(client: &Client, table: &TablePlan) -> Result<Vec<Type>> {
    let sql = include_str!("cockroach/column_types.sql")
        .trim_end()
        .replace("{columns}", &table.select_list())
        .replace("{table}", &table.quoted());
    let stmt = client.prepare(&sql).await.map_err(|e| {
        Error::db(format!("reading the column types of {}.{}", table.schema, table.name), e)
    })?;
    Ok(stmt.columns().iter().map(|c| c.type_().clone()).collect())
}

fn count_sql(dialect: Dialect, table: &TablePlan, predicate: &str) -> String {
    let template = match dialect {
        Dialect::Postgres => include_str!("sql/count.sql"),
        Dialect::Cockroach => include_str!("cockroach/count_aost.sql"),
    };
    template.trim_end().replace("{table}", &table.quoted()).replace("{where}", predicate)
}

/// `COPY (SELECT ...) TO STDOUT` for one shard; CockroachDB reads `AS OF SYSTEM TIME`.
fn copy_out_sql(
    dialect: Dialect,
    job: &ShardJob,
    format: Format,
    snapshot: &str,
) -> Result<String> {
    let t = &job.table;
    let (template, options) = match (dialect, format) {
        (Dialect::Postgres, Format::PgBinary) => {
            (include_str!("cockroach/copy_out.sql"), " (FORMAT binary)")
        }
        (Dialect::Postgres, Format::Text) => (include_str!("cockroach/copy_out.sql"), ""),
        (Dialect::Postgres, Format::Csv) => {
            (include_str!("cockroach/copy_out.sql"), " (FORMAT csv)")
        }
        (Dialect::Cockroach, Format::Text) => (include_str!("cockroach/copy_out_aost.sql"), ""),
        (Dialect::Cockroach, Format::Csv) => {
            (include_str!("cockroach/copy_out_aost.sql"), " WITH CSV")
        }
        (Dialect::Cockroach, Format::PgBinary) => {
            return Err(Error::config("CockroachDB cannot COPY TO in binary format (issue 97180)"));
        }
    };
    Ok(template
        .trim_end()
        .replace("{columns}", &t.select_list())
        .replace("{table}", &t.quoted())
        .replace("{aost}", &quote_literal(snapshot))
        .replace("{where}", &t.predicate(&job.range))
        .replace("{order}", &t.order())
        .replace("{options}", options))
}

/// `COPY t (cols) FROM STDIN` in `format`.
pub fn copy_in_sql(table: &TablePlan, format: Format) -> String {
    let options = match format {
        Format::PgBinary => " (FORMAT binary)",
        Format::Text => "",
        Format::Csv => " (FORMAT csv)",
    };
    include_str!("cockroach/copy_in.sql")
        .trim_end()
        .replace("{table}", &table.quoted())
        .replace("{columns}", &table.column_list())
        .replace("{options}", options)
}

/// Copy one shard over COPY text when CockroachDB is on either side: rows and the `done`
/// mark in one target transaction, the count checked against the instant's `count(*)`.
pub async fn copy_shard(ctx: &CopyContext, job: &ShardJob) -> Result<ShardOutcome> {
    let reader = Reader::open(&ctx.source, &ctx.snapshot).await?;
    let writer = conn::connect(&ctx.target).await?;
    let client = writer.client();
    client
        .batch_execute(&format!("{}BEGIN", include_str!("cockroach/session.sql")))
        .await
        .map_err(|e| Error::db("beginning a target transaction", e))?;
    let converter = match (reader.dialect(), writer.dialect()) {
        (Dialect::Cockroach, Dialect::Postgres) => {
            Some(RowConverter::new(&job.table, &reader.column_types(&job.table).await?))
        }
        _ => None,
    };
    let result = copy_in_transaction(ctx, job, &reader, client, converter).await;
    super::copy::end_transaction(client, result).await
}

async fn copy_in_transaction(
    ctx: &CopyContext,
    job: &ShardJob,
    reader: &Reader,
    writer: &Client,
    converter: Option<RowConverter>,
) -> Result<ShardOutcome> {
    if !state::lock_shard(writer, &ctx.run_id, &job.key()).await? {
        return Ok(ShardOutcome { skipped: true, ..ShardOutcome::default() });
    }
    let expected = reader.count(job).await?;
    let out_sql = reader.copy_out_sql(job, Format::Text)?;
    let in_sql = copy_in_sql(&job.table, Format::Text);
    let (rows, bytes) = stream(reader.client(), &out_sql, writer, &in_sql, converter, job).await?;
    super::copy::reconcile(ctx, job, writer, (expected, rows, bytes)).await
}

/// Forward COPY text from `reader` to `writer` in ~256 KiB batches, converting rows when a
/// converter is given; returns (rows inserted, bytes read).
async fn stream(
    reader: &Client,
    out_sql: &str,
    writer: &Client,
    in_sql: &str,
    mut converter: Option<RowConverter>,
    job: &ShardJob,
) -> Result<(u64, u64)> {
    let key = job.key();
    let source = reader
        .copy_out(out_sql)
        .await
        .map_err(|e| Error::db(format!("starting COPY TO for {key} on the source"), e))?;
    let sink = writer
        .copy_in::<_, Bytes>(in_sql)
        .await
        .map_err(|e| Error::db(format!("starting COPY FROM for {key} on the target"), e))?;
    let mut source = pin!(source);
    let mut sink = pin!(sink);
    let mut buf = BytesMut::with_capacity(BATCH_BYTES);
    let mut bytes = 0u64;
    while let Some(chunk) = source.next().await {
        let chunk = chunk.map_err(|e| Error::db(format!("reading {key} from the source"), e))?;
        bytes += chunk.len() as u64;
        match converter.as_mut() {
            Some(c) => c.push(&chunk, &mut buf)?,
            None => buf.extend_from_slice(&chunk),
        }
        if buf.len() >= BATCH_BYTES {
            let full = buf.split().freeze();
            sink.send(full).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
        }
    }
    if let Some(c) = converter.as_mut() {
        c.finish(&mut buf)?;
    }
    if !buf.is_empty() {
        sink.send(buf.freeze()).await.map_err(|e| Error::db(format!("writing {key}"), e))?;
    }
    let rows = sink
        .as_mut()
        .finish()
        .await
        .map_err(|e| Error::db(format!("finishing COPY FROM for {key} on the target"), e))?;
    Ok((rows, bytes))
}

/// How a column's CockroachDB text is made valid PostgreSQL input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Same text on both sides (integers, numeric, text, uuid, bytea in hex, arrays, ...).
    Pass,
    /// `true`/`false` become `t`/`f` (PostgreSQL accepts both; kept canonical).
    Bool,
    /// `+Inf`, `Inf`, `-Inf`, `inf`, `nan` spellings become `Infinity`, `-Infinity`, `NaN`.
    Float,
    /// CockroachDB stores `infinity` as the largest and `-infinity` as the smallest
    /// timestamp; those two values become PostgreSQL's `infinity` / `-infinity` again.
    Timestamp,
    /// JSON: a `\u0000` escape, valid in CockroachDB, is rejected by PostgreSQL's `jsonb`.
    Json,
}

impl ValueKind {
    /// The conversion for a source column type.
    pub fn of(t: &Type) -> ValueKind {
        match *t {
            Type::BOOL => ValueKind::Bool,
            Type::FLOAT4 | Type::FLOAT8 => ValueKind::Float,
            Type::TIMESTAMP | Type::TIMESTAMPTZ => ValueKind::Timestamp,
            Type::JSON | Type::JSONB => ValueKind::Json,
            _ => ValueKind::Pass,
        }
    }
}

/// Why a value cannot be converted (never carries the value itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unconvertible {
    /// A `\u0000` escape in JSON.
    JsonNul,
}

/// One COPY text field (escaped, never `\N`) of `kind`, as PostgreSQL accepts it.
pub fn convert_value(kind: ValueKind, field: &[u8]) -> std::result::Result<&[u8], Unconvertible> {
    Ok(match kind {
        ValueKind::Pass => field,
        ValueKind::Bool => match field {
            b"true" => b"t",
            b"false" => b"f",
            other => other,
        },
        ValueKind::Float => match field {
            b"+Inf" | b"Inf" | b"inf" | b"+inf" | b"infinity" | b"+Infinity" => b"Infinity",
            b"-Inf" | b"-inf" | b"-infinity" => b"-Infinity",
            b"nan" | b"NaN" => b"NaN",
            other => other,
        },
        ValueKind::Timestamp if field.starts_with(b"294276-12-31 23:59:59.999999") => b"infinity",
        ValueKind::Timestamp
            if field.starts_with(b"4714-11-24 00:00:00") && field.ends_with(b" BC") =>
        {
            b"-infinity"
        }
        ValueKind::Timestamp => field,
        // In COPY text the JSON backslash is itself escaped: `\u0000` arrives as `\\u0000`.
        ValueKind::Json if contains(field, b"\\\\u0000") => return Err(Unconvertible::JsonNul),
        ValueKind::Json => field,
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Rewrites CockroachDB COPY text rows into PostgreSQL COPY text rows, field by field where a
/// column needs it ([`ValueKind`]); rows may arrive split across chunks. A NUL character
/// (which PostgreSQL text cannot hold, and CockroachDB's COPY does not escape) is an error
/// naming the table and column, never the value.
#[derive(Debug)]
pub struct RowConverter {
    table: String,
    columns: Vec<String>,
    kinds: Vec<ValueKind>,
    passthrough: bool,
    partial: Vec<u8>,
}

impl RowConverter {
    /// A converter for `table` whose columns have the source `types`.
    pub fn new(table: &TablePlan, types: &[Type]) -> RowConverter {
        let kinds: Vec<_> = types.iter().map(ValueKind::of).collect();
        RowConverter {
            table: format!("{}.{}", table.schema, table.name),
            columns: table.columns.clone(),
            passthrough: kinds.iter().all(|k| *k == ValueKind::Pass),
            kinds,
            partial: Vec::new(),
        }
    }

    /// Convert the complete rows of `chunk` (plus any carried part) into `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<()> {
        let whole_rows = self.partial.is_empty() && chunk.last() == Some(&b'\n');
        if self.passthrough && whole_rows && !chunk.contains(&0) {
            out.extend_from_slice(chunk);
            return Ok(());
        }
        self.partial.extend_from_slice(chunk);
        let Some(end) = self.partial.iter().rposition(|b| *b == b'\n') else { return Ok(()) };
        let rest = self.partial.split_off(end + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        for line in complete.split_inclusive(|b| *b == b'\n') {
            self.row(line, out)?;
        }
        Ok(())
    }

    /// The input ended: a carried partial row is an error (COPY rows end with a newline).
    pub fn finish(&mut self, out: &mut BytesMut) -> Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let last = std::mem::take(&mut self.partial);
        self.row(&last, out)?;
        out.extend_from_slice(b"\n");
        Ok(())
    }

    fn row(&self, line: &[u8], out: &mut BytesMut) -> Result<()> {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        for (i, field) in body.split(|b| *b == b'\t').enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\t");
            }
            if field.contains(&0) {
                return Err(
                    self.unconvertible(i, "a NUL character, which PostgreSQL text cannot hold")
                );
            }
            let kind = self.kinds.get(i).copied().unwrap_or(ValueKind::Pass);
            if field == b"\\N" {
                out.extend_from_slice(field);
                continue;
            }
            match convert_value(kind, field) {
                Ok(v) => out.extend_from_slice(v),
                Err(Unconvertible::JsonNul) => {
                    return Err(self.unconvertible(
                        i,
                        "a \\u0000 JSON escape, which PostgreSQL jsonb rejects",
                    ));
                }
            }
        }
        out.extend_from_slice(b"\n");
        Ok(())
    }

    fn unconvertible(&self, column: usize, why: &str) -> Error {
        let name = self.columns.get(column).map_or("?", String::as_str);
        Error::new(ErrorKind::Sql, format!("{} column {name}: a value holds {why}", self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::plan::Range;

    fn plan(columns: &[&str]) -> TablePlan {
        TablePlan {
            schema: "public".into(),
            name: "t".into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            casts: Vec::new(),
            key: Vec::new(),
            estimated_rows: 0,
            total_bytes: 0,
        }
    }

    fn job(columns: &[&str]) -> ShardJob {
        ShardJob {
            table_index: 0,
            table: std::sync::Arc::new(plan(columns)),
            shard: 0,
            range: Range::default(),
        }
    }

    #[test]
    fn cockroach_reads_carry_as_of_system_time() {
        let j = job(&["id", "Name"]);
        let hlc = "1701102296662969433.0000000000";
        let sql = copy_out_sql(Dialect::Cockroach, &j, Format::Text, hlc).unwrap();
        assert_eq!(
            sql,
            r#"COPY (SELECT "id", "Name" FROM "public"."t" AS OF SYSTEM TIME '1701102296662969433.0000000000') TO STDOUT"#
        );
        let csv = copy_out_sql(Dialect::Cockroach, &j, Format::Csv, hlc).unwrap();
        assert!(csv.ends_with(") TO STDOUT WITH CSV"), "{csv}");
        assert!(copy_out_sql(Dialect::Cockroach, &j, Format::PgBinary, hlc).is_err());
        let count = count_sql(Dialect::Cockroach, &j.table, " WHERE x").replace("{aost}", "'1.0'");
        assert_eq!(count, r#"SELECT count(*) FROM "public"."t" AS OF SYSTEM TIME '1.0' WHERE x"#);
    }

    #[test]
    fn postgres_reads_use_the_snapshot_and_format_options() {
        let j = job(&["id"]);
        let sql = copy_out_sql(Dialect::Postgres, &j, Format::Csv, "snap").unwrap();
        assert_eq!(sql, r#"COPY (SELECT "id" FROM ONLY "public"."t") TO STDOUT (FORMAT csv)"#);
        let bin = copy_out_sql(Dialect::Postgres, &j, Format::PgBinary, "snap").unwrap();
        assert!(bin.ends_with("TO STDOUT (FORMAT binary)"), "{bin}");
        assert_eq!(copy_in_sql(&j.table, Format::Text), r#"COPY "public"."t" ("id") FROM STDIN"#);
    }

    #[test]
    fn values_convert_per_kind() {
        // Values as CockroachDB's pgwire text formatter and CLI write them (docs, crdb-dialect).
        let ok = |k, v: &[u8]| convert_value(k, v).unwrap().to_vec();
        assert_eq!(ok(ValueKind::Bool, b"true"), b"t");
        assert_eq!(ok(ValueKind::Bool, b"f"), b"f");
        assert_eq!(ok(ValueKind::Float, b"+Inf"), b"Infinity");
        assert_eq!(ok(ValueKind::Float, b"-Inf"), b"-Infinity");
        assert_eq!(ok(ValueKind::Float, b"NaN"), b"NaN");
        assert_eq!(ok(ValueKind::Float, b"-0"), b"-0");
        assert_eq!(ok(ValueKind::Float, b"123.45678901234568"), b"123.45678901234568");
        assert_eq!(ok(ValueKind::Float, b"1e+21"), b"1e+21");
        assert_eq!(ok(ValueKind::Timestamp, b"294276-12-31 23:59:59.999999+00"), b"infinity");
        assert_eq!(ok(ValueKind::Timestamp, b"4714-11-24 00:00:00+00 BC"), b"-infinity");
        assert_eq!(
            ok(ValueKind::Timestamp, b"2006-01-02 15:04:05.999999+00"),
            b"2006-01-02 15:04:05.999999+00"
        );
        assert_eq!(
            ok(ValueKind::Json, br#"{"first_name": "Lola", "friends": 547}"#),
            br#"{"first_name": "Lola", "friends": 547}"#
        );
        assert_eq!(
            convert_value(ValueKind::Json, br#"{"a": "x\\u0000"}"#),
            Err(Unconvertible::JsonNul)
        );
        // Decimal exponent forms and negative zero are valid numeric input as they are.
        assert_eq!(ok(ValueKind::Pass, b"2.3685988919035999994E-82"), b"2.3685988919035999994E-82");
        assert_eq!(ok(ValueKind::Pass, b"\\\\x48aa"), b"\\\\x48aa");
    }

    #[test]
    fn rows_convert_across_chunks() {
        let table = plan(&["id", "ok", "f", "ts", "j"]);
        let types = [Type::INT8, Type::BOOL, Type::FLOAT8, Type::TIMESTAMPTZ, Type::JSONB];
        let mut c = RowConverter::new(&table, &types);
        let mut out = BytesMut::new();
        c.push(b"1\ttrue\t+Inf\t294276-12-31 23:59:59.999999+00\t{\"a\": 1}\n2\tfal", &mut out)
            .unwrap();
        c.push(b"se\t\\N\t2006-01-02 15:04:05+00\t\\N\n", &mut out).unwrap();
        c.finish(&mut out).unwrap();
        assert_eq!(
            &out[..],
            b"1\tt\tInfinity\tinfinity\t{\"a\": 1}\n2\tf\t\\N\t2006-01-02 15:04:05+00\t\\N\n"
        );
    }

    #[test]
    fn nul_characters_name_the_column_not_the_value() {
        let table = plan(&["id", "secret"]);
        let mut c = RowConverter::new(&table, &[Type::INT8, Type::TEXT]);
        let e = c.push(b"1\tpass\0word\n", &mut BytesMut::new()).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("public.t column secret"), "{shown}");
        assert!(!shown.contains("pass"), "{shown}");
    }

    #[test]
    fn passthrough_rows_are_forwarded_unchanged() {
        let table = plan(&["id", "v"]);
        let mut c = RowConverter::new(&table, &[Type::INT8, Type::TEXT]);
        let mut out = BytesMut::new();
        c.push(b"1\ta\\tb\n", &mut out).unwrap();
        c.push(b"2\tc", &mut out).unwrap();
        c.push(b"\n", &mut out).unwrap();
        c.finish(&mut out).unwrap();
        assert_eq!(&out[..], b"1\ta\\tb\n2\tc\n");
    }
}
