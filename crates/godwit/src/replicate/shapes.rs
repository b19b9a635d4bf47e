//! The relation cache: what each relation id of the stream is on the target.
//!
//! pgoutput sends a Relation message before the first change of a table in a session and again
//! after its layout changes; later changes name the table only by its source OID. Each Relation
//! becomes a [`TableShape`]: the published columns in tuple order, each with the target column's
//! type (values are bound as text and cast to it), and the target's primary key. Types come from
//! the target, not from the stream's Type messages: the target decides how a text value is read.
//! A table the options do not select is remembered as ignored, and its changes are skipped.
//!
//! Schema drift: a Relation whose columns cannot be applied to the target — the table is
//! missing there, or a published column is ([`fit`]) — pauses that table: its changes are
//! held ([`Target::Hold`], see [`super::held`]) while every other table keeps replicating. A
//! table recorded as paused stays paused (also across restarts) until [`super::drift`] finds
//! the target fixed and replays what was held.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio_postgres::Client;

use super::ReplicateOptions;
use super::held::{Layout, Pause};
use crate::cdc::apply_sql::{SqlType, TableShape};
use crate::cdc::lsn::Lsn;
use crate::cdc::pgoutput::{Relation, RelationColumn};
use crate::dialect::{quote_ident, quote_qualified};
use crate::error::{Error, Result};
use crate::schema::Filter;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drift {
    /// The table does not exist on the target.
    NoTable,
    /// The relation's column at this index does not exist on the target.
    NoColumn(usize),
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
pub(crate) fn fit(relation: &Relation, columns: Option<&[TargetColumn]>) -> Result<Fit> {
    let Some(columns) = columns else { return Ok(Fit::Drift(Drift::NoTable)) };
    let mut types = Vec::with_capacity(relation.columns.len());
    for (i, c) in relation.columns.iter().enumerate() {
        match columns.iter().find(|t| t.name == c.name) {
            Some(t) => types.push(t.sql_type.clone()),
            None => return Ok(Fit::Drift(Drift::NoColumn(i))),
        }
    }
    let mut key: Vec<&TargetColumn> = columns.iter().filter(|c| c.key_position > 0).collect();
    key.sort_by_key(|c| c.key_position);
    let key: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
    TableShape::from_relation(relation, &key, types).map(Fit::Shape)
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
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    by_relid: HashMap<u32, Target>,
    filter: Filter,
    tables: crate::schema::TableFilter,
    /// Paused tables by `(schema, name)`.
    paused: BTreeMap<(String, String), Paused>,
    /// Names of non-built-in types from the stream's Type messages, by OID (for hints).
    types: HashMap<u32, String>,
}

impl Shapes {
    /// An empty cache selecting what `opts` selects, with `paused` tables paused.
    pub(crate) fn new(opts: &ReplicateOptions, paused: Vec<(String, String)>) -> Self {
        let filter = if opts.schemas.is_empty() {
            Filter::all()
        } else {
            Filter::only(opts.schemas.iter().cloned())
        };
        Shapes {
            by_relid: HashMap::new(),
            filter,
            tables: opts.tables.clone(),
            paused: paused.into_iter().map(|t| (t, Paused::default())).collect(),
            types: HashMap::new(),
        }
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
        let selected = self.filter.includes_schema(&relation.namespace)
            && self.tables.selects(&relation.namespace, &relation.name);
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
        let drift = match fit(relation, columns.as_deref())? {
            Fit::Shape(shape) => {
                self.by_relid.insert(relation.relid, Target::Apply(Arc::new(shape)));
                return Ok(None);
            }
            Fit::Drift(drift) => drift,
        };
        let type_name = match drift {
            Drift::NoColumn(i) => self.type_name(target, &relation.columns[i]).await,
            Drift::NoTable => String::new(),
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
            TargetColumn { name, sql_type, key_position: r.get(4) }
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
            })
            .collect()
    }

    #[test]
    fn published_columns_must_exist_on_the_target() {
        let r = relation(&["id", "v"]);
        // Extra target columns are fine; the shape follows the relation's order.
        let Fit::Shape(shape) = fit(&r, Some(&target(&["v", "extra", "id"]))).unwrap() else {
            panic!("should fit")
        };
        assert_eq!(shape.key, [0]);
        assert_eq!(shape.columns.len(), 2);
        let c = relation(&["id", "v", "c"]);
        assert_eq!(fit(&c, Some(&target(&["id", "v"]))).unwrap(), Fit::Drift(Drift::NoColumn(2)));
        assert_eq!(fit(&c, None).unwrap(), Fit::Drift(Drift::NoTable));
    }

    #[test]
    fn a_table_without_usable_key_is_an_error_not_drift() {
        let r = relation(&["id", "v"]);
        let mut keyless = target(&["id", "v"]);
        keyless[0].key_position = 0;
        let err = fit(&r, Some(&keyless)).unwrap_err();
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
