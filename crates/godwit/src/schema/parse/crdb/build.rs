//! Putting parsed statements together into a [`Schema`].
//!
//! Statements that create objects are applied in file order; a second definition of the same
//! object is a diagnostic and the first one is kept (`CREATE OR REPLACE` replaces routines and
//! triggers). Statements that only name their target (`CREATE INDEX`, `ALTER TABLE`, zone
//! configurations, `COMMENT ON`) are applied after the whole file has been read, in file order,
//! so they may come before the object they change; a target the file does not define is a
//! diagnostic at the statement.
//!
//! Finally: foreign keys that name no referenced columns get the referenced table's primary key
//! columns, every schema that holds an object is listed (with an empty owner, like every owner
//! here: DDL does not say who owns what), and every list is sorted as introspection sorts it.

mod comment;

use std::collections::{BTreeMap, BTreeSet};

use super::alter::{AlterAction, CommentTarget, IndexRef, ZoneTarget};
use super::constraint::{TableConstraint, name_unnamed};
use super::index::find_shard_columns;
use super::objects::TypeDef;
use super::table::TableDef;
use crate::dialect::Dialect;
use crate::schema::model::{
    ConstraintKind, Index, Namespace, Policy, QualifiedName, Routine, Schema, Sequence, Table,
    Trigger, View,
};
use crate::schema::parse::{Diagnostic, Location, ObjectKey, Parsed};

/// One statement, read.
#[derive(Debug)]
pub(super) enum Statement {
    /// `CREATE TABLE`.
    Table(Box<TableDef>),
    /// `CREATE INDEX`: the table and the index.
    Index(QualifiedName, Box<Index>),
    /// `CREATE SEQUENCE`.
    Sequence(Box<Sequence>),
    /// `CREATE [MATERIALIZED] VIEW`, with where its columns were written.
    View(Box<View>, Vec<(String, Location)>),
    /// `CREATE TYPE`.
    Type(TypeDef),
    /// `CREATE SCHEMA`.
    Schema(Namespace),
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`; true for `OR REPLACE`.
    Routine(Box<Routine>, bool),
    /// `CREATE [OR REPLACE] TRIGGER`; true for `OR REPLACE`.
    Trigger(Box<Trigger>, bool),
    /// `CREATE POLICY`.
    Policy(Box<Policy>),
    /// `ALTER TABLE` actions, each with where it was written.
    AlterTable(QualifiedName, Vec<(AlterAction, Location)>),
    /// `... CONFIGURE ZONE ...`.
    Zone(ZoneTarget),
    /// `COMMENT ON`.
    Comment(CommentTarget, Option<String>),
    /// `USE db` or `SET database = db`.
    Database(String),
    /// Understood, not schema (`SET`, `CREATE DATABASE`, database-level zones).
    Skipped,
}

/// The statement being applied: where it starts, its preview and its text.
#[derive(Debug)]
pub(super) struct Context<'a> {
    /// Where the statement starts.
    pub location: Location,
    /// Its first 80 characters on one line, for diagnostics.
    pub statement: String,
    /// The statement as written, without its `;`.
    pub text: &'a str,
}

/// A statement applied once the file has been read.
#[derive(Debug)]
enum Deferred {
    Index(QualifiedName, Box<Index>),
    Alter(QualifiedName, AlterAction),
    Zone(ZoneTarget, String),
    Comment(CommentTarget, Option<String>),
}

/// The schema under construction.
#[derive(Debug)]
pub(super) struct Builder {
    default_database: String,
    database: Option<String>,
    schema: Schema,
    locations: BTreeMap<ObjectKey, Location>,
    diagnostics: Vec<Diagnostic>,
    skipped: Vec<(Location, String)>,
    deferred: Vec<(Deferred, Location, String)>,
    /// Tables whose primary key is the implied `rowid` key (replaced by `ADD PRIMARY KEY`).
    implied_keys: BTreeSet<QualifiedName>,
}

impl Builder {
    /// An empty schema of `database` (unless the text names another).
    pub fn new(database: &str) -> Self {
        Builder {
            default_database: database.to_owned(),
            database: None,
            schema: Schema::empty(Dialect::Cockroach, String::new()),
            locations: BTreeMap::new(),
            diagnostics: Vec::new(),
            skipped: Vec::new(),
            deferred: Vec::new(),
            implied_keys: BTreeSet::new(),
        }
    }

    /// Record a problem with the statement of `cx`.
    pub fn diagnose(&mut self, cx: &Context<'_>, location: Location, message: String) {
        self.diagnostics.push(Diagnostic { location, message, statement: cx.statement.clone() });
    }

    /// Record something understood but not schema.
    pub fn skip(&mut self, location: Location, text: String) {
        self.skipped.push((location, text));
    }

    /// Apply one statement; `databases` are the databases its names mentioned.
    pub fn apply(&mut self, statement: Statement, cx: &Context<'_>, databases: Vec<String>) {
        if self.database.is_none() {
            self.database = databases.into_iter().next();
        }
        match statement {
            Statement::Table(def) => self.add_table(*def, cx),
            Statement::Sequence(sequence) => {
                let name = QualifiedName::new(&sequence.schema, &sequence.name);
                if self.claim_relation(ObjectKey::Sequence(name), cx) {
                    self.schema.sequences.push(*sequence);
                }
            }
            Statement::View(view, columns) => self.add_view(*view, columns, cx),
            Statement::Type(definition) => self.add_type(definition, cx),
            Statement::Schema(namespace) => {
                if self.claim(ObjectKey::Schema(namespace.name.clone()), cx) {
                    self.schema.schemas.push(namespace);
                }
            }
            Statement::Routine(routine, replace) => self.add_routine(*routine, replace, cx),
            Statement::Trigger(trigger, replace) => self.add_trigger(*trigger, replace, cx),
            Statement::Policy(policy) => self.add_policy(*policy, cx),
            Statement::Index(table, index) => {
                self.defer(Deferred::Index(table, index), cx.location, cx);
            }
            Statement::AlterTable(table, actions) => {
                for (action, at) in actions {
                    self.defer(Deferred::Alter(table.clone(), action), at, cx);
                }
            }
            Statement::Zone(target) => {
                self.defer(Deferred::Zone(target, cx.text.to_owned()), cx.location, cx);
            }
            Statement::Comment(target, text) => {
                self.defer(Deferred::Comment(target, text), cx.location, cx);
            }
            Statement::Database(name) => {
                self.database.get_or_insert(name);
                self.skip(cx.location, cx.text.to_owned());
            }
            Statement::Skipped => self.skip(cx.location, cx.text.to_owned()),
        }
    }

    fn defer(&mut self, item: Deferred, at: Location, cx: &Context<'_>) {
        self.deferred.push((item, at, cx.statement.clone()));
    }

    /// Record where `key` is defined, unless it already is: then report the duplicate.
    fn claim(&mut self, key: ObjectKey, cx: &Context<'_>) -> bool {
        if let Some(first) = self.locations.get(&key) {
            let message = format!(
                "{} is defined twice; the definition at line {}, column {} is kept",
                describe(&key),
                first.line,
                first.column
            );
            self.diagnose(cx, cx.location, message);
            return false;
        }
        self.locations.insert(key, cx.location);
        true
    }

    /// Like [`Builder::claim`], for tables, views and sequences, which share one namespace.
    fn claim_relation(&mut self, key: ObjectKey, cx: &Context<'_>) -> bool {
        let name = match &key {
            ObjectKey::Table(n) | ObjectKey::View(n) | ObjectKey::Sequence(n) => n.clone(),
            _ => return self.claim(key, cx),
        };
        let others = [
            ObjectKey::Table(name.clone()),
            ObjectKey::View(name.clone()),
            ObjectKey::Sequence(name),
        ];
        match others.into_iter().find(|k| self.locations.contains_key(k)) {
            Some(existing) => self.claim(existing, cx),
            None => self.claim(key, cx),
        }
    }

    fn add_table(&mut self, def: TableDef, cx: &Context<'_>) {
        let name = def.table.qualified_name();
        if !self.claim_relation(ObjectKey::Table(name.clone()), cx) {
            return;
        }
        self.locations.extend(def.locations);
        if def.implied_key {
            self.implied_keys.insert(name);
        }
        self.schema.tables.push(def.table);
    }

    fn add_view(&mut self, view: View, columns: Vec<(String, Location)>, cx: &Context<'_>) {
        let name = view.qualified_name();
        if self.claim_relation(ObjectKey::View(name.clone()), cx) {
            let keys = columns.into_iter().map(|(c, at)| (ObjectKey::Column(name.clone(), c), at));
            self.locations.extend(keys);
            self.schema.views.push(view);
        }
    }

    fn add_type(&mut self, definition: TypeDef, cx: &Context<'_>) {
        let (schema, name) = match &definition {
            TypeDef::Enum(t) => (&t.schema, &t.name),
            TypeDef::Composite(t) => (&t.schema, &t.name),
        };
        if !self.claim(ObjectKey::Type(QualifiedName::new(schema, name)), cx) {
            return;
        }
        match definition {
            TypeDef::Enum(t) => self.schema.types.enums.push(t),
            TypeDef::Composite(t) => self.schema.types.composites.push(t),
        }
    }

    fn add_routine(&mut self, routine: Routine, replace: bool, cx: &Context<'_>) {
        let name = QualifiedName::new(&routine.schema, &routine.name);
        let key = ObjectKey::Routine(name, routine.arguments.clone());
        let same = |r: &Routine| {
            r.schema == routine.schema && r.name == routine.name && r.arguments == routine.arguments
        };
        if replace {
            self.schema.routines.retain(|r| !same(r));
            self.locations.remove(&key);
        }
        if self.claim(key, cx) {
            self.schema.routines.push(routine);
        }
    }

    fn add_trigger(&mut self, trigger: Trigger, replace: bool, cx: &Context<'_>) {
        let key = ObjectKey::Trigger(
            QualifiedName::new(&trigger.schema, &trigger.table),
            trigger.name.clone(),
        );
        let same = |t: &Trigger| {
            t.schema == trigger.schema && t.table == trigger.table && t.name == trigger.name
        };
        if replace {
            self.schema.triggers.retain(|t| !same(t));
            self.locations.remove(&key);
        }
        if self.claim(key, cx) {
            self.schema.triggers.push(trigger);
        }
    }

    /// Policies have no [`ObjectKey`]: a duplicate is found by table and name.
    fn add_policy(&mut self, policy: Policy, cx: &Context<'_>) {
        let same = |p: &Policy| {
            p.schema == policy.schema && p.table == policy.table && p.name == policy.name
        };
        if self.schema.policies.iter().any(same) {
            let message = format!(
                "Policy \"{}\" on {}.{} is defined twice; the first definition is kept",
                policy.name, policy.schema, policy.table
            );
            self.diagnose(cx, cx.location, message);
        } else {
            self.schema.policies.push(policy);
        }
    }

    /// Apply the deferred statements, complete the model and hand it over.
    pub fn finish(mut self) -> Parsed {
        for (item, location, statement) in std::mem::take(&mut self.deferred) {
            if let Err(message) = self.apply_deferred(item, location) {
                self.diagnostics.push(Diagnostic { location, message, statement });
            }
        }
        self.fill_foreign_key_columns();
        self.add_implied_namespaces();
        sort(&mut self.schema);
        self.schema.database = self.database.take().unwrap_or(self.default_database);
        self.diagnostics.sort_by_key(|d| d.location);
        self.skipped.sort_by_key(|(at, _)| *at);
        Parsed {
            schema: self.schema,
            locations: self.locations,
            diagnostics: self.diagnostics,
            skipped: self.skipped,
        }
    }

    fn apply_deferred(&mut self, item: Deferred, at: Location) -> Result<(), String> {
        match item {
            Deferred::Index(table, index) => self.add_index(&table, *index, at),
            Deferred::Alter(table, AlterAction::AddConstraint(constraint)) => {
                self.add_constraint(&table, constraint, at)
            }
            Deferred::Alter(table, AlterAction::Validate(name)) => {
                let t = self.table_mut(&table)?;
                let constraint = t.constraints.iter_mut().find(|c| c.name == name);
                let constraint = constraint
                    .ok_or_else(|| format!("Table {table} has no constraint \"{name}\""))?;
                constraint.validated = true;
                Ok(())
            }
            Deferred::Alter(table, AlterAction::Owner(role)) => {
                self.table_mut(&table)?.owner = role;
                Ok(())
            }
            Deferred::Alter(table, AlterAction::RowSecurity(on)) => {
                self.table_mut(&table)?.row_security = on;
                Ok(())
            }
            Deferred::Alter(table, AlterAction::ForceRowSecurity(on)) => {
                self.table_mut(&table)?.force_row_security = on;
                Ok(())
            }
            Deferred::Zone(target, text) => {
                let table = match target {
                    ZoneTarget::Table(table) => table,
                    ZoneTarget::Index(index) => self.index_table(&index)?,
                };
                self.table_mut(&table)?.cockroach.zone_configs.push(text);
                Ok(())
            }
            Deferred::Comment(target, text) => self.comment(target, text),
        }
    }

    fn table_mut(&mut self, name: &QualifiedName) -> Result<&mut Table, String> {
        let table =
            self.schema.tables.iter_mut().find(|t| t.schema == name.schema && t.name == name.name);
        table.ok_or_else(|| format!("Table {name} is not defined in this file"))
    }

    /// The table an index reference means: the one written before `@`, or the only table of
    /// its schema with an index of that name.
    fn index_table(&self, index: &IndexRef) -> Result<QualifiedName, String> {
        if let Some(table) = &index.table {
            return Ok(table.clone());
        }
        let mut tables = self
            .schema
            .tables
            .iter()
            .filter(|t| t.schema == index.schema && t.index(&index.name).is_some());
        match (tables.next(), tables.next()) {
            (Some(table), None) => Ok(table.qualified_name()),
            (Some(_), Some(_)) => Err(format!(
                "Several tables of schema {} have an index \"{}\"; write table@index",
                index.schema, index.name
            )),
            (None, _) => {
                Err(format!("No table of schema {} has an index \"{}\"", index.schema, index.name))
            }
        }
    }

    fn add_index(
        &mut self,
        table: &QualifiedName,
        index: Index,
        at: Location,
    ) -> Result<(), String> {
        if let Some(view) = self
            .schema
            .views
            .iter_mut()
            .find(|v| v.materialized && v.schema == table.schema && v.name == table.name)
        {
            // Materialized views are the only other relations that carry indexes.
            view.indexes.push(index);
            return Ok(());
        }
        let t = self.table_mut(table)?;
        if !index.name.is_empty()
            && (t.index(&index.name).is_some() || t.constraint(&index.name).is_some())
        {
            return Err(format!(
                "Table {table} already has an index or constraint \"{}\"",
                index.name
            ));
        }
        t.indexes.push(index);
        name_unnamed(t);
        find_shard_columns(t);
        let name = t.indexes.last().map(|i| i.name.clone()).unwrap_or_default();
        self.locations.insert(ObjectKey::Index(table.clone(), name), at);
        Ok(())
    }

    fn add_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: TableConstraint,
        at: Location,
    ) -> Result<(), String> {
        let (constraint, index) = match constraint {
            TableConstraint::UniqueIndex(index) => return self.add_index(table, *index, at),
            TableConstraint::Primary(constraint, mut index) => {
                self.drop_implied_key(table)?;
                if index.definition.is_empty() {
                    index.definition.clone_from(&constraint.definition);
                }
                (*constraint, Some(*index))
            }
            TableConstraint::Other(constraint) => (*constraint, None),
        };
        let t = self.table_mut(table)?;
        let name = &constraint.name;
        if !name.is_empty() && (t.constraint(name).is_some() || t.index(name).is_some()) {
            return Err(format!("Table {table} already has a constraint or index \"{name}\""));
        }
        let columns = constraint.columns.clone();
        let primary = constraint.kind == ConstraintKind::PrimaryKey;
        if let Some(index) = index {
            let key = ObjectKey::Index(table.clone(), index.name.clone());
            t.indexes.push(index);
            self.locations.insert(key, at);
        }
        let t = self.table_mut(table)?;
        t.constraints.push(constraint);
        if primary {
            t.columns
                .iter_mut()
                .filter(|c| columns.contains(&c.name))
                .for_each(|c| c.not_null = true);
        }
        name_unnamed(t);
        let name = t.constraints.last().map(|c| c.name.clone()).unwrap_or_default();
        self.locations.insert(ObjectKey::Constraint(table.clone(), name), at);
        Ok(())
    }

    /// Before `ADD PRIMARY KEY`: remove the implied `rowid` key (CockroachDB keeps the hidden
    /// column), or fail if the table has a primary key of its own.
    fn drop_implied_key(&mut self, table: &QualifiedName) -> Result<(), String> {
        let implied = self.implied_keys.remove(table);
        let t = self.table_mut(table)?;
        let Some(existing) = t.primary_key().map(|pk| pk.name.clone()) else { return Ok(()) };
        if !implied {
            return Err(format!("Table {table} already has a primary key, \"{existing}\""));
        }
        t.constraints.retain(|c| c.kind != ConstraintKind::PrimaryKey);
        t.indexes.retain(|i| !i.primary);
        self.locations.remove(&ObjectKey::Constraint(table.clone(), existing.clone()));
        self.locations.remove(&ObjectKey::Index(table.clone(), existing));
        Ok(())
    }

    /// Foreign keys written without referenced columns reference the primary key.
    fn fill_foreign_key_columns(&mut self) {
        let keys: BTreeMap<QualifiedName, Vec<String>> = self
            .schema
            .tables
            .iter()
            .filter_map(|t| Some((t.qualified_name(), t.primary_key()?.columns.clone())))
            .collect();
        let foreign_keys = self.schema.tables.iter_mut().flat_map(|t| t.constraints.iter_mut());
        for fk in foreign_keys.filter_map(|c| c.foreign_key.as_mut()) {
            if fk.columns.is_empty() {
                fk.columns = keys.get(&fk.table).cloned().unwrap_or_default();
            }
        }
    }

    /// List every schema that holds an object, even when no `CREATE SCHEMA` was read.
    fn add_implied_namespaces(&mut self) {
        let s = &self.schema;
        let used: BTreeSet<String> = s
            .tables
            .iter()
            .map(|t| &t.schema)
            .chain(s.views.iter().map(|v| &v.schema))
            .chain(s.sequences.iter().map(|q| &q.schema))
            .chain(s.types.enums.iter().map(|t| &t.schema))
            .chain(s.types.composites.iter().map(|t| &t.schema))
            .chain(s.routines.iter().map(|r| &r.schema))
            .chain(s.triggers.iter().map(|t| &t.schema))
            .chain(s.policies.iter().map(|p| &p.schema))
            .cloned()
            .collect();
        for name in used {
            if !self.schema.schemas.iter().any(|n| n.name == name) {
                self.schema.schemas.push(namespace(&name));
            }
        }
    }
}

fn namespace(name: &str) -> Namespace {
    Namespace { name: name.to_owned(), owner: String::new(), comment: None, privileges: None }
}

/// How a diagnostic names an object.
fn describe(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Schema(name) => format!("Schema {name}"),
        ObjectKey::Table(name) => format!("Table {name}"),
        ObjectKey::Column(relation, name) => format!("Column {relation}.{name}"),
        ObjectKey::Constraint(table, name) => format!("Constraint \"{name}\" of {table}"),
        ObjectKey::Index(table, name) => format!("Index {table}@{name}"),
        ObjectKey::Sequence(name) => format!("Sequence {name}"),
        ObjectKey::View(name) => format!("View {name}"),
        ObjectKey::Type(name) => format!("Type {name}"),
        ObjectKey::Routine(name, arguments) => format!("Routine {name}({arguments})"),
        ObjectKey::Trigger(table, name) => format!("Trigger \"{name}\" on {table}"),
    }
}

/// Put every list into the order introspection documents (see [`crate::schema::model`]).
fn sort(schema: &mut Schema) {
    schema.schemas.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.columns.sort_by_key(|c| c.ordinal);
        table.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.views.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.sequences.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    let types = &mut schema.types;
    types.enums.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.composites.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.routines.sort_by(|a, b| {
        (&a.schema, &a.name, &a.arguments).cmp(&(&b.schema, &b.name, &b.arguments))
    });
    schema
        .triggers
        .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    schema
        .policies
        .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
}
