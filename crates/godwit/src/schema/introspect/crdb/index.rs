//! Indexes from `pg_index` and `information_schema.statistics` (see `indexes.sql`).
//!
//! CockroachDB's two access methods are reported with their PostgreSQL counterparts: `prefix`
//! as `btree` and `inverted` as `gin` (spatial inverted indexes too, whose PostgreSQL
//! equivalent would be GiST). Key order follows CockroachDB: ascending keys sort NULLs first,
//! descending keys last (`pg_catalog.go` sets `indoption` so). Keys are the ones the index was
//! declared with, as `SHOW CREATE` prints them and `schema::parse::crdb` reads them: the
//! implicit key columns CockroachDB adds in front (the hidden shard column of a hash-sharded
//! index, `crdb_region` in a `REGIONAL BY ROW` table) are left out, the shard column being
//! named in `cockroach.hash_sharded` with the bucket count. `cockroach.not_visible` marks
//! indexes the optimizer ignores. Index partitioning and operator classes (`gin_trgm_ops`) are
//! not exposed by the catalogs read here; the operator class only appears in `definition`.

use tokio_postgres::{Client, Row};

use super::super::row::{get, get_json, query};
use crate::schema::model::{
    CockroachIndex, HashSharding, Index, IndexKey, IndexTarget, QualifiedName,
};
use crate::{Error, Result};

/// A key part as `indexes.sql` returns it.
#[derive(Debug, serde::Deserialize)]
struct KeyRow {
    /// The column name; for an expression, the inaccessible column that stores it.
    column: String,
    /// Whether `column` is a column of the table (false for expressions).
    is_column: bool,
    descending: bool,
    /// A key column CockroachDB added (shard column, partitioning prefix).
    implicit: bool,
}

/// Indexes of tables and materialized views in `schemas`, keyed by relation.
pub(super) async fn indexes(
    client: &Client,
    schemas: &[String],
) -> Result<Vec<(QualifiedName, Index)>> {
    let rows = query(client, include_str!("indexes.sql"), "indexes", schemas).await?;
    rows.iter()
        .map(|row| {
            let table = QualifiedName { schema: get(row, "schema")?, name: get(row, "relation")? };
            Ok((table, index(row)?))
        })
        .collect()
}

fn index(row: &Row) -> Result<Index> {
    let name: String = get(row, "name")?;
    let amname: String = get(row, "method")?;
    let method = access_method(&amname);
    let (implicit, keys): (Vec<KeyRow>, Vec<KeyRow>) =
        get_json::<Vec<KeyRow>>(row, "keys")?.into_iter().partition(|k| k.implicit);
    let expressions: Vec<String> = get(row, "expressions")?;
    let keys = index_keys(&name, method == "gin", keys, expressions)?;
    let definition: String = get(row, "definition")?;
    let cockroach = CockroachIndex {
        hash_sharded: hash_sharding(&definition, &implicit),
        not_visible: get(row, "not_visible")?,
        partitioning: None,
    };
    Ok(Index {
        method: method.to_owned(),
        unique: get(row, "is_unique")?,
        primary: get(row, "is_primary")?,
        keys,
        include: get(row, "include")?,
        predicate: get(row, "predicate")?,
        nulls_not_distinct: false,
        constraint: get(row, "constraint_name")?,
        valid: get(row, "valid")?,
        inherited: false,
        options: Vec::new(),
        definition,
        comment: None,
        cockroach,
        name,
    })
}

/// The PostgreSQL name of a CockroachDB access method (`pg_am.amname`).
fn access_method(amname: &str) -> &str {
    match amname {
        "prefix" => "btree",
        "inverted" => "gin",
        other => other,
    }
}

/// Key parts in order, with the expressions of `indexprs` given, in order, to the keys that
/// are not table columns. In an inverted index only the last key is inverted (unordered).
fn index_keys(
    index: &str,
    inverted: bool,
    keys: Vec<KeyRow>,
    expressions: Vec<String>,
) -> Result<Vec<IndexKey>> {
    let count = keys.len();
    let mut expressions = expressions.into_iter();
    keys.into_iter()
        .enumerate()
        .map(|(i, key)| {
            let target = if key.is_column {
                IndexTarget::Column(key.column)
            } else {
                IndexTarget::Expression(expressions.next().ok_or_else(|| {
                    Error::internal(format!(
                        "The catalog lists an expression key of index \"{index}\" without its \
                         expression"
                    ))
                })?)
            };
            let ordered = !(inverted && i + 1 == count);
            Ok(IndexKey {
                target,
                opclass: None,
                collation: None,
                descending: key.descending,
                nulls_first: ordered && !key.descending,
            })
        })
        .collect()
}

/// The sharding of a hash-sharded index: its definition says `USING HASH`, and its shard
/// column is the implicit key named `crdb_internal_<columns>_shard_<buckets>`.
fn hash_sharding(definition: &str, implicit: &[KeyRow]) -> Option<HashSharding> {
    let lower = definition.to_ascii_lowercase();
    let hash = lower.find(" using hash")?;
    let shard_column = implicit
        .iter()
        .find(|key| key.is_column && shard_buckets(&key.column).is_some())
        .map(|key| key.column.clone());
    let bucket_count =
        bucket_count(&lower[hash..]).or_else(|| shard_column.as_deref().and_then(shard_buckets));
    Some(HashSharding { bucket_count, shard_column })
}

/// The bucket count printed after `USING HASH`: `WITH (bucket_count=16)` (v22.1+) or
/// `WITH BUCKET_COUNT = 16` (older releases).
fn bucket_count(using_hash: &str) -> Option<i64> {
    let at = using_hash.find("bucket_count")? + "bucket_count".len();
    let digits: String = using_hash
        .get(at..)?
        .trim_start_matches(|c: char| c.is_whitespace() || c == '=')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The bucket count in the name of a hash shard column, `crdb_internal_a_b_shard_16`, or
/// `None` when `name` is not one.
fn shard_buckets(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("crdb_internal_")?;
    let (columns, buckets) = rest.rsplit_once("_shard_")?;
    if columns.is_empty() || buckets.is_empty() || !buckets.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    buckets.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(column: &str, is_column: bool, descending: bool) -> KeyRow {
        KeyRow { column: column.to_owned(), is_column, descending, implicit: false }
    }

    #[test]
    fn maps_access_methods() {
        assert_eq!(access_method("prefix"), "btree");
        assert_eq!(access_method("inverted"), "gin");
        assert_eq!(access_method("cspann"), "cspann");
    }

    #[test]
    fn assigns_expressions_to_non_column_keys_in_order() {
        let keys = vec![
            key("a", true, false),
            key("crdb_internal_idx_expr", false, true),
            key("crdb_internal_idx_expr_1", false, false),
        ];
        let exprs = vec!["lower(b)".to_owned(), "(a + 1)".to_owned()];
        let keys = index_keys("i", false, keys, exprs).unwrap();
        assert_eq!(keys[0].target, IndexTarget::Column("a".into()));
        assert!(keys[0].nulls_first && !keys[0].descending);
        assert_eq!(keys[1].target, IndexTarget::Expression("lower(b)".into()));
        assert!(keys[1].descending && !keys[1].nulls_first);
        assert_eq!(keys[2].target, IndexTarget::Expression("(a + 1)".into()));
    }

    #[test]
    fn an_expression_key_without_expression_is_an_error() {
        let err = index_keys("i", false, vec![key("x", false, false)], Vec::new()).unwrap_err();
        assert!(err.message().contains("\"i\""), "{}", err.message());
    }

    #[test]
    fn the_inverted_key_of_an_inverted_index_is_unordered() {
        let keys = vec![key("tenant", true, false), key("doc", true, false)];
        let keys = index_keys("i", true, keys, Vec::new()).unwrap();
        assert!(keys[0].nulls_first);
        assert!(!keys[1].nulls_first);
    }

    fn implicit_key(name: &str) -> KeyRow {
        KeyRow { implicit: true, ..key(name, true, false) }
    }

    #[test]
    fn reads_hash_sharding_of_both_syntaxes() {
        let keys = [implicit_key("crdb_internal_a_shard_16"), implicit_key("crdb_region")];
        let new = "CREATE INDEX i ON d.public.t USING btree (a ASC) USING HASH WITH \
                   (bucket_count=16)";
        let sharding = hash_sharding(new, &keys).unwrap();
        assert_eq!(sharding.bucket_count, Some(16));
        assert_eq!(sharding.shard_column.as_deref(), Some("crdb_internal_a_shard_16"));
        let old = "CREATE INDEX i ON t (a ASC) USING HASH WITH BUCKET_COUNT = 8";
        assert_eq!(hash_sharding(old, &[]).unwrap().bucket_count, Some(8));
        let bare = "CREATE INDEX i ON t (a ASC) USING HASH";
        assert_eq!(hash_sharding(bare, &keys).unwrap().bucket_count, Some(16));
        assert!(hash_sharding("CREATE INDEX i ON t USING btree (a ASC)", &keys).is_none());
    }

    #[test]
    fn recognises_shard_column_names() {
        assert_eq!(shard_buckets("crdb_internal_a_shard_16"), Some(16));
        assert_eq!(shard_buckets("crdb_internal_a_b_shard_8"), Some(8));
        assert_eq!(shard_buckets("crdb_internal_expiration"), None);
        assert_eq!(shard_buckets("crdb_internal_a_shard_"), None);
        assert_eq!(shard_buckets("crdb_internal__shard_4"), None);
        assert_eq!(shard_buckets("a_shard_4"), None);
        assert_eq!(shard_buckets("crdb_internal_a_shard_x1"), None);
    }
}
