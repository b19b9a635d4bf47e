//! What the server copies from a parent table to its children by itself.
//!
//! - `INHERITS (parent)`: columns (marked inherited) and CHECK constraints.
//! - A partition (`PARTITION OF`, `ATTACH PARTITION`): CHECK constraints, a clone of every
//!   index of the parent (primary key and unique constraints included, named like the server
//!   names them: `child_pkey`, `child_col_idx`), foreign keys and row triggers, all marked
//!   inherited; an existing matching index is adopted instead of cloned.
//! - `CREATE INDEX` or `ADD CONSTRAINT` on a partitioned table (without `ONLY`) reaches every
//!   partition the same way; `ALTER INDEX parent ATTACH PARTITION child` adopts `child`.

use super::index::IndexSpec;
use super::names::{quote_ident, quote_relation};
use super::naming::columns_addition;
use super::state::{Applied, Builder, Problem};
use crate::schema::model::{
    Constraint, ConstraintKind, Index, QualifiedName, Table, TableKind, Trigger, TriggerLevel,
};
use crate::schema::parse::{Location, ObjectKey};

/// How deep partitions of partitions are followed.
const MAX_PARTITION_DEPTH: usize = 64;

impl Builder {
    /// Whether `ancestor` is `table` or one of its partition parents (or grandparents...).
    pub fn partition_ancestor(&self, table: &QualifiedName, ancestor: &QualifiedName) -> bool {
        let mut current = table.clone();
        for _ in 0..=MAX_PARTITION_DEPTH {
            if &current == ancestor {
                return true;
            }
            match self.table(&current).and_then(|t| t.partition_of.as_ref()) {
                Some(of) => current = of.parent.clone(),
                None => return false,
            }
        }
        true
    }

    /// The partitions of `parent`.
    pub fn partitions(&self, parent: &QualifiedName) -> Vec<QualifiedName> {
        if self.table(parent).is_none_or(|t| t.kind != TableKind::Partitioned) {
            return Vec::new();
        }
        let is_child = |t: &&Table| t.partition_of.as_ref().is_some_and(|p| &p.parent == parent);
        self.schema.tables.iter().filter(is_child).map(Table::qualified_name).collect()
    }

    /// Copy the parent's inheritable CHECK constraints to `child`.
    pub fn inherit_checks(&mut self, parent: &QualifiedName, child: &QualifiedName) {
        let Some(parent) = self.table(parent) else {
            return;
        };
        let checks: Vec<Constraint> = parent
            .constraints
            .iter()
            .filter(|c| c.kind == ConstraintKind::Check && !c.no_inherit)
            .cloned()
            .collect();
        let Some(child) = self.table_mut(child) else {
            return;
        };
        for check in checks {
            if child.constraint(&check.name).is_none() {
                child.constraints.push(Constraint { inherited: true, comment: None, ..check });
            }
        }
    }

    /// Give a new partition everything the server copies from its partitioned parent.
    pub fn clone_into_partition(
        &mut self,
        parent: &QualifiedName,
        child: &QualifiedName,
        at: Location,
    ) {
        self.inherit_checks(parent, child);
        let Some(p) = self.table(parent).cloned() else {
            return;
        };
        for index in &p.indexes {
            let backing = index.constraint.as_ref().and_then(|c| p.constraint(c)).map(|c| c.kind);
            let spec = spec_of(index);
            self.clone_index(child, &spec, backing, at);
        }
        for fk in p.constraints.iter().filter(|c| c.kind == ConstraintKind::ForeignKey) {
            self.clone_foreign_key(child, fk, at);
        }
        self.clone_into_partition_triggers(parent, child, at);
    }

    /// Clone the parent's row triggers onto a partition (same names, marked inherited).
    pub fn clone_into_partition_triggers(
        &mut self,
        parent: &QualifiedName,
        child: &QualifiedName,
        at: Location,
    ) {
        let on =
            |t: &Trigger, table: &QualifiedName| t.schema == table.schema && t.table == table.name;
        let triggers: Vec<Trigger> = self
            .schema
            .triggers
            .iter()
            .filter(|t| on(t, parent) && t.level == TriggerLevel::Row)
            .cloned()
            .collect();
        for trigger in triggers {
            if self.schema.triggers.iter().any(|t| on(t, child) && t.name == trigger.name) {
                continue;
            }
            self.locate(ObjectKey::Trigger(child.clone(), trigger.name.clone()), at);
            let on = |t: &QualifiedName| format!(" ON {} ", quote_relation(t));
            let definition = trigger.definition.replacen(&on(parent), &on(child), 1);
            self.schema.triggers.push(Trigger {
                definition,
                schema: child.schema.clone(),
                table: child.name.clone(),
                inherited: true,
                comment: None,
                ..trigger
            });
        }
    }

    /// `CREATE INDEX` on a partitioned table: every partition gets its own copy.
    pub fn propagate_index(&mut self, parent: &QualifiedName, spec: &IndexSpec, at: Location) {
        for child in self.partitions(parent) {
            self.clone_index(&child, spec, None, at);
        }
    }

    /// A key constraint added to a partitioned table reaches every partition.
    pub fn propagate_key_constraint(
        &mut self,
        parent: &QualifiedName,
        spec: &IndexSpec,
        primary: bool,
        at: Location,
    ) {
        let kind = if primary { ConstraintKind::PrimaryKey } else { ConstraintKind::Unique };
        let kind = if spec.unique { kind } else { ConstraintKind::Exclusion };
        for child in self.partitions(parent) {
            self.clone_index(&child, spec, Some(kind), at);
        }
    }

    /// Clone (or adopt) an index of a partitioned table on `child`, recursively; `backing` is
    /// the kind of constraint the parent's index enforces.
    fn clone_index(
        &mut self,
        child: &QualifiedName,
        spec: &IndexSpec,
        backing: Option<ConstraintKind>,
        at: Location,
    ) {
        self.clone_index_at_depth(child, spec, backing, at, 0);
    }

    fn clone_index_at_depth(
        &mut self,
        child: &QualifiedName,
        spec: &IndexSpec,
        backing: Option<ConstraintKind>,
        at: Location,
        depth: usize,
    ) {
        // Partition trees are acyclic (ATTACH refuses cycles), so this only bounds the work.
        let Some(table) = self.table(child).filter(|_| depth < MAX_PARTITION_DEPTH) else {
            return;
        };
        let existing = table.indexes.iter().position(|i| !i.inherited && same_index(i, spec));
        let adopted = match existing {
            Some(position) => self.adopt(child, position),
            None => self.create_clone(child, spec, backing, at),
        };
        if let Some(index_name) = adopted {
            let spec = IndexSpec { name: index_name, ..spec.clone() };
            for grandchild in self.partitions(child) {
                self.clone_index_at_depth(&grandchild, &spec, backing, at, depth + 1);
            }
        }
    }

    /// Mark the child's index `position` (and its constraint) inherited; its name.
    fn adopt(&mut self, child: &QualifiedName, position: usize) -> Option<String> {
        let table = self.table_mut(child)?;
        let index = table.indexes.get_mut(position)?;
        index.inherited = true;
        let (name, constraint) = (index.name.clone(), index.constraint.clone());
        if let Some(c) = constraint.and_then(|c| table.constraints.iter_mut().find(|k| k.name == c))
        {
            c.inherited = true;
        }
        Some(name)
    }

    fn create_clone(
        &mut self,
        child: &QualifiedName,
        spec: &IndexSpec,
        backing: Option<ConstraintKind>,
        at: Location,
    ) -> Option<String> {
        let columns: Vec<String> = spec.keys.iter().map(|k| k.column_name.clone()).collect();
        let (name2, label) = match backing {
            Some(ConstraintKind::PrimaryKey) => (String::new(), "pkey"),
            Some(ConstraintKind::Exclusion) => (columns_addition(&columns), "excl"),
            Some(_) => (columns_addition(&columns), "key"),
            None => (columns_addition(&columns), "idx"),
        };
        let name = self.choose_relation_name(&child.schema, &child.name, &name2, label);
        let partitioned = self.table(child)?.kind == TableKind::Partitioned;
        let clone = IndexSpec { name: name.clone(), ..spec.clone() };
        let primary = backing == Some(ConstraintKind::PrimaryKey);
        let mut index = clone.index(child, partitioned, backing.map(|_| (name.as_str(), primary)));
        index.inherited = true;
        let constraint = backing.map(|kind| self.cloned_key_constraint(child, &index, kind));
        let table = self.table_mut(child)?;
        table.indexes.push(index);
        self.register(&child.schema, &name);
        self.locate(ObjectKey::Index(child.clone(), name.clone()), at);
        if let Some(constraint) = constraint {
            self.locate(ObjectKey::Constraint(child.clone(), name.clone()), at);
            self.table_mut(child)?.constraints.push(constraint);
        }
        Some(name)
    }

    /// The inherited constraint a cloned key index enforces.
    fn cloned_key_constraint(
        &self,
        child: &QualifiedName,
        index: &Index,
        kind: ConstraintKind,
    ) -> Constraint {
        let parent = self
            .table(child)
            .and_then(|t| t.partition_of.as_ref())
            .and_then(|p| self.table(&p.parent))
            .and_then(|p| {
                p.constraints.iter().find(|c| c.kind == kind && same_keys(&c.columns, index))
            })
            .cloned();
        let columns: Vec<String> =
            index.keys.iter().filter_map(|k| key_column(k).map(str::to_owned)).collect();
        let template = parent.unwrap_or_else(|| Constraint {
            name: String::new(),
            kind,
            columns: columns.clone(),
            definition: String::new(),
            index: None,
            nulls_not_distinct: index.nulls_not_distinct,
            foreign_key: None,
            check: None,
            exclusion_operators: Vec::new(),
            deferrable: false,
            initially_deferred: false,
            validated: true,
            no_inherit: false,
            inherited: true,
            comment: None,
            cockroach: Default::default(),
        });
        Constraint {
            name: index.name.clone(),
            index: Some(index.name.clone()),
            inherited: true,
            comment: None,
            columns,
            ..template
        }
    }

    /// Clone a foreign key of the parent onto a partition, keeping its name when free.
    fn clone_foreign_key(&mut self, child: &QualifiedName, fk: &Constraint, at: Location) {
        let Some(table) = self.table(child) else {
            return;
        };
        if table.constraints.iter().any(|c| {
            c.kind == ConstraintKind::ForeignKey
                && c.columns == fk.columns
                && c.foreign_key == fk.foreign_key
        }) {
            if let Some(c) = self.table_mut(child).and_then(|t| {
                t.constraints
                    .iter_mut()
                    .find(|c| c.kind == ConstraintKind::ForeignKey && c.columns == fk.columns)
            }) {
                c.inherited = true;
            }
            return;
        }
        let name = if table.constraint(&fk.name).is_none() {
            fk.name.clone()
        } else {
            self.choose_constraint_name(
                &child.schema,
                &child.name,
                &columns_addition(&fk.columns),
                "fkey",
            )
        };
        self.locate(ObjectKey::Constraint(child.clone(), name.clone()), at);
        if let Some(t) = self.table_mut(child) {
            t.constraints.push(Constraint { name, inherited: true, comment: None, ..fk.clone() });
        }
    }

    /// `ALTER INDEX parent ATTACH PARTITION child`: the child index becomes part of the
    /// parent's, and so does the constraint it enforces.
    pub fn attach_index(&mut self, child_index: &QualifiedName) -> Applied {
        let found = self.schema.tables.iter().enumerate().find_map(|(t, table)| {
            let i = table.indexes.iter().position(|i| i.name == child_index.name)?;
            (table.schema == child_index.schema).then_some((t, i))
        });
        let Some((t, i)) = found else {
            return Err(Problem::new(format!(
                "index {} is not defined in this file",
                quote_ident(&child_index.name)
            )));
        };
        let table = &mut self.schema.tables[t];
        table.indexes[i].inherited = true;
        if let Some(name) = table.indexes[i].constraint.clone() {
            if let Some(c) = table.constraints.iter_mut().find(|c| c.name == name) {
                c.inherited = true;
            }
        }
        Ok(())
    }
}

/// The spec an existing index was built from (enough to clone it).
fn spec_of(index: &Index) -> IndexSpec {
    IndexSpec {
        name: index.name.clone(),
        method: index.method.clone(),
        unique: index.unique,
        keys: index.keys.iter().map(super::index::key_of).collect(),
        include: index.include.clone(),
        predicate: index.predicate.clone(),
        nulls_not_distinct: index.nulls_not_distinct,
        options: index.options.clone(),
    }
}

/// Whether an existing index is equivalent to the one `spec` describes.
fn same_index(index: &Index, spec: &IndexSpec) -> bool {
    index.method == spec.method
        && index.unique == spec.unique
        && index.predicate == spec.predicate
        && index.include == spec.include
        && index.keys.len() == spec.keys.len()
        && index.keys.iter().zip(&spec.keys).all(|(a, b)| *a == b.key)
}

/// Whether an index's key columns are `columns`, in order.
fn same_keys(columns: &[String], index: &Index) -> bool {
    let keys: Vec<&str> = index.keys.iter().filter_map(key_column).collect();
    keys.len() == columns.len() && keys.iter().zip(columns).all(|(a, b)| *a == b.as_str())
}

/// The column of a key, if it is one.
fn key_column(key: &crate::schema::model::IndexKey) -> Option<&str> {
    match &key.target {
        crate::schema::model::IndexTarget::Column(c) => Some(c),
        crate::schema::model::IndexTarget::Expression(_) => None,
    }
}
