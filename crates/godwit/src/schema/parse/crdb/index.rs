//! Indexes: `INDEX` elements of `CREATE TABLE`, `CREATE INDEX`, and the clauses they share with
//! primary keys (`USING HASH`, `STORING`, `PARTITION BY`, `WITH (...)`, `WHERE`, visibility).
//!
//! Keys follow CockroachDB's sort order: an ascending key sorts NULLs first, a descending one
//! last, unless `NULLS FIRST|LAST` says otherwise. The last key of an inverted index (`gin`)
//! is unordered, so its `nulls_first` is false, as introspection reports it. An operator class
//! or collation without a schema is taken to be in `pg_catalog`.
//!
//! A hash-sharded index (`USING HASH [WITH (bucket_count = n)]`) keeps its keys as written; its
//! hidden shard column `crdb_internal_<columns>_shard_<n>` is found among the table's columns
//! when the table is complete ([`shard_column`]).

use std::ops::Range;

use super::lexer::TokenKind;
use super::parser::{Cursor, PResult};
use crate::schema::model::{Column, Table};
use crate::schema::model::{HashSharding, Index, IndexKey, IndexTarget, QualifiedName};

/// The access method of a plain index.
pub(super) const BTREE: &str = "btree";
/// The access method CockroachDB's inverted indexes are reported as.
pub(super) const GIN: &str = "gin";

/// A new index with the given keys and every other property at its default.
pub(super) fn new_index(name: String, method: &str, keys: Vec<IndexKey>) -> Index {
    Index {
        name,
        method: method.to_owned(),
        unique: false,
        primary: false,
        keys,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        constraint: None,
        valid: true,
        inherited: false,
        options: Vec::new(),
        definition: String::new(),
        comment: None,
        cockroach: Default::default(),
    }
}

/// `[UNIQUE] [INVERTED | VECTOR] INDEX` at the cursor: whether it is unique, its method, and
/// how many keywords it takes. `None` when the cursor is not at an index head.
pub(super) fn index_head(c: &Cursor<'_>) -> Option<(bool, &'static str, usize)> {
    let unique = c.at("unique");
    let skip = usize::from(unique);
    let word = |n: usize| c.peek_nth(n).filter(|t| t.kind == TokenKind::Ident).map(|t| &*t.value);
    match (word(skip), word(skip + 1)) {
        (Some("index"), _) => Some((unique, BTREE, skip + 1)),
        (Some("inverted"), Some("index")) => Some((unique, GIN, skip + 2)),
        (Some("vector"), Some("index")) => Some((unique, "cspann", skip + 2)),
        _ => None,
    }
}

/// An index element of `CREATE TABLE` after its head: `[name] (keys) [clauses]`. The name is
/// empty when not written.
pub(super) fn index_element(c: &mut Cursor<'_>, unique: bool, method: &str) -> PResult<Index> {
    let name = if c.at_op("(") { String::new() } else { c.ident("an index name")?.value };
    let keys = key_list(c, method)?;
    let mut index = new_index(name, method, keys);
    index.unique = unique;
    index_clauses(c, &mut index)?;
    Ok(index)
}

/// `CREATE [UNIQUE] [INVERTED] INDEX ...` after `CREATE`: the table and the index.
pub(super) fn create_index(c: &mut Cursor<'_>) -> PResult<(QualifiedName, Index)> {
    let Some((unique, mut method, words)) = index_head(c) else {
        return Err(c.unexpected("INDEX"));
    };
    (0..words).for_each(|_| {
        c.advance();
    });
    c.eat("concurrently");
    c.eat_all(&["if", "not", "exists"]);
    let name = if c.at("on") && !c.peek_nth(1).is_some_and(|t| super::parser::is_keyword(t, "on")) {
        String::new()
    } else {
        c.ident("an index name")?.value
    };
    c.expect("on")?;
    let table = c.qualified("a table name")?;
    if c.eat("using") {
        method = access_method(&c.ident("an access method")?.value);
    }
    let keys = key_list(c, method)?;
    let mut index = new_index(name, method, keys);
    index.unique = unique;
    index_clauses(c, &mut index)?;
    c.expect_end()?;
    index.definition = c.text(0..c.pos()).to_owned();
    Ok((table, index))
}

/// The method `CREATE INDEX ... USING name` means in CockroachDB.
fn access_method(name: &str) -> &'static str {
    match name {
        "gin" | "gist" | "inverted" => GIN,
        "cspann" | "hnsw" => "cspann",
        _ => BTREE,
    }
}

/// `(key, key, ...)`; in an inverted index the last key is unordered.
pub(super) fn key_list(c: &mut Cursor<'_>, method: &str) -> PResult<Vec<IndexKey>> {
    let mut keys = c.list(key)?;
    if method == GIN {
        if let Some(last) = keys.last_mut() {
            last.nulls_first = false;
        }
    }
    Ok(keys)
}

/// One key: a column, a function call or a parenthesized expression, then `COLLATE`, an
/// operator class, `ASC|DESC` and `NULLS FIRST|LAST`.
fn key(c: &mut Cursor<'_>) -> PResult<IndexKey> {
    let start = c.pos();
    let target = if c.at_op("(") {
        c.group()?;
        IndexTarget::Expression(c.text_from(start).to_owned())
    } else if at_function_call(c) {
        c.dotted("a function name")?;
        c.group()?;
        IndexTarget::Expression(c.text_from(start).to_owned())
    } else {
        IndexTarget::Column(c.ident("a column or an expression")?.value)
    };
    let collation = if c.eat("collate") { Some(catalog_name(c, "a collation")?) } else { None };
    let opclass = if c.at_ident() && !c.at_any(&["asc", "desc", "nulls"]) {
        Some(catalog_name(c, "an operator class")?)
    } else {
        None
    };
    let descending = c.eat("desc");
    if !descending {
        c.eat("asc");
    }
    let nulls_first = if c.eat_all(&["nulls", "first"]) {
        true
    } else if c.eat_all(&["nulls", "last"]) {
        false
    } else {
        !descending
    };
    Ok(IndexKey { target, opclass, collation, descending, nulls_first })
}

/// Whether a function call (`lower(c)`, `crdb_internal.f(x)`) starts at the cursor.
fn at_function_call(c: &Cursor<'_>) -> bool {
    let mut n = 0;
    loop {
        let ident = c
            .peek_nth(n)
            .is_some_and(|t| matches!(t.kind, TokenKind::Ident | TokenKind::QuotedIdent));
        if !ident {
            return false;
        }
        match c.peek_nth(n + 1) {
            Some(t) if t.kind == TokenKind::Op && t.value == "(" => return true,
            Some(t) if t.kind == TokenKind::Op && t.value == "." => n += 2,
            _ => return false,
        }
    }
}

/// A collation or operator class name; without a schema it is in `pg_catalog`.
pub(super) fn catalog_name(c: &mut Cursor<'_>, what: &str) -> PResult<QualifiedName> {
    let mut parts = c.dotted(what)?;
    let name = parts.pop().map(|p| p.value).unwrap_or_default();
    let schema = parts.pop().map_or_else(|| "pg_catalog".to_owned(), |p| p.value);
    Ok(QualifiedName::new(schema, name))
}

/// The clauses after an index's keys, in any order.
pub(super) fn index_clauses(c: &mut Cursor<'_>, index: &mut Index) -> PResult<()> {
    loop {
        if c.eat_all(&["using", "hash"]) {
            index.cockroach.hash_sharded =
                Some(HashSharding { bucket_count: None, shard_column: None });
            if c.eat_all(&["with", "bucket_count"]) {
                c.expect_op("=")?;
                set_bucket_count(index, c.integer("a bucket count")?);
            }
        } else if c.eat("storing") || c.eat("covering") || c.eat("include") {
            index.include = c.name_list("a column name")?;
        } else if c.at("partition") {
            index.cockroach.partitioning = partition_by(c)?;
        } else if c.at_all(&["interleave", "in", "parent"]) {
            interleave(c)?;
        } else if c.at("with") {
            for (name, value) in storage_params(c)? {
                index_param(c, index, &name, value);
            }
        } else if c.eat("where") {
            let range = c.expr("a predicate", |c| {
                c.at_all(&["not", "visible"]) || c.at("visibility") || c.at_all(&["not", "valid"])
            })?;
            index.predicate = Some(c.text(range).to_owned());
        } else if c.eat_all(&["not", "visible"]) {
            index.cockroach.not_visible = true;
        } else if c.eat("visible") {
            index.cockroach.not_visible = false;
        } else if c.eat("visibility") {
            let at = c.location();
            let value = c.advance().filter(|t| t.kind == TokenKind::Number);
            let value = value.and_then(|t| t.value.parse::<f64>().ok());
            let Some(visibility) = value else {
                return Err(super::parser::ParseError {
                    location: at,
                    message: "Expected a visibility between 0 and 1".into(),
                });
            };
            index.cockroach.not_visible = visibility < 1.0;
        } else {
            return Ok(());
        }
    }
}

fn set_bucket_count(index: &mut Index, count: i64) {
    if let Some(hash) = &mut index.cockroach.hash_sharded {
        hash.bucket_count = Some(count);
    }
}

/// One storage parameter of an index: `bucket_count` belongs to hash sharding, the rest are
/// kept as `name=value`.
fn index_param(c: &Cursor<'_>, index: &mut Index, name: &str, value: Option<Range<usize>>) {
    let count = value.clone().and_then(|range| first_integer(c, range));
    match (name, count, &index.cockroach.hash_sharded) {
        ("bucket_count", Some(count), Some(_)) => set_bucket_count(index, count),
        _ => index.options.push(param_text(c, name, value)),
    }
}

/// The first integer literal among the tokens of `range`.
fn first_integer(c: &Cursor<'_>, range: Range<usize>) -> Option<i64> {
    let token = c.tokens(range).iter().find(|t| t.kind == TokenKind::Number)?;
    token.value.parse().ok()
}

/// `name=value` as written (`ttl_expire_after='00:10:00':::INTERVAL`), or `name`.
pub(super) fn param_text(c: &Cursor<'_>, name: &str, value: Option<Range<usize>>) -> String {
    match value {
        Some(range) => format!("{name}={}", c.text(range)),
        None => name.to_owned(),
    }
}

/// `WITH (name = value, ...)`: each name with the token range of its value, if any.
pub(super) fn storage_params(c: &mut Cursor<'_>) -> PResult<Vec<(String, Option<Range<usize>>)>> {
    c.expect("with")?;
    c.list(|c| {
        let name = c.dotted("a parameter name")?;
        let name: Vec<String> = name.into_iter().map(|p| p.value).collect();
        let value =
            if c.eat_op("=") { Some(c.expr("a parameter value", |_| false)?) } else { None };
        Ok((name.join("."), value))
    })
}

/// `PARTITION [ALL] BY LIST|RANGE (columns) (partitions)` as written, or `None` for
/// `PARTITION BY NOTHING`.
pub(super) fn partition_by(c: &mut Cursor<'_>) -> PResult<Option<String>> {
    let start = c.pos();
    c.expect("partition")?;
    c.eat("all");
    c.expect("by")?;
    if c.eat("nothing") {
        return Ok(None);
    }
    if !(c.eat("list") || c.eat("range")) {
        return Err(c.unexpected("LIST, RANGE or NOTHING"));
    }
    c.group()?;
    c.group()?;
    Ok(Some(c.text_from(start).to_owned()))
}

/// `INTERLEAVE IN PARENT name (columns)` as written (legacy, before v21.2).
pub(super) fn interleave(c: &mut Cursor<'_>) -> PResult<String> {
    let start = c.pos();
    c.expect_all(&["interleave", "in", "parent"])?;
    c.qualified("a parent table")?;
    c.name_list("a column name")?;
    Ok(c.text_from(start).to_owned())
}

/// The hidden shard column of a hash-sharded `index`, when `columns` has it:
/// `crdb_internal_<key columns joined by _>_shard_<bucket count>`.
pub(super) fn shard_column(index: &Index, columns: &[Column]) -> Option<String> {
    let hash = index.cockroach.hash_sharded.as_ref()?;
    let names: Vec<&str> = index
        .keys
        .iter()
        .map(|k| match &k.target {
            IndexTarget::Column(name) => Some(name.as_str()),
            IndexTarget::Expression(_) => None,
        })
        .collect::<Option<_>>()?;
    let prefix = format!("crdb_internal_{}_shard_", names.join("_"));
    let matches = |c: &&Column| match hash.bucket_count {
        Some(n) => c.name == format!("{prefix}{n}"),
        None => c.name.strip_prefix(&prefix).is_some_and(|n| n.chars().all(|d| d.is_ascii_digit())),
    };
    columns.iter().find(matches).map(|c| c.name.clone())
}

/// Fill in the shard column of every hash-sharded index of `table`.
pub(super) fn find_shard_columns(table: &mut Table) {
    for index in &mut table.indexes {
        let column = shard_column(index, &table.columns);
        if let Some(hash) = &mut index.cockroach.hash_sharded {
            if hash.shard_column.is_none() {
                hash.shard_column = column;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn with<T>(src: &str, f: impl FnOnce(&mut Cursor<'_>) -> T) -> T {
        let tokens = lex(src).tokens;
        let mut cursor = Cursor::new(src, &tokens);
        f(&mut cursor)
    }

    fn element(src: &str) -> Index {
        with(src, |c| {
            let (unique, method, words) = index_head(c).unwrap();
            (0..words).for_each(|_| {
                c.advance();
            });
            let index = index_element(c, unique, method).unwrap();
            c.expect_end().unwrap();
            index
        })
    }

    #[test]
    fn recognises_index_heads() {
        with("UNIQUE INVERTED INDEX", |c| assert_eq!(index_head(c), Some((true, GIN, 3))));
        with("INDEX i", |c| assert_eq!(index_head(c), Some((false, BTREE, 1))));
        with("VECTOR INDEX", |c| assert_eq!(index_head(c), Some((false, "cspann", 2))));
        with("UNIQUE (a)", |c| assert_eq!(index_head(c), None));
        with("\"index\" INT8", |c| assert_eq!(index_head(c), None));
    }

    #[test]
    fn reads_keys_with_order_expressions_and_opclasses() {
        let index = element(
            "INDEX i (a ASC, b DESC, lower(c) ASC, (a + b) DESC NULLS FIRST, d gin_trgm_ops)",
        );
        let targets: Vec<&IndexTarget> = index.keys.iter().map(|k| &k.target).collect();
        assert_eq!(
            targets,
            [
                &IndexTarget::Column("a".into()),
                &IndexTarget::Column("b".into()),
                &IndexTarget::Expression("lower(c)".into()),
                &IndexTarget::Expression("(a + b)".into()),
                &IndexTarget::Column("d".into()),
            ]
        );
        let order: Vec<(bool, bool)> =
            index.keys.iter().map(|k| (k.descending, k.nulls_first)).collect();
        assert_eq!(
            order,
            [(false, true), (true, false), (false, true), (true, true), (false, true)]
        );
        assert_eq!(index.keys[4].opclass, Some(QualifiedName::new("pg_catalog", "gin_trgm_ops")));
    }

    #[test]
    fn reads_every_clause() {
        let index = element(
            "UNIQUE INDEX i (z ASC) USING HASH WITH (bucket_count=4, fillfactor = 70) STORING (y, x) \
             PARTITION BY LIST (z) (PARTITION p VALUES IN (1)) WHERE z > 0:::INT8 NOT VISIBLE",
        );
        assert!(index.unique);
        assert_eq!(index.cockroach.hash_sharded.as_ref().unwrap().bucket_count, Some(4));
        assert_eq!(index.options, ["fillfactor=70"]);
        assert_eq!(index.include, ["y", "x"]);
        assert_eq!(
            index.cockroach.partitioning.as_deref(),
            Some("PARTITION BY LIST (z) (PARTITION p VALUES IN (1))")
        );
        assert_eq!(index.predicate.as_deref(), Some("z > 0:::INT8"));
        assert!(index.cockroach.not_visible);
    }

    #[test]
    fn reads_the_old_bucket_count_syntax_and_visibility() {
        let index = element("INDEX (a) USING HASH WITH BUCKET_COUNT = 8 VISIBILITY 0.5");
        assert_eq!(index.name, "");
        assert_eq!(index.cockroach.hash_sharded.unwrap().bucket_count, Some(8));
        assert!(index.cockroach.not_visible);
        assert!(!element("INDEX (a) VISIBILITY 1.0").cockroach.not_visible);
    }

    #[test]
    fn the_inverted_key_is_unordered() {
        let index = element("INVERTED INDEX c_foo_idx (tenant ASC, foo)");
        assert_eq!(index.method, GIN);
        assert!(index.keys[0].nulls_first);
        assert!(!index.keys[1].nulls_first);
    }

    #[test]
    fn reads_create_index_statements() {
        let src =
            "CREATE UNIQUE INDEX IF NOT EXISTS i ON db.public.t USING gin (j) WHERE j IS NOT NULL";
        let (table, index) = with(src, |c| {
            c.expect("create").unwrap();
            create_index(c).unwrap()
        });
        assert_eq!(table, QualifiedName::new("public", "t"));
        assert_eq!((index.name.as_str(), index.method.as_str(), index.unique), ("i", GIN, true));
        assert_eq!(index.predicate.as_deref(), Some("j IS NOT NULL"));
        assert_eq!(index.definition, src);
        let (_, unnamed) = with("CREATE INDEX ON t (a)", |c| {
            c.expect("create").unwrap();
            create_index(c).unwrap()
        });
        assert_eq!(unnamed.name, "");
    }

    #[test]
    fn partition_by_nothing_is_no_partitioning() {
        with("PARTITION BY NOTHING", |c| assert_eq!(partition_by(c).unwrap(), None));
        with("PARTITION ALL BY RANGE (a) (PARTITION p VALUES FROM (MINVALUE) TO (1))", |c| {
            assert!(partition_by(c).unwrap().unwrap().starts_with("PARTITION ALL BY RANGE"));
        });
        with("PARTITION BY HASH (a)", |c| assert!(partition_by(c).is_err()));
    }

    #[test]
    fn finds_shard_columns_by_name() {
        let column = |name: &str| super::super::table::new_column(name, "INT4", 1);
        let columns = vec![column("a"), column("crdb_internal_a_b_shard_10")];
        let mut index = element("INDEX (a, b) USING HASH WITH (bucket_count=10)");
        assert_eq!(shard_column(&index, &columns).as_deref(), Some("crdb_internal_a_b_shard_10"));
        index.cockroach.hash_sharded =
            Some(HashSharding { bucket_count: None, shard_column: None });
        assert_eq!(shard_column(&index, &columns).as_deref(), Some("crdb_internal_a_b_shard_10"));
        index.cockroach.hash_sharded =
            Some(HashSharding { bucket_count: Some(8), shard_column: None });
        assert_eq!(shard_column(&index, &columns), None);
    }
}
