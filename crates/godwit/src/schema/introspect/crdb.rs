//! CockroachDB catalog introspection (CockroachDB v23.1 and later).
//!
//! CockroachDB implements most of `pg_catalog` and `information_schema` as virtual tables
//! computed from its descriptors, so this backend reads the same [`Parts`] as the PostgreSQL
//! one with the same shape of queries: one set-based query per object kind, in its own
//! `crdb/<kind>.sql` file, all selected schemas at once as one `text[]` parameter, pipelined on
//! one connection inside one `SERIALIZABLE, READ ONLY` transaction. What differs is which
//! columns CockroachDB actually fills, and that is what every query here is built around.
//!
//! **This module was written from CockroachDB's source and documentation, not against a live
//! server** (none could run where it was written). It targets the release lines v23.1 to v26.2
//! and refuses older ones. The catalog behaviour it relies on is cited in each `.sql` file; the
//! sources are the [pg_catalog], [information_schema] and [crdb_internal] documentation and, in
//! `cockroachdb/cockroach`, `pkg/sql/pg_catalog.go`, `pkg/sql/information_schema.go`,
//! `pkg/sql/crdb_internal.go`, `pkg/sql/sem/builtins/pg_builtins.go` and the logic tests under
//! `pkg/sql/logictest/testdata/logic_test/`. In short:
//!
//! - OIDs are synthetic: a table's `pg_class.oid` is its descriptor ID, index and constraint
//!   OIDs are hashes, a routine's OID is its descriptor ID + 100000. They are only ever joined,
//!   never stored;
//! - `pg_constraint.condef` holds the constraint text (the CockroachDB column behind
//!   `pg_get_constraintdef`), `conkey` is NULL for `UNIQUE WITHOUT INDEX` constraints (their
//!   columns come from `information_schema.key_column_usage`), and a primary key over only
//!   hidden columns (`rowid`) is listed while the session variable
//!   `show_primary_key_constraint_on_not_visible_columns` keeps its default, `on`;
//! - `pg_index` reports every index, `pg_am` knows two access methods, `prefix` (a b-tree,
//!   reported as `btree`) and `inverted` (reported as `gin`); index key parts come from
//!   `information_schema.statistics`, which names stored (`STORING`) and implicit columns;
//! - `pg_proc`, `pg_language`, `pg_enum` and `pg_type` list user-defined routines and types;
//!   `prosecdef` is always false, so `SECURITY DEFINER` is read from the routine's
//!   `CREATE` statement;
//! - `pg_description` is a view over `crdb_internal.kv_catalog_comments`;
//! - role OIDs resolve through `pg_roles`; grants come from `information_schema`
//!   (`schema_privileges`, `table_privileges`, `type_privileges`), since no ACL column is filled;
//! - row estimates come from `crdb_internal.table_row_statistics` (`reltuples` is NULL), and
//!   routine and trigger definitions from `crdb_internal`'s `create_*_statements` tables;
//! - `server_version` is `version()` without its build details (`CockroachDB CCL v24.3.1`):
//!   `SHOW server_version` would answer with the PostgreSQL version CockroachDB emulates.
//!
//! Version gates, decided once from `version()` (see [`Features`]): procedures from v23.2,
//! row-level security policies (`pg_policy`) from v25.2, triggers readable from v25.3
//! (`crdb_internal.create_trigger_statements`), and from v25.4 the snapshot sets
//! `allow_unsafe_internals` because `crdb_internal` is restricted by default.
//!
//! CockroachDB-only properties go to the model's `cockroach` fields where a catalog has them:
//! hidden columns (`information_schema.columns.is_hidden`), table localities
//! (`crdb_internal.tables`), hash-sharded and `NOT VISIBLE` indexes (`pg_indexes`,
//! `information_schema.statistics`) and `UNIQUE WITHOUT INDEX` constraints. Column families,
//! `ON UPDATE` expressions, partitioning and zone configurations only appear in `SHOW CREATE`
//! text, which this backend does not parse, so those fields stay empty.
//!
//! Not available on CockroachDB, and therefore empty or absent in the model: table sizes
//! (`total_bytes`; `crdb_internal.tenant_span_stats()` exists but is not a stable interface),
//! domains, range types, rules, extensions, partitions and inheritance, exclusion constraints,
//! deferrable constraints, operator classes and per-key collations of indexes, column
//! privileges, routine privileges (not read), and triggers on v24.3 to v25.2 (they exist, but
//! `pg_trigger` is empty and `crdb_internal.create_trigger_statements` only arrives in v25.3,
//! so they are not read there). Sequence options such as `PER NODE CACHE` and `VIRTUAL` are
//! not exposed either.
//!
//! [pg_catalog]: https://www.cockroachlabs.com/docs/stable/pg-catalog
//! [information_schema]: https://www.cockroachlabs.com/docs/stable/information-schema
//! [crdb_internal]: https://www.cockroachlabs.com/docs/stable/crdb-internal

mod comment;
mod constraint;
mod datatype;
mod index;
mod relation;
mod routine;
mod security;

use tokio_postgres::Client;

use super::assemble::{Parts, assemble};
use super::row::get;
use crate::dialect::{self, Dialect, Version};
use crate::schema::Filter;
use crate::schema::model::{Namespace, Schema};
use crate::{Error, ErrorKind, Result};

use comment::comments;
use constraint::constraints;
use datatype::types;
use index::indexes;
use relation::{columns, sequences, tables, views};
use routine::{routines, triggers};
use security::{grants, policies};

/// The oldest CockroachDB release line this backend's queries are written for.
const OLDEST: (u32, u32) = (23, 1);

/// What the connected CockroachDB release offers, decided once from its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Features {
    /// `CREATE PROCEDURE` and `crdb_internal.create_procedure_statements` (v23.2).
    procedures: bool,
    /// Where triggers can be read from.
    triggers: Triggers,
    /// Row-level security, with `pg_policy` filled (v25.2).
    policies: bool,
    /// `crdb_internal` needs `allow_unsafe_internals` (v25.4).
    unsafe_internals: bool,
}

/// Whether and how a release exposes triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Triggers {
    /// Before v24.3: there are no triggers.
    None,
    /// v24.3 to v25.2: triggers exist but no catalog this backend can read lists them.
    Unreadable,
    /// v25.3 and later: `crdb_internal.create_trigger_statements`.
    Catalog,
}

impl Features {
    /// The features of release `version`; releases older than v23.1 are refused.
    fn of(version: Version) -> Result<Features> {
        let line = (version.major, version.minor);
        if line < OLDEST {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "CockroachDB {version} is older than v{}.{}, the oldest release godwit can \
                     read a schema from",
                    OLDEST.0, OLDEST.1
                ),
            ));
        }
        let triggers = match line {
            (25, 3..) | (26.., _) => Triggers::Catalog,
            (24, 3..) | (25, _) => Triggers::Unreadable,
            _ => Triggers::None,
        };
        Ok(Features {
            procedures: line >= (23, 2),
            triggers,
            policies: line >= (25, 2),
            unsafe_internals: line >= (25, 4),
        })
    }
}

/// Read the schema of a CockroachDB database inside one read-only snapshot.
pub(super) async fn introspect(client: &Client, filter: &Filter) -> Result<Schema> {
    let begin = include_str!("crdb/snapshot.sql");
    let release = include_str!("crdb/release.sql");
    let parts = super::in_snapshot(client, begin, release, Box::pin(read(client, filter))).await?;
    assemble(Dialect::Cockroach, parts)
}

/// Run every catalog query and collect the rows.
async fn read(client: &Client, filter: &Filter) -> Result<Parts> {
    let (server, features) = prepare(client).await?;
    let schemas = schemas(client, filter).await?;
    let names: Vec<String> = schemas.iter().map(|s| s.name.clone()).collect();
    let names = names.as_slice();
    let (tables, columns, constraints, indexes, views, sequences, types) = tokio::try_join!(
        tables(client, names),
        columns(client, names),
        constraints(client, names),
        indexes(client, names),
        views(client, names),
        sequences(client, names),
        types(client, names),
    )?;
    let (routines, triggers, policies, comments, grants) = tokio::try_join!(
        routines(client, names, features.procedures),
        triggers(client, names, features.triggers),
        policies(client, names, features.policies),
        comments(client, names),
        grants(client, names),
    )?;
    Ok(Parts {
        server_version: Some(server.label),
        database: server.database,
        schemas,
        tables,
        views,
        columns,
        constraints,
        indexes,
        sequences,
        types,
        routines,
        triggers,
        rules: Vec::new(),
        policies,
        extensions: Vec::new(),
        comments,
        grants,
    })
}

/// Read the server release and, where `crdb_internal` is restricted, allow it for the snapshot.
async fn prepare(client: &Client) -> Result<(Server, Features)> {
    let server = server(client).await?;
    let features = Features::of(server.version)?;
    if features.unsafe_internals {
        client
            .batch_execute(include_str!("crdb/internals.sql"))
            .await
            .map_err(|e| Error::db("Allowing crdb_internal reads for the snapshot", e))?;
    }
    Ok((server, features))
}

/// The database and the server release.
#[derive(Debug)]
struct Server {
    database: String,
    version: Version,
    /// `version()` up to its build details: `CockroachDB CCL v24.3.1`.
    label: String,
}

/// Read the database name and the release from `version()`.
async fn server(client: &Client) -> Result<Server> {
    let row = client
        .query_one(include_str!("crdb/database.sql"), &[])
        .await
        .map_err(|e| Error::db("Reading the database name and server version", e))?;
    let text: String = get(&row, "version")?;
    let Some((Dialect::Cockroach, version)) = dialect::detect(&text) else {
        return Err(Error::new(
            ErrorKind::Config,
            format!("CockroachDB introspection was asked of a server that says {text:?}"),
        ));
    };
    Ok(Server { database: get(&row, "database")?, version, label: version_label(&text) })
}

/// `version()` without the build details in parentheses.
fn version_label(text: &str) -> String {
    text.split(" (").next().unwrap_or(text).trim().to_owned()
}

/// The schemas that pass `filter`, by name. A schema the filter names explicitly but the
/// database lacks is a [`ErrorKind::NotFound`] error.
async fn schemas(client: &Client, filter: &Filter) -> Result<Vec<Namespace>> {
    let rows = client
        .query(include_str!("crdb/schemas.sql"), &[])
        .await
        .map_err(|e| Error::db("Reading schemas from pg_namespace", e))?;
    let all = rows
        .iter()
        .map(|row| {
            let name: String = get(row, "name")?;
            let owner = get(row, "owner")?;
            Ok(Namespace { name, owner, comment: None, privileges: None })
        })
        .collect::<Result<Vec<_>>>()?;
    let names: Vec<String> = all.iter().map(|s| s.name.clone()).collect();
    if let Some(missing) = filter.missing_schemas(&names).first() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("Schema \"{missing}\" does not exist"),
        ));
    }
    Ok(all.into_iter().filter(|s| filter.includes_schema(&s.name)).collect())
}

/// `text` without one pair of parentheses that encloses all of it.
fn strip_parentheses(text: &str) -> &str {
    let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else {
        return text;
    };
    let mut depth = 0_i32;
    for c in inner.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        if depth < 0 {
            return text;
        }
    }
    if depth == 0 { inner.trim() } else { text }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32) -> Version {
        Version { major, minor, patch: 0 }
    }

    #[test]
    fn gates_features_by_release_line() {
        let f = Features::of(v(23, 1)).unwrap();
        assert_eq!(
            f,
            Features {
                procedures: false,
                triggers: Triggers::None,
                policies: false,
                unsafe_internals: false
            }
        );
        assert!(Features::of(v(23, 2)).unwrap().procedures);
        assert_eq!(Features::of(v(24, 2)).unwrap().triggers, Triggers::None);
        assert_eq!(Features::of(v(24, 3)).unwrap().triggers, Triggers::Unreadable);
        assert_eq!(Features::of(v(25, 2)).unwrap().triggers, Triggers::Unreadable);
        assert!(Features::of(v(25, 2)).unwrap().policies);
        assert!(!Features::of(v(25, 1)).unwrap().policies);
        assert_eq!(Features::of(v(25, 3)).unwrap().triggers, Triggers::Catalog);
        assert!(!Features::of(v(25, 3)).unwrap().unsafe_internals);
        let latest = Features::of(v(26, 2)).unwrap();
        assert_eq!(latest.triggers, Triggers::Catalog);
        assert!(latest.procedures && latest.policies && latest.unsafe_internals);
    }

    #[test]
    fn refuses_releases_before_23_1() {
        let err = Features::of(v(22, 2)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("22.2.0"), "{}", err.message());
    }

    #[test]
    fn strips_only_enclosing_parentheses() {
        assert_eq!(strip_parentheses("(a > 0)"), "a > 0");
        assert_eq!(strip_parentheses("(a) AND (b)"), "(a) AND (b)");
        assert_eq!(strip_parentheses("((a))"), "(a)");
        assert_eq!(strip_parentheses("a"), "a");
    }

    #[test]
    fn labels_the_version_without_build_details() {
        let text = "CockroachDB CCL v24.3.1 (x86_64-pc-linux-gnu, built 2024/12/04, go1.22.8)";
        assert_eq!(version_label(text), "CockroachDB CCL v24.3.1");
        assert_eq!(version_label("CockroachDB OSS v23.1.0"), "CockroachDB OSS v23.1.0");
    }

    /// Every query file: non-empty, lowercase keywords, and only the `$1` parameter the Rust
    /// code binds (the schema list) in queries that take one.
    #[test]
    fn sql_files_are_consistent() {
        for (name, sql, binds_schemas) in sql_files() {
            let body = strip_comments(sql);
            assert!(!body.trim().is_empty(), "{name} is empty");
            for keyword in UPPERCASE_KEYWORDS {
                assert!(!contains_word(&body, keyword), "{name} uses uppercase {keyword}");
            }
            let params = placeholders(&body);
            let expected: &[u32] = if binds_schemas { &[1] } else { &[] };
            assert_eq!(params, expected, "{name} uses parameters {params:?}");
        }
    }

    #[test]
    fn every_sql_file_is_checked() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/schema/introspect/crdb");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("read crdb query directory")
            .map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let mut checked: Vec<String> =
            sql_files().iter().map(|(name, _, _)| (*name).to_owned()).collect();
        checked.sort();
        assert_eq!(on_disk, checked);
    }

    /// The query files with whether the Rust code binds the schema list as `$1`.
    fn sql_files() -> Vec<(&'static str, &'static str, bool)> {
        vec![
            ("snapshot.sql", include_str!("crdb/snapshot.sql"), false),
            ("release.sql", include_str!("crdb/release.sql"), false),
            ("internals.sql", include_str!("crdb/internals.sql"), false),
            ("database.sql", include_str!("crdb/database.sql"), false),
            ("schemas.sql", include_str!("crdb/schemas.sql"), false),
            ("tables.sql", include_str!("crdb/tables.sql"), true),
            ("table_details.sql", include_str!("crdb/table_details.sql"), true),
            ("columns.sql", include_str!("crdb/columns.sql"), true),
            ("views.sql", include_str!("crdb/views.sql"), true),
            ("sequences.sql", include_str!("crdb/sequences.sql"), true),
            ("constraints.sql", include_str!("crdb/constraints.sql"), true),
            ("indexes.sql", include_str!("crdb/indexes.sql"), true),
            ("enums.sql", include_str!("crdb/enums.sql"), true),
            ("composites.sql", include_str!("crdb/composites.sql"), true),
            ("routines.sql", include_str!("crdb/routines.sql"), true),
            ("function_definitions.sql", include_str!("crdb/function_definitions.sql"), true),
            ("procedure_definitions.sql", include_str!("crdb/procedure_definitions.sql"), true),
            ("triggers.sql", include_str!("crdb/triggers.sql"), true),
            ("policies.sql", include_str!("crdb/policies.sql"), true),
            ("comments.sql", include_str!("crdb/comments.sql"), true),
            ("grants.sql", include_str!("crdb/grants.sql"), true),
        ]
    }

    const UPPERCASE_KEYWORDS: &[&str] = &[
        "SELECT", "FROM", "WHERE", "JOIN", "LEFT", "ON", "AND", "OR", "NOT", "AS", "CASE", "WHEN",
        "THEN", "ELSE", "END", "ORDER", "BY", "GROUP", "UNION", "ALL", "WITH", "NULL", "IN", "IS",
        "EXISTS", "BEGIN", "SET", "LOCAL", "TRUE", "FALSE", "DISTINCT",
    ];

    /// The SQL without `--` comments and string literals (where uppercase text is data).
    fn strip_comments(sql: &str) -> String {
        let code: String = sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = String::new();
        for (i, part) in code.split('\'').enumerate() {
            if i % 2 == 0 {
                out.push_str(part);
            }
        }
        out
    }

    fn contains_word(text: &str, word: &str) -> bool {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == word)
    }

    /// The distinct `$n` placeholders, sorted.
    fn placeholders(text: &str) -> Vec<u32> {
        let mut found: Vec<u32> = text
            .split('$')
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn the_consistency_checks_catch_mistakes() {
        assert!(contains_word(&strip_comments("SELECT 1 -- fine"), "SELECT"));
        assert!(!contains_word(&strip_comments("select 'SELECT' -- SELECT"), "SELECT"));
        assert_eq!(placeholders("where a = $1 and b = $2 or c = $1"), [1, 2]);
        assert!(placeholders("select '$$'").is_empty());
    }
}
