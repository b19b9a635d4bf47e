//! `CREATE INDEX`, and the key lists that indexes and exclusion constraints share.
//!
//! Key expressions and the `WHERE` predicate are cut out of the statement (the dump prints them
//! with `pg_get_indexdef`, which introspection also uses). The `definition` is rebuilt in
//! `pg_get_indexdef`'s layout with the table schema-qualified, so an index read from an old
//! dump (unqualified names) matches the server's rendering too.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node, SortByDir, SortByNulls, Token};

use super::names::{kind, quote_ident, quote_qualified, quote_relation, strings};
use super::naming::columns_addition;
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{Index, IndexKey, IndexTarget, QualifiedName, TableKind};
use crate::schema::parse::ObjectKey;

/// A key part: the model's key, and how `pg_get_indexdef` prints it.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub key: IndexKey,
    pub shown: String,
    /// The name `ChooseIndexColumnNames` uses for it (column, function name or `expr`).
    pub column_name: String,
}

impl Builder {
    /// `CREATE [UNIQUE] INDEX`.
    pub fn create_index(&mut self, stmt: &Stmt<'_>, s: &pb::IndexStmt) -> Applied {
        let range =
            s.relation.as_ref().ok_or_else(|| Problem::new("CREATE INDEX without a table"))?;
        let table = self.relation(range);
        let method = if s.access_method.is_empty() { "btree" } else { s.access_method.as_str() };
        let t = &stmt.tokens;
        let open = t
            .find_where(t.at(range.location), t.len(), |i| t.is_char(i, '('))
            .ok_or_else(|| Problem::new("CREATE INDEX without a key list"))?;
        let keys = self.index_keys(stmt, &s.index_params, open, method);
        let include = index_columns(&s.index_including_params);
        let predicate = t
            .find(open, t.body_end(), Token::Where)
            .map(|w| self.qualify(t.slice(w + 1, t.body_end().saturating_sub(1)).trim()));
        let names: Vec<String> = keys.iter().map(|k| k.column_name.clone()).collect();
        let name = if s.idxname.is_empty() {
            let label = if s.unique { "key" } else { "idx" };
            self.choose_relation_name(&table.schema, &table.name, &columns_addition(&names), label)
        } else {
            s.idxname.clone()
        };
        let spec = IndexSpec {
            name,
            method: method.to_owned(),
            unique: s.unique,
            keys,
            include,
            predicate,
            nulls_not_distinct: s.nulls_not_distinct,
            options: options(&s.options),
        };
        let partitioned = self.table(&table).is_some_and(|t| t.kind == TableKind::Partitioned);
        let index = spec.index(&table, partitioned, None);
        self.add_index(&table, index, stmt.location())?;
        if range.inh {
            self.propagate_index(&table, &spec, stmt.location());
        }
        Ok(())
    }

    /// Attach `index` to the table or materialized view `table`.
    pub fn add_index(
        &mut self,
        table: &QualifiedName,
        index: Index,
        location: crate::schema::parse::Location,
    ) -> Applied {
        let key = ObjectKey::Index(table.clone(), index.name.clone());
        self.register(&table.schema, &index.name);
        if let Some(t) = self.table_mut(table) {
            t.indexes.push(index);
        } else if let Some(v) = self.view_mut(table) {
            v.indexes.push(index);
        } else {
            return Err(Problem::new(format!("relation \"{table}\" is not defined in this file")));
        }
        self.locate(key, location);
        Ok(())
    }

    /// The keys of an index or exclusion constraint whose element list opens at token `open`.
    pub fn index_keys(
        &self,
        stmt: &Stmt<'_>,
        elems: &[Node],
        open: usize,
        method: &str,
    ) -> Vec<Key> {
        let t = &stmt.tokens;
        let close = t.close_of(open).unwrap_or(t.len());
        let items = t.items(open + 1, close);
        elems
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let elem = match kind(node)? {
                    NodeEnum::IndexElem(e) => e,
                    NodeEnum::List(l) => match l.items.first().and_then(kind) {
                        Some(NodeEnum::IndexElem(e)) => e,
                        _ => return None,
                    },
                    _ => return None,
                };
                let (first, last) = items.get(i).copied().unwrap_or((open + 1, close));
                Some(self.index_key(stmt, elem, first, last, method))
            })
            .collect()
    }

    /// One key part whose text spans tokens `first..=last`.
    fn index_key(
        &self,
        stmt: &Stmt<'_>,
        e: &pb::IndexElem,
        first: usize,
        last: usize,
        method: &str,
    ) -> Key {
        let ordered = method == "btree";
        let descending = ordered && e.ordering == SortByDir::SortbyDesc as i32;
        let nulls_first = ordered
            && (e.nulls_ordering == SortByNulls::SortbyNullsFirst as i32
                || (descending && e.nulls_ordering != SortByNulls::SortbyNullsLast as i32));
        let opclass = (!e.opclass.is_empty()).then(|| self.catalog_object(&strings(&e.opclass)));
        let collation =
            (!e.collation.is_empty()).then(|| self.catalog_object(&strings(&e.collation)));
        let (target, column_name) = match e.expr.as_deref() {
            None => (IndexTarget::Column(e.name.clone()), e.name.clone()),
            Some(expr) => {
                let text = self.qualify(expression_text(stmt, e, first, last).trim());
                (IndexTarget::Expression(text), expression_name(expr))
            }
        };
        let key = IndexKey { target, opclass, collation, descending, nulls_first };
        Key { shown: render_key(&key), key, column_name }
    }
}

/// A key as `pg_get_indexdef` prints it: `lower(name) COLLATE "C" text_pattern_ops DESC`.
fn render_key(key: &IndexKey) -> String {
    let mut shown = match &key.target {
        IndexTarget::Column(c) => quote_ident(c),
        IndexTarget::Expression(e) => e.clone(),
    };
    if let Some(collation) = &key.collation {
        shown.push_str(&format!(" COLLATE {}", quote_qualified(collation)));
    }
    if let Some(opclass) = &key.opclass {
        shown.push_str(&format!(" {}", quote_qualified(opclass)));
    }
    if key.descending {
        shown.push_str(" DESC");
    }
    match (key.descending, key.nulls_first) {
        (true, false) => shown.push_str(" NULLS LAST"),
        (false, true) => shown.push_str(" NULLS FIRST"),
        _ => {}
    }
    shown
}

/// A model key with its printed form, for cloning an index onto a partition.
pub(super) fn key_of(key: &IndexKey) -> Key {
    let column_name = match &key.target {
        IndexTarget::Column(c) => c.clone(),
        IndexTarget::Expression(_) => "expr".into(),
    };
    Key { key: key.clone(), shown: render_key(key), column_name }
}

/// The expression of an index element spanning `first..=last`, without the collation,
/// operator class, ordering and (for exclusion constraints) `WITH operator` after it.
fn expression_text<'a>(
    stmt: &Stmt<'a>,
    e: &pb::IndexElem,
    first: usize,
    mut last: usize,
) -> &'a str {
    let t = &stmt.tokens;
    if let Some(with) = t.find(first, last + 1, Token::With) {
        last = with.saturating_sub(1);
    }
    let back = |last: usize, n: usize| last.saturating_sub(n).max(first);
    if e.nulls_ordering != SortByNulls::SortbyNullsDefault as i32 && e.nulls_ordering != 0 {
        last = back(last, 2);
    }
    if e.ordering == SortByDir::SortbyAsc as i32 || e.ordering == SortByDir::SortbyDesc as i32 {
        last = back(last, 1);
    }
    if !e.opclassopts.is_empty() && t.is_char(last, ')') {
        let open = (first..last).rev().find(|&i| t.close_of(i) == Some(last));
        last = open.map_or(last, |o| back(o, 1));
    }
    if !e.opclass.is_empty() {
        last = back(last, 2 * e.opclass.len() - 1);
    }
    if !e.collation.is_empty() {
        last = back(last, 2 * e.collation.len());
    }
    t.slice(first, last)
}

/// The column name `ChooseIndexColumnNames` derives from a key expression.
fn expression_name(expr: &Node) -> String {
    match kind(expr) {
        Some(NodeEnum::FuncCall(f)) => strings(&f.funcname).pop().unwrap_or_else(|| "expr".into()),
        Some(NodeEnum::TypeCast(c)) => {
            c.arg.as_deref().map_or_else(|| "expr".into(), expression_name)
        }
        Some(NodeEnum::ColumnRef(c)) => strings(&c.fields).pop().unwrap_or_else(|| "expr".into()),
        _ => "expr".into(),
    }
}

/// The column names of `INCLUDE (...)`.
pub(super) fn index_columns(elems: &[Node]) -> Vec<String> {
    elems
        .iter()
        .filter_map(|n| match kind(n)? {
            NodeEnum::IndexElem(e) => Some(e.name.clone()),
            NodeEnum::String(s) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// Storage parameters as `name=value` (`fillfactor=70`).
pub(super) fn options(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match kind(n)? {
            NodeEnum::DefElem(d) => {
                let name = if d.defnamespace.is_empty() {
                    d.defname.clone()
                } else {
                    format!("{}.{}", d.defnamespace, d.defname)
                };
                let value = d.arg.as_deref().and_then(super::names::string);
                Some(match value {
                    Some(value) => format!("{name}={value}"),
                    None => format!("{name}=true"),
                })
            }
            _ => None,
        })
        .collect()
}

/// Everything needed to create an index on a table and on its partitions.
#[derive(Debug, Clone)]
pub(super) struct IndexSpec {
    pub name: String,
    pub method: String,
    pub unique: bool,
    pub keys: Vec<Key>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    pub nulls_not_distinct: bool,
    pub options: Vec<String>,
}

impl IndexSpec {
    /// The index on `table`; `only` prints `ON ONLY`; `constraint` names the constraint it backs.
    pub fn index(
        &self,
        table: &QualifiedName,
        only: bool,
        constraint: Option<(&str, bool)>,
    ) -> Index {
        let definition = self.definition(table, only);
        Index {
            name: self.name.clone(),
            method: self.method.clone(),
            unique: self.unique,
            primary: constraint.is_some_and(|(_, primary)| primary),
            keys: self.keys.iter().map(|k| k.key.clone()).collect(),
            include: self.include.clone(),
            predicate: self.predicate.clone(),
            nulls_not_distinct: self.nulls_not_distinct,
            constraint: constraint.map(|(name, _)| name.to_owned()),
            valid: true,
            inherited: false,
            options: self.options.clone(),
            definition,
            comment: None,
            cockroach: Default::default(),
        }
    }

    /// The index as `pg_get_indexdef` prints it.
    fn definition(&self, table: &QualifiedName, only: bool) -> String {
        let keys: Vec<String> = self.keys.iter().map(|k| k.shown.clone()).collect();
        let mut definition = format!(
            "CREATE {}INDEX {} ON {}{} USING {} ({})",
            if self.unique { "UNIQUE " } else { "" },
            quote_ident(&self.name),
            if only { "ONLY " } else { "" },
            quote_relation(table),
            self.method,
            keys.join(", ")
        );
        if !self.include.is_empty() {
            let include: Vec<String> = self.include.iter().map(|c| quote_ident(c)).collect();
            definition.push_str(&format!(" INCLUDE ({})", include.join(", ")));
        }
        if self.nulls_not_distinct {
            definition.push_str(" NULLS NOT DISTINCT");
        }
        if !self.options.is_empty() {
            definition.push_str(&format!(" WITH ({})", self.options.join(", ")));
        }
        if let Some(predicate) = &self.predicate {
            definition.push_str(&format!(" WHERE {predicate}"));
        }
        definition
    }
}
