//! The relation cache: what each relation id of the stream is on the target.
//!
//! pgoutput sends a Relation message before the first change of a table in a session and again
//! after its layout changes; later changes name the table only by its source OID. Each Relation
//! becomes a [`TableShape`]: the published columns in tuple order, each with the target column's
//! type (values are bound as text and cast to it), and the target's primary key. Types come from
//! the target, not from the stream's Type messages: the target decides how a text value is read.
//! A table the options do not select is remembered as ignored, and its changes are skipped.

use std::collections::HashMap;
use std::sync::Arc;

use tokio_postgres::Client;

use super::ReplicateOptions;
use crate::cdc::apply_sql::{SqlType, TableShape};
use crate::cdc::pgoutput::Relation;
use crate::dialect::{quote_ident, quote_qualified};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::Filter;

/// A target column as the catalog describes it.
#[derive(Debug, Clone)]
struct TargetColumn {
    name: String,
    sql_type: SqlType,
    /// 1-based position in the primary key, 0 when not a key column.
    key_position: i32,
}

/// Relation id -> shape (`None`: not selected, changes ignored).
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    by_relid: HashMap<u32, Option<Arc<TableShape>>>,
    filter: Filter,
    tables: crate::schema::TableFilter,
}

impl Shapes {
    /// An empty cache selecting what `opts` selects.
    pub(crate) fn new(opts: &ReplicateOptions) -> Self {
        let filter = if opts.schemas.is_empty() {
            Filter::all()
        } else {
            Filter::only(opts.schemas.iter().cloned())
        };
        Shapes { by_relid: HashMap::new(), filter, tables: opts.tables.clone() }
    }

    /// Learn (or re-learn) `relation` from the target's catalog.
    pub(crate) async fn learn(&mut self, target: &Client, relation: &Relation) -> Result<()> {
        let selected = self.filter.includes_schema(&relation.namespace)
            && self.tables.selects(&relation.namespace, &relation.name);
        let shape = if selected { Some(Arc::new(shape(target, relation).await?)) } else { None };
        self.by_relid.insert(relation.relid, shape);
        Ok(())
    }

    /// The shape of `relid` (`None` when ignored).
    pub(crate) fn get(&self, relid: u32) -> Result<Option<Arc<TableShape>>> {
        self.by_relid.get(&relid).cloned().ok_or_else(|| {
            Error::internal(format!("a change names relation {relid} before its Relation message"))
        })
    }
}

/// The shape of `relation` on the target: every published column must exist there.
async fn shape(target: &Client, relation: &Relation) -> Result<TableShape> {
    let table = quote_qualified(&relation.namespace, &relation.name);
    let rows = target
        .query(include_str!("shapes/columns.sql"), &[&relation.namespace, &relation.name])
        .await
        .map_err(|e| Error::db(format!("reading the columns of {table} on the target"), e))?;
    if rows.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("table {table} is replicated from the source but does not exist on the target"),
        ));
    }
    let columns: Vec<TargetColumn> = rows
        .iter()
        .map(|r| {
            let name: String = r.get(0);
            let base = SqlType::new(r.get::<_, String>(1), r.get::<_, String>(2));
            let sql_type = if r.get(3) { base.array_of() } else { base };
            TargetColumn { name, sql_type, key_position: r.get(4) }
        })
        .collect();
    let types = relation
        .columns
        .iter()
        .map(|c| {
            columns.iter().find(|t| t.name == c.name).map(|t| t.sql_type.clone()).ok_or_else(|| {
                Error::config(format!(
                    "column {} of table {table} is on the source but not on the target",
                    quote_ident(&c.name)
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut key: Vec<&TargetColumn> = columns.iter().filter(|c| c.key_position > 0).collect();
    key.sort_by_key(|c| c.key_position);
    let key: Vec<&str> = key.iter().map(|c| c.name.as_str()).collect();
    TableShape::from_relation(relation, &key, types)
}
