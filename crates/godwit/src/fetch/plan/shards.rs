//! Shard bounds read inside the snapshot on the coordinator, and their stored form.
//!
//! A table gets `total_bytes / shard_bytes` shards (rounded up, see [`pick::shard_count`]);
//! `total_bytes` is its size on disk with indexes and TOAST, so shards are of about equal
//! bytes when rows are of about equal size. The bounds come from:
//!
//! - a single `smallint`/`integer`/`bigint` key: `min`/`max` (two index probes) cut into
//!   equal-width ranges, cheap and exact for dense keys;
//! - any other key on PostgreSQL: the first key column's `pg_stats.histogram_bounds`, whose
//!   buckets hold equal numbers of rows, when it has a bucket per shard (and, for a composite
//!   key, enough distinct first-column values); a bound is then a one-column prefix of the
//!   key. Otherwise a `TABLESAMPLE SYSTEM` sample of whole keys sorted by the key, every k-th
//!   tuple a bound. The histogram is read back as the column's type and sorted by the
//!   database with the column's collation, inside a savepoint: a type whose histogram cannot
//!   be read that way falls back to sampling instead of aborting the snapshot transaction;
//! - no key on PostgreSQL: `pg_relation_size / block_size` heap pages cut into equal runs of
//!   `ctid` pages. Rows added after the snapshot are invisible to it wherever they land, and
//!   the last range is open above;
//! - CockroachDB (no `pg_stats` histograms or `TABLESAMPLE` there): only integer keys split.
//!
//! Stale statistics only unbalance the shards: whatever the bounds, the ranges chain from
//! open below to open above, so no row is missed or read twice.

use super::super::state::StoredShard;
use super::{Bound, KeyColumn, Range, Split, TablePlan, pick};
use crate::conn::Connection;
use crate::dialect::{Dialect, quote_ident};
use crate::error::{Error, Result};

/// The shard ranges of `table`, planned inside the snapshot held by `coordinator`.
pub async fn plan_ranges(
    coordinator: &Connection,
    table: &TablePlan,
    shard_bytes: u64,
) -> Result<Vec<Range>> {
    let shards = pick::shard_count(table.total_bytes, shard_bytes);
    if shards <= 1 {
        return Ok(Range::chain(Vec::new()));
    }
    let bounds = match (table.split(), coordinator.dialect()) {
        (Split::Integer(key), _) => integer_bounds(coordinator, table, key, shards).await?,
        (Split::Key, Dialect::Postgres) => key_bounds(coordinator, table, shards).await?,
        (Split::Pages, Dialect::Postgres) => page_bounds(coordinator, table, shards).await?,
        (Split::Key | Split::Pages, Dialect::Cockroach) => Vec::new(),
    };
    Ok(Range::chain(bounds))
}

/// The state rows of new `pending` shards for `ranges`.
pub fn to_stored(table: &TablePlan, ranges: &[Range]) -> Vec<StoredShard> {
    ranges
        .iter()
        .zip(0..)
        .map(|(r, shard)| StoredShard {
            schema: table.schema.clone(),
            table: table.name.clone(),
            shard,
            lower: r.lower.as_ref().map(Bound::encode),
            upper: r.upper.as_ref().map(Bound::encode),
            status: "pending".into(),
        })
        .collect()
}

/// The range of a stored shard; an error when it does not decode or does not fit the table's
/// key (the table changed since the run was planned). The bounds are not echoed: they are
/// key values.
pub fn from_stored(table: &TablePlan, stored: &StoredShard) -> Result<Range> {
    let decode = |b: &Option<String>| b.as_deref().map(Bound::decode);
    let range = match (decode(&stored.lower), decode(&stored.upper)) {
        (Some(None), _) | (_, Some(None)) => None,
        (lower, upper) => Some(Range { lower: lower.flatten(), upper: upper.flatten() }),
    };
    range.filter(|r| r.fits(&table.key)).ok_or_else(|| {
        Error::config(format!(
            "the stored bounds of {}.{} shard {} do not fit the table's primary key",
            table.schema, table.name, stored.shard
        ))
        .with_hint("the table changed since the run was planned; start a new run")
    })
}

async fn integer_bounds(
    coordinator: &Connection,
    table: &TablePlan,
    key: &KeyColumn,
    shards: usize,
) -> Result<Vec<Bound>> {
    let sql = include_str!("../sql/key_range.sql")
        .trim_end()
        .replace("{key}", &quote_ident(&key.name))
        .replace("{table}", &table.quoted());
    let row = coordinator
        .client()
        .query_one(&sql, &[])
        .await
        .map_err(|e| Error::db(format!("reading the key range of {}", name(table)), e))?;
    let (Some(min), Some(max)) = (row.get::<_, Option<i64>>(0), row.get::<_, Option<i64>>(1))
    else {
        return Ok(Vec::new());
    };
    let bounds = pick::integer_bounds(min, max, shards);
    Ok(bounds.into_iter().map(|b| Bound::Key(vec![b.to_string()])).collect())
}

async fn key_bounds(
    coordinator: &Connection,
    table: &TablePlan,
    shards: usize,
) -> Result<Vec<Bound>> {
    match histogram_bounds(coordinator, table, shards).await? {
        Some(bounds) => Ok(bounds),
        None => sample_bounds(coordinator, table, shards).await,
    }
}

/// Bounds on the first key column from its histogram, or `None` when there is none fit for
/// `shards` shards (or it could not be read as the column's type).
async fn histogram_bounds(
    coordinator: &Connection,
    table: &TablePlan,
    shards: usize,
) -> Result<Option<Vec<Bound>>> {
    let Some(first) = table.key.first().filter(|c| !c.array) else { return Ok(None) };
    let Some((n_distinct, histogram)) = read_histogram(coordinator, table, first).await? else {
        return Ok(None);
    };
    let buckets = histogram.len().saturating_sub(1);
    let composite = table.key.len() > 1;
    if !pick::histogram_usable(buckets, n_distinct, table.estimated_rows, composite, shards) {
        return Ok(None);
    }
    let picked = pick::take_positions(&histogram, &pick::even_positions(buckets, shards));
    Ok(Some(picked.into_iter().map(|b| Bound::Key(vec![b])).collect()))
}

/// `(n_distinct, sorted histogram bounds)` of `column`, inside a savepoint so that a failure
/// leaves the snapshot transaction usable (and gives `None`).
async fn read_histogram(
    coordinator: &Connection,
    table: &TablePlan,
    column: &KeyColumn,
) -> Result<Option<(f64, Vec<String>)>> {
    let client = coordinator.client();
    let savepoint = |sql: &'static str| async move {
        client.batch_execute(sql.trim_end()).await.map_err(|e| {
            Error::db(format!("planning the shards of {} (savepoint)", name(table)), e)
        })
    };
    savepoint(include_str!("../sql/plan_savepoint.sql")).await?;
    let collate = column.collation.as_ref().map(|c| format!(" COLLATE {c}")).unwrap_or_default();
    let sql = include_str!("../sql/histogram.sql")
        .replace("{type}", &column.data_type)
        .replace("{collate}", &collate);
    match client.query_opt(&sql, &[&table.schema, &table.name, &column.name]).await {
        Ok(row) => {
            savepoint(include_str!("../sql/plan_release.sql")).await?;
            Ok(row.map(|r| (r.get(0), r.get(1))))
        }
        Err(_) => {
            savepoint(include_str!("../sql/plan_rollback.sql")).await?;
            savepoint(include_str!("../sql/plan_release.sql")).await?;
            Ok(None)
        }
    }
}

/// Bounds from a sample of whole keys, sorted by the key in the database.
async fn sample_bounds(
    coordinator: &Connection,
    table: &TablePlan,
    shards: usize,
) -> Result<Vec<Bound>> {
    let percent = pick::sample_percent(table.estimated_rows, table.total_bytes, shards);
    let qualified: Vec<_> =
        table.key.iter().map(|c| format!("s.{}", quote_ident(&c.name))).collect();
    let keys: Vec<_> = qualified.iter().map(|c| format!("{c}::text")).collect();
    let sql = include_str!("../sql/sample_keys.sql")
        .trim_end()
        .replace("{keys}", &keys.join(", "))
        .replace("{table}", &table.quoted())
        .replace("{percent}", &percent.to_string())
        .replace("{order}", &qualified.join(", "));
    let rows = coordinator
        .client()
        .query(&sql, &[])
        .await
        .map_err(|e| Error::db(format!("sampling the keys of {}", name(table)), e))?;
    let sample: Vec<Vec<String>> =
        rows.iter().map(|r| (0..table.key.len()).map(|i| r.get(i)).collect()).collect();
    let picked = pick::take_positions(&sample, &pick::even_positions(sample.len(), shards));
    Ok(picked.into_iter().map(Bound::Key).collect())
}

/// Page bounds of a table without a key, from its heap size in pages.
async fn page_bounds(
    coordinator: &Connection,
    table: &TablePlan,
    shards: usize,
) -> Result<Vec<Bound>> {
    let row = coordinator
        .client()
        .query_one(include_str!("../sql/table_pages.sql").trim_end(), &[&table.quoted()])
        .await
        .map_err(|e| Error::db(format!("reading the heap size of {}", name(table)), e))?;
    let pages = u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX);
    Ok(pick::page_bounds(pages, shards).into_iter().map(Bound::Page).collect())
}

fn name(table: &TablePlan) -> String {
    format!("{}.{}", table.schema, table.name)
}
