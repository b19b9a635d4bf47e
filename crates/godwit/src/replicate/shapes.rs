//! The relation cache: what each relation id of the stream is on the target.
//!
//! pgoutput sends a Relation message before the first change of a table in a session and again
//! after its layout changes; later changes name the table only by its source OID. Each Relation
//! becomes a [`TableShape`]: the published columns in tuple order, each with the target column's
//! type (values are bound as text and cast to it), and the target's primary key. Types come from
//! the target, not from the stream's Type messages: the target decides how a text value is read.
//! A table the options do not select is remembered as ignored, and its changes are skipped.
//!
//! A `GENERATED ALWAYS AS IDENTITY` key column on a PostgreSQL target is written with
//! `OVERRIDING SYSTEM VALUE` (PostgreSQL refuses an explicit value in an `INSERT` without it;
//! key columns are never `SET`, so `UPDATE`'s stricter rule for them does not arise).
//!
//! Schema drift: a Relation whose columns cannot be applied to the target ([`fit`]) — the table
//! is missing there; or a published column is; or a target column is `NOT NULL` without a
//! default and not published (dropped on the source); or a published column is `GENERATED
//! ALWAYS AS IDENTITY` there and not the key (an `UPDATE` may only set it to `DEFAULT`), or the
//! target is CockroachDB (no `OVERRIDING SYSTEM VALUE`) — pauses that table: its changes are
//! held ([`Target::Hold`], see [`super::held`]) while every other table keeps replicating. A
//! table recorded as paused stays paused (also across restarts) until [`super::drift`] finds
//! the target fixed and replays what was held.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio_postgres::Client;

use super::held::{Layout, Pause};
use super::{ReplicateOptions, Selection};
use crate::cdc::apply_sql::{SqlType, TableShape};
use crate::cdc::lsn::Lsn;
use crate::cdc::pgoutput::{Relation, RelationColumn};
use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::error::{Error, Result};

/// PostgreSQL's first OID for objects not built in: built-in type OIDs are the same on every
/// PostgreSQL server (and on CockroachDB for the types it shares), so the target can name them.
const FIRST_NORMAL_OID: u32 = 16_384;

/// A target column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetColumn {
    pub(crate) name: String,
    pub(crate) sql_type: SqlType,
    /// 1-based position in the primary key, 0 when not a key column.
    pub(crate) key_position: i32,
    /// `GENERATED ALWAYS AS IDENTITY`.
    pub(crate) identity_always: bool,
    /// `NOT NULL` with no default, not identity, not generated: every insert must write it.
    pub(crate) required: bool,
}

/// What to do with a relation's changes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Not selected: skip them.
    Ignore,
    /// Apply them to this shape.
    Apply(Arc<TableShape>),
    /// The table is paused: hold them, with this layout.
    Hold(Arc<Layout>),
}

/// Why a relation cannot be applied to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Drift {
    /// The table does not exist on the target.
    NoTable,
    /// The relation's column at this index does not exist on the target.
    NoColumn(usize),
    /// The relation's column at this index is `GENERATED ALWAYS AS IDENTITY` on the target and
    /// cannot be written: not a key column (PostgreSQL rejects an `UPDATE` of it), or the
    /// target is CockroachDB (no `OVERRIDING SYSTEM VALUE`).
    IdentityAlways(usize),
    /// This target column is `NOT NULL` without a default (nor identity, nor generated) and
    /// the relation does not publish it (dropped on the source?): rows cannot be inserted.
    Required(String),
}

/// A relation against the target's columns (`None`: no such table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Its changes can be applied to this shape.
    Shape(TableShape),
    /// They cannot.
    Drift(Drift),
}

/// Whether `relation`'s changes can be applied to a target table with `columns`: every
/// published column must exist there.
///
/// # Errors
///
/// The errors of [`TableShape::from_relation`] (no usable key): those are not drift, the table
/// never could be replicated as it is.
pub(crate) fn fit(
    relation: &Relation,
    columns: Option<&[TargetColumn]>,
    dialect: Dialect,
) -> Result<Fit> {
    let Some(columns) = columns else { return Ok(Fit::Drift(Drift::NoTable)) };
    let mut types = Vec::with_capacity(relation.columns.len());
    let mut overriding = false;
    for (i, c) in relation.columns.iter().enumerate() {
        let Some(t) = columns.iter().find(|t| t.name == c.name) else {
            return Ok(Fit::Drift(Drift::NoColumn(i)));
        };
        if t.identity_always {
            if t.key_position == 0 || dialect == Dialect::Cockroach {
                return Ok(Fit::Drift(Drift::IdentityAlways(i)));
            }
            overriding = true;
        }
        types.push(t.sql_type.clone());
    }
    let unpublished = |t: &&TargetColumn| !relation.columns.iter().any(|c| c.name == t.name);
    if let Some(t) = columns.iter().filter(|t| t.required).find(unpublished) {
        return Ok(Fit::Drift(Drift::Required(t.name.clone())));
    }
    let mut key: Vec<&TargetColumn> = columns.iter().filter(|c| c.key_position > 0).collect();
    key.sort_by_key(|c| c.key_position);
    let key: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
    let shape = TableShape::from_relation(relation, &key, types)?;
    Ok(Fit::Shape(TableShape { overriding, ..shape }))
}

/// The reason, column and fix of `drift` of `relation` (`type_name`: the column's source type).
pub(crate) fn describe(
    relation: &Relation,
    drift: Drift,
    type_name: &str,
) -> (String, Option<String>, String) {
    let table = quote_qualified(&relation.namespace, &relation.name);
    match drift {
        Drift::NoTable => (
            format!("table {table} is replicated from the source but does not exist on the target"),
            None,
            format!("create {table} on the target (godwit schema can write its DDL)"),
        ),
        Drift::NoColumn(i) => {
            let column = relation.columns.get(i).map(|c| c.name.clone()).unwrap_or_default();
            (
                format!(
                    "column {} of table {table} is on the source but not on the target",
                    quote_ident(&column)
                ),
                Some(column.clone()),
                format!("ALTER TABLE {table} ADD COLUMN {} {type_name}", quote_ident(&column)),
            )
        }
        Drift::IdentityAlways(i) => {
            let column = relation.columns.get(i).map(|c| c.name.clone()).unwrap_or_default();
            let quoted = quote_ident(&column);
            (
                format!(
                    "column {quoted} of table {table} is GENERATED ALWAYS AS IDENTITY on the \
                     target, so the source's values cannot be written to it"
                ),
                Some(column),
                format!("ALTER TABLE {table} ALTER COLUMN {quoted} SET GENERATED BY DEFAULT"),
            )
        }
        Drift::Required(column) => {
            let quoted = quote_ident(&column);
            (
                format!(
                    "column {quoted} of table {table} is NOT NULL without a default on the \
                     target and the source does not send it"
                ),
                Some(column),
                format!(
                    "ALTER TABLE {table} ALTER COLUMN {quoted} DROP NOT NULL (or SET DEFAULT …, \
                     or DROP COLUMN {quoted})"
                ),
            )
        }
    }
}

/// A table paused in this session.
#[derive(Debug, Clone, Default)]
pub(crate) struct Paused {
    /// Its latest Relation in this session (none yet after a restart).
    pub(crate) relation: Option<Relation>,
    /// A Relation arrived since the last check whether it can resume.
    pub(crate) fresh: bool,
    /// The target's columns at the last check (`None`: not checked, or no table): held
    /// changes that did not fit them need not be read again while they stay the same.
    pub(crate) seen: Option<Vec<TargetColumn>>,
}

/// Relation id -> what to do with its changes; the paused tables.
#[derive(Debug)]
pub(crate) struct Shapes {
    by_relid: HashMap<u32, Target>,
    selection: Selection,
    /// Paused tables by `(schema, name)`.
    paused: BTreeMap<(String, String), Paused>,
    /// Names of non-built-in types from the stream's Type messages, by OID (for hints).
    types: HashMap<u32, String>,
    /// The target's dialect.
    dialect: Dialect,
}

impl Shapes {
    /// An empty cache selecting what `opts` selects, with `paused` tables paused.
    pub(crate) fn new(
        opts: &ReplicateOptions,
        paused: Vec<(String, String)>,
        dialect: Dialect,
    ) -> Self {
        Shapes {
            by_relid: HashMap::new(),
            selection: opts.selection(),
            paused: paused.into_iter().map(|t| (t, Paused::default())).collect(),
            types: HashMap::new(),
            dialect,
        }
    }

    /// The target's dialect.
    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Remember a Type message's name for `oid`.
    pub(crate) fn learn_type(&mut self, oid: u32, namespace: &str, name: &str) {
        let name =
            if namespace.is_empty() { quote_ident(name) } else { quote_qualified(namespace, name) };
        self.types.insert(oid, name);
    }

    /// Learn (or re-learn) `relation` from the target's catalog. `Some` when this pauses its
    /// table (the caller records it; `since` is left zero).
    pub(crate) async fn learn(
        &mut self,
        target: &Client,
        relation: &Relation,
    ) -> Result<Option<Pause>> {
        let selected = self.selection.selects(&relation.namespace, &relation.name);
        if !selected {
            self.by_relid.insert(relation.relid, Target::Ignore);
            return Ok(None);
        }
        let key = (relation.namespace.clone(), relation.name.clone());
        let hold = Target::Hold(Arc::new(Layout::of(relation)));
        if let Some(paused) = self.paused.get_mut(&key) {
            paused.relation = Some(relation.clone());
            paused.fresh = true;
            self.by_relid.insert(relation.relid, hold);
            return Ok(None);
        }
        let columns = target_columns(target, &relation.namespace, &relation.name).await?;
        let drift = match fit(relation, columns.as_deref(), self.dialect)? {
            Fit::Shape(shape) => {
                self.by_relid.insert(relation.relid, Target::Apply(Arc::new(shape)));
                return Ok(None);
            }
            Fit::Drift(drift) => drift,
        };
        let type_name = match drift {
            Drift::NoColumn(i) => self.type_name(target, &relation.columns[i]).await,
            Drift::NoTable | Drift::IdentityAlways(_) | Drift::Required(_) => String::new(),
        };
        let (reason, column, hint) = describe(relation, drift, &type_name);
        let paused = Paused { relation: Some(relation.clone()), fresh: false, seen: columns };
        self.paused.insert(key.clone(), paused);
        self.by_relid.insert(relation.relid, hold);
        Ok(Some(Pause { schema: key.0, name: key.1, reason, column, hint, since: Lsn::ZERO }))
    }

    /// What to do with changes of `relid`.
    pub(crate) fn get(&self, relid: u32) -> Result<Target> {
        self.by_relid.get(&relid).cloned().ok_or_else(|| {
            Error::internal(format!("a change names relation {relid} before its Relation message"))
        })
    }

    /// Paused tables, in name order.
    pub(crate) fn paused(&self) -> &BTreeMap<(String, String), Paused> {
        &self.paused
    }

    /// Whether a Relation of a paused table arrived since the last check.
    pub(crate) fn any_fresh(&self) -> bool {
        self.paused.values().any(|p| p.fresh)
    }

    /// `key` was checked against the target's `columns`.
    pub(crate) fn checked(&mut self, key: &(String, String), columns: Option<Vec<TargetColumn>>) {
        if let Some(p) = self.paused.get_mut(key) {
            p.fresh = false;
            p.seen = columns;
        }
    }

    /// `schema.name` resumes: its changes are applied from now on (to `shape`, the fit of its
    /// latest Relation, when one arrived in this session).
    pub(crate) fn resume(&mut self, key: &(String, String), shape: Option<TableShape>) {
        let Some(paused) = self.paused.remove(key) else { return };
        if let (Some(relation), Some(shape)) = (paused.relation, shape) {
            self.by_relid.insert(relation.relid, Target::Apply(Arc::new(shape)));
        }
    }

    /// How the source names a column's type, for a hint.
    async fn type_name(&self, target: &Client, column: &RelationColumn) -> String {
        if let Some(name) = self.types.get(&column.type_oid) {
            return name.clone();
        }
        let unknown = format!("<type of OID {} on the source>", column.type_oid);
        if column.type_oid >= FIRST_NORMAL_OID {
            return unknown;
        }
        let row = target
            .query_one(
                include_str!("shapes/type_name.sql"),
                &[&column.type_oid, &column.type_modifier],
            )
            .await;
        row.ok().and_then(|r| r.get::<_, Option<String>>(0)).unwrap_or(unknown)
    }
}

/// The columns of `schema.name` on the target; `None` when there is no such table.
pub(crate) async fn target_columns(
    target: &Client,
    schema: &str,
    name: &str,
) -> Result<Option<Vec<TargetColumn>>> {
    let rows =
        target.query(include_str!("shapes/columns.sql"), &[&schema, &name]).await.map_err(|e| {
            Error::db(
                format!("reading the columns of {} on the target", quote_qualified(schema, name)),
                e,
            )
        })?;
    if rows.is_empty() {
        return Ok(None);
    }
    let columns = rows
        .iter()
        .map(|r| {
            let name: String = r.get(0);
            let base = SqlType::new(r.get::<_, String>(1), r.get::<_, String>(2));
            let sql_type = if r.get(3) { base.array_of() } else { base };
            TargetColumn {
                name,
                sql_type,
                key_position: r.get(4),
                identity_always: r.get(5),
                required: r.get(6),
            }
        })
        .collect();
    Ok(Some(columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdc::pgoutput::ReplicaIdentity;

    fn relation(columns: &[&str]) -> Relation {
        Relation {
            xid: None,
            relid: 7,
            namespace: "app".into(),
            name: "a".into(),
            replica_identity: ReplicaIdentity::Default,
            columns: columns
                .iter()
                .map(|c| RelationColumn {
                    flags: u8::from(*c == "id"),
                    name: (*c).into(),
                    type_oid: 23,
                    type_modifier: -1,
                })
                .collect(),
        }
    }

    fn target(columns: &[&str]) -> Vec<TargetColumn> {
        columns
            .iter()
            .map(|c| TargetColumn {
                name: (*c).into(),
                sql_type: SqlType::new("pg_catalog", "int4"),
                key_position: i32::from(*c == "id"),
                identity_always: false,
                required: false,
            })
            .collect()
    }

    #[test]
    fn published_columns_must_exist_on_the_target() {
        let r = relation(&["id", "v"]);
        // Extra target columns are fine; the shape follows the relation's order.
        let Fit::Shape(shape) =
            fit(&r, Some(&target(&["v", "extra", "id"])), Dialect::Postgres).unwrap()
        else {
            panic!("should fit")
        };
        assert_eq!(shape.key, [0]);
        assert_eq!(shape.columns.len(), 2);
        let c = relation(&["id", "v", "c"]);
        assert_eq!(
            fit(&c, Some(&target(&["id", "v"])), Dialect::Postgres).unwrap(),
            Fit::Drift(Drift::NoColumn(2))
        );
        assert_eq!(fit(&c, None, Dialect::Postgres).unwrap(), Fit::Drift(Drift::NoTable));
    }

    #[test]
    fn generated_always_identity_is_written_as_a_key_on_postgres_only() {
        let r = relation(&["id", "v"]);
        let mut columns = target(&["id", "v"]);
        columns[0].identity_always = true;
        let Fit::Shape(shape) = fit(&r, Some(&columns), Dialect::Postgres).unwrap() else {
            panic!("a GENERATED ALWAYS key fits PostgreSQL (OVERRIDING SYSTEM VALUE)")
        };
        assert!(shape.overriding);
        let crdb = fit(&r, Some(&columns), Dialect::Cockroach).unwrap();
        assert_eq!(crdb, Fit::Drift(Drift::IdentityAlways(0)));
        let mut columns = target(&["id", "v"]);
        columns[1].identity_always = true;
        let drift = fit(&r, Some(&columns), Dialect::Postgres).unwrap();
        assert_eq!(drift, Fit::Drift(Drift::IdentityAlways(1)));
        let (reason, column, hint) = describe(&r, Drift::IdentityAlways(1), "");
        assert!(reason.contains("GENERATED ALWAYS AS IDENTITY"), "{reason}");
        assert_eq!(column.as_deref(), Some("v"));
        assert_eq!(hint, "ALTER TABLE \"app\".\"a\" ALTER COLUMN \"v\" SET GENERATED BY DEFAULT");
        let Fit::Shape(plain) = fit(&r, Some(&target(&["id", "v"])), Dialect::Postgres).unwrap()
        else {
            panic!("should fit")
        };
        assert!(!plain.overriding);
    }

    #[test]
    fn a_required_target_column_the_source_does_not_send_is_drift() {
        let r = relation(&["id", "v"]);
        let mut columns = target(&["id", "v", "gone"]);
        columns[2].required = true;
        let drift = fit(&r, Some(&columns), Dialect::Postgres).unwrap();
        assert_eq!(drift, Fit::Drift(Drift::Required("gone".into())));
        let (reason, column, hint) = describe(&r, Drift::Required("gone".into()), "");
        assert!(reason.contains("NOT NULL without a default"), "{reason}");
        assert_eq!(column.as_deref(), Some("gone"));
        assert!(hint.starts_with("ALTER TABLE \"app\".\"a\" ALTER COLUMN \"gone\" DROP NOT NULL"));
        // A required column the source does send is fine.
        let mut columns = target(&["id", "v"]);
        columns[1].required = true;
        assert!(matches!(fit(&r, Some(&columns), Dialect::Postgres).unwrap(), Fit::Shape(_)));
    }

    #[test]
    fn a_table_without_usable_key_is_an_error_not_drift() {
        let r = relation(&["id", "v"]);
        let mut keyless = target(&["id", "v"]);
        keyless[0].key_position = 0;
        let err = fit(&r, Some(&keyless), Dialect::Postgres).unwrap_err();
        assert!(err.to_string().contains("no primary key"), "{err}");
    }

    #[test]
    fn drift_is_described_with_the_column_and_its_fix() {
        let c = relation(&["id", "v", "New Col"]);
        let (reason, column, hint) = describe(&c, Drift::NoColumn(2), "integer");
        assert_eq!(column.as_deref(), Some("New Col"));
        assert!(reason.contains(r#"column "New Col" of table "app"."a""#), "{reason}");
        assert_eq!(hint, r#"ALTER TABLE "app"."a" ADD COLUMN "New Col" integer"#);
        let (reason, column, _) = describe(&c, Drift::NoTable, "");
        assert!(reason.contains("does not exist on the target"), "{reason}");
        assert!(column.is_none());
    }
}
