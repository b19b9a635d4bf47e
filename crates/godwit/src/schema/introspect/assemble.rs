//! Putting catalog rows together into a [`Schema`], the same way for every dialect.
//!
//! A backend reads each object kind with one query and hands over flat [`Parts`]: columns,
//! constraints and indexes keyed by their relation's name, comments and ACL entries keyed by an
//! [`ObjectRef`]. Assembly attaches them, then sorts every list so that the result does not
//! depend on the order rows arrived in (or on the server's collation: names compare byte-wise).
//!
//! A column, constraint or index whose relation is missing means two catalog queries disagree,
//! which is a bug and an [`crate::ErrorKind::Internal`] error. A comment or privilege whose
//! object is missing is normal (comments on extension members, which the model leaves out) and
//! is dropped.

use std::collections::HashMap;
use std::hash::Hash;

use crate::dialect::Dialect;
use crate::schema::model::{
    Column, Constraint, Extension, Grant, Index, Namespace, Policy, QualifiedName, Routine, Rule,
    Schema, Sequence, Table, Trigger, Types, View,
};
use crate::{Error, Result};

/// Everything a backend read, before assembly.
#[derive(Debug, Default)]
pub struct Parts {
    /// The server's version string.
    pub server_version: Option<String>,
    /// The database name.
    pub database: String,
    /// Schemas that passed the filter.
    pub schemas: Vec<Namespace>,
    /// Tables, without columns, constraints and indexes.
    pub tables: Vec<Table>,
    /// Views and materialized views, without columns and indexes.
    pub views: Vec<View>,
    /// Columns of tables and views, keyed by relation.
    pub columns: Vec<(QualifiedName, Column)>,
    /// Table constraints, keyed by table.
    pub constraints: Vec<(QualifiedName, Constraint)>,
    /// Indexes, keyed by table or materialized view.
    pub indexes: Vec<(QualifiedName, Index)>,
    /// Sequences.
    pub sequences: Vec<Sequence>,
    /// User-defined types.
    pub types: Types,
    /// Routines.
    pub routines: Vec<Routine>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// Rules.
    pub rules: Vec<Rule>,
    /// Row-level security policies.
    pub policies: Vec<Policy>,
    /// Extensions.
    pub extensions: Vec<Extension>,
    /// Comments, by object.
    pub comments: Vec<(ObjectRef, String)>,
    /// ACL entries by object; `None` records an explicit but empty ACL.
    pub grants: Vec<(ObjectRef, Option<Grant>)>,
}

/// Names an object that can carry a comment or privileges, without OIDs.
///
/// Index, constraint, trigger, rule and policy names are scoped by their table, as in
/// CockroachDB (PostgreSQL scopes index names by schema, which is stricter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// A schema.
    Schema(String),
    /// A table, view, materialized view or sequence.
    Relation(QualifiedName),
    /// A column of a table or view.
    Column(QualifiedName, String),
    /// An index of a table or materialized view.
    Index(QualifiedName, String),
    /// A table constraint.
    Constraint(QualifiedName, String),
    /// An enum, domain, composite or range type.
    Type(QualifiedName),
    /// A check constraint of a domain.
    DomainConstraint(QualifiedName, String),
    /// A routine: name and identity arguments.
    Routine(QualifiedName, String),
    /// A trigger of a table or view.
    Trigger(QualifiedName, String),
    /// A rule of a table or view.
    Rule(QualifiedName, String),
    /// A policy of a table.
    Policy(QualifiedName, String),
    /// An extension.
    Extension(String),
}

/// Build the [`Schema`] from what a backend read.
pub fn assemble(dialect: Dialect, parts: Parts) -> Result<Schema> {
    let Parts {
        server_version,
        database,
        schemas,
        mut tables,
        mut views,
        columns,
        constraints,
        indexes,
        sequences,
        types,
        routines,
        triggers,
        rules,
        policies,
        extensions,
        comments,
        grants,
    } = parts;
    attach_children(&mut tables, &mut views, columns, constraints, indexes)?;
    let mut schema = Schema {
        dialect,
        server_version,
        database,
        schemas,
        tables,
        views,
        sequences,
        types,
        routines,
        triggers,
        rules,
        policies,
        extensions,
    };
    Notes::new(comments, grants).annotate(&mut schema);
    sort(&mut schema);
    Ok(schema)
}

/// Move columns, constraints and indexes onto their tables and views.
fn attach_children(
    tables: &mut [Table],
    views: &mut [View],
    columns: Vec<(QualifiedName, Column)>,
    constraints: Vec<(QualifiedName, Constraint)>,
    indexes: Vec<(QualifiedName, Index)>,
) -> Result<()> {
    let mut columns = group(columns);
    let mut constraints = group(constraints);
    let mut indexes = group(indexes);
    for table in tables.iter_mut() {
        let key = table.qualified_name();
        table.columns = columns.remove(&key).unwrap_or_default();
        table.constraints = constraints.remove(&key).unwrap_or_default();
        table.indexes = indexes.remove(&key).unwrap_or_default();
    }
    for view in views.iter_mut() {
        let key = view.qualified_name();
        view.columns = columns.remove(&key).unwrap_or_default();
        view.indexes = indexes.remove(&key).unwrap_or_default();
    }
    let orphan = columns.keys().chain(constraints.keys()).chain(indexes.keys()).next();
    match orphan {
        Some(name) => Err(Error::internal(format!(
            "The catalog lists columns, constraints or indexes of {name}, which is not a table or \
             view that was read"
        ))),
        None => Ok(()),
    }
}

/// Group keyed rows by key, keeping their order.
fn group<K: Eq + Hash, T>(rows: Vec<(K, T)>) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = HashMap::new();
    for (key, item) in rows {
        map.entry(key).or_default().push(item);
    }
    map
}

/// Comments and privileges waiting to be attached to their objects.
struct Notes {
    comments: HashMap<ObjectRef, String>,
    grants: HashMap<ObjectRef, Vec<Grant>>,
}

impl Notes {
    fn new(comments: Vec<(ObjectRef, String)>, grants: Vec<(ObjectRef, Option<Grant>)>) -> Self {
        let mut acls: HashMap<ObjectRef, Vec<Grant>> = HashMap::new();
        for (key, grant) in grants {
            let entries = acls.entry(key).or_default();
            entries.extend(grant);
        }
        Notes { comments: comments.into_iter().collect(), grants: acls }
    }

    fn comment(&mut self, key: &ObjectRef) -> Option<String> {
        self.comments.remove(key)
    }

    fn privileges(&mut self, key: &ObjectRef) -> Option<Vec<Grant>> {
        self.grants.remove(key)
    }

    fn annotate(mut self, schema: &mut Schema) {
        for namespace in &mut schema.schemas {
            let key = ObjectRef::Schema(namespace.name.clone());
            namespace.comment = self.comment(&key);
            namespace.privileges = self.privileges(&key);
        }
        schema.tables.iter_mut().for_each(|t| self.annotate_table(t));
        schema.views.iter_mut().for_each(|v| self.annotate_view(v));
        for sequence in &mut schema.sequences {
            let key = ObjectRef::Relation(qualified(&sequence.schema, &sequence.name));
            sequence.comment = self.comment(&key);
            sequence.privileges = self.privileges(&key);
        }
        self.annotate_types(&mut schema.types);
        self.annotate_code(schema);
        for extension in &mut schema.extensions {
            extension.comment = self.comment(&ObjectRef::Extension(extension.name.clone()));
        }
    }

    fn annotate_table(&mut self, table: &mut Table) {
        let name = table.qualified_name();
        let key = ObjectRef::Relation(name.clone());
        table.comment = self.comment(&key);
        table.privileges = self.privileges(&key);
        self.annotate_columns(&name, &mut table.columns);
        for constraint in &mut table.constraints {
            let key = ObjectRef::Constraint(name.clone(), constraint.name.clone());
            constraint.comment = self.comment(&key);
        }
        self.annotate_indexes(&name, &mut table.indexes);
    }

    fn annotate_view(&mut self, view: &mut View) {
        let name = view.qualified_name();
        let key = ObjectRef::Relation(name.clone());
        view.comment = self.comment(&key);
        view.privileges = self.privileges(&key);
        self.annotate_columns(&name, &mut view.columns);
        self.annotate_indexes(&name, &mut view.indexes);
    }

    fn annotate_columns(&mut self, relation: &QualifiedName, columns: &mut [Column]) {
        for column in columns {
            let key = ObjectRef::Column(relation.clone(), column.name.clone());
            column.comment = self.comment(&key);
            column.privileges = self.privileges(&key);
        }
    }

    fn annotate_indexes(&mut self, relation: &QualifiedName, indexes: &mut [Index]) {
        for index in indexes {
            index.comment = self.comment(&ObjectRef::Index(relation.clone(), index.name.clone()));
        }
    }

    fn annotate_types(&mut self, types: &mut Types) {
        for t in &mut types.enums {
            let key = ObjectRef::Type(qualified(&t.schema, &t.name));
            (t.comment, t.privileges) = (self.comment(&key), self.privileges(&key));
        }
        for t in &mut types.domains {
            let name = qualified(&t.schema, &t.name);
            let key = ObjectRef::Type(name.clone());
            (t.comment, t.privileges) = (self.comment(&key), self.privileges(&key));
            for check in &mut t.checks {
                let key = ObjectRef::DomainConstraint(name.clone(), check.name.clone());
                check.comment = self.comment(&key);
            }
        }
        for t in &mut types.composites {
            let key = ObjectRef::Type(qualified(&t.schema, &t.name));
            (t.comment, t.privileges) = (self.comment(&key), self.privileges(&key));
        }
        for t in &mut types.ranges {
            let key = ObjectRef::Type(qualified(&t.schema, &t.name));
            (t.comment, t.privileges) = (self.comment(&key), self.privileges(&key));
        }
    }

    fn annotate_code(&mut self, schema: &mut Schema) {
        for routine in &mut schema.routines {
            let name = qualified(&routine.schema, &routine.name);
            let key = ObjectRef::Routine(name, routine.arguments.clone());
            routine.comment = self.comment(&key);
            routine.privileges = self.privileges(&key);
        }
        for t in &mut schema.triggers {
            let key = ObjectRef::Trigger(qualified(&t.schema, &t.table), t.name.clone());
            t.comment = self.comment(&key);
        }
        for r in &mut schema.rules {
            let key = ObjectRef::Rule(qualified(&r.schema, &r.table), r.name.clone());
            r.comment = self.comment(&key);
        }
        for p in &mut schema.policies {
            let key = ObjectRef::Policy(qualified(&p.schema, &p.table), p.name.clone());
            p.comment = self.comment(&key);
        }
    }
}

fn qualified(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

/// Put every list into its documented order.
fn sort(schema: &mut Schema) {
    schema.schemas.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.columns.sort_by_key(|c| c.ordinal);
        table.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    for view in &mut schema.views {
        view.columns.sort_by_key(|c| c.ordinal);
        view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.views.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.sequences.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    sort_types(&mut schema.types);
    schema.routines.sort_by(|a, b| {
        (&a.schema, &a.name, &a.arguments).cmp(&(&b.schema, &b.name, &b.arguments))
    });
    schema
        .triggers
        .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    schema
        .rules
        .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    schema
        .policies
        .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
    schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    sort_grants(schema);
}

fn sort_types(types: &mut Types) {
    types.enums.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    for domain in &mut types.domains {
        domain.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    types.domains.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.composites.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.ranges.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
}

/// Order the grants of every object by grantee (`PUBLIC` first), grantor, grant option.
fn sort_grants(schema: &mut Schema) {
    fn order(grants: &mut Option<Vec<Grant>>) {
        if let Some(grants) = grants {
            grants.sort_by(|a, b| {
                (&a.grantee, &a.grantor, a.with_grant_option).cmp(&(
                    &b.grantee,
                    &b.grantor,
                    b.with_grant_option,
                ))
            });
        }
    }
    schema.schemas.iter_mut().for_each(|n| order(&mut n.privileges));
    for table in &mut schema.tables {
        order(&mut table.privileges);
        table.columns.iter_mut().for_each(|c| order(&mut c.privileges));
    }
    for view in &mut schema.views {
        order(&mut view.privileges);
        view.columns.iter_mut().for_each(|c| order(&mut c.privileges));
    }
    schema.sequences.iter_mut().for_each(|s| order(&mut s.privileges));
    schema.routines.iter_mut().for_each(|r| order(&mut r.privileges));
    schema.types.enums.iter_mut().for_each(|t| order(&mut t.privileges));
    schema.types.domains.iter_mut().for_each(|t| order(&mut t.privileges));
    schema.types.composites.iter_mut().for_each(|t| order(&mut t.privileges));
    schema.types.ranges.iter_mut().for_each(|t| order(&mut t.privileges));
}
