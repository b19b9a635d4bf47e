//! `COMMENT ON ...`: attaching comment text to the object it names.
//!
//! `COMMENT ON INDEX i` without a table finds the only table of the schema with that index;
//! `COMMENT ON CONSTRAINT c ON t` falls back to the unique index `c`, which is how a `UNIQUE`
//! constraint is modelled; `COMMENT ON SCHEMA` on a schema that no `CREATE SCHEMA` listed (such
//! as `public`) lists it. `IS NULL` removes a comment.

use super::Builder;
use crate::schema::model::{QualifiedName, Routine};
use crate::schema::parse::crdb::alter::{CommentTarget, IndexRef};

/// The message for a target the file does not define.
fn missing(what: &str) -> String {
    format!("COMMENT ON names {what}, which this file does not define")
}

impl Builder {
    /// Attach `text` to the object `target` names.
    pub(super) fn comment(
        &mut self,
        target: CommentTarget,
        text: Option<String>,
    ) -> Result<(), String> {
        match target {
            CommentTarget::Database => Ok(()),
            CommentTarget::Schema(name) => {
                self.comment_schema(&name, text);
                Ok(())
            }
            CommentTarget::Table(name) => {
                self.table_mut(&name)?.comment = text;
                Ok(())
            }
            CommentTarget::Column(relation, column) => {
                self.comment_column(&relation, &column, text)
            }
            CommentTarget::Index(index) => self.comment_index(&index, text),
            CommentTarget::Constraint(table, name) => self.comment_constraint(&table, &name, text),
            CommentTarget::Type(name) => self.comment_type(&name, text),
            CommentTarget::View(name) => {
                let view = self.schema.views.iter_mut().find(|v| v.qualified_name() == name);
                view.ok_or_else(|| missing(&format!("view {name}")))?.comment = text;
                Ok(())
            }
            CommentTarget::Sequence(name) => {
                let mut sequences = self.schema.sequences.iter_mut();
                let found = sequences.find(|s| s.schema == name.schema && s.name == name.name);
                found.ok_or_else(|| missing(&format!("sequence {name}")))?.comment = text;
                Ok(())
            }
            CommentTarget::Routine(name, arguments) => {
                self.comment_routine(&name, arguments.as_deref(), text)
            }
            CommentTarget::Trigger(table, name) => self.comment_trigger(&table, &name, text),
        }
    }

    fn comment_schema(&mut self, name: &str, text: Option<String>) {
        if !self.schema.schemas.iter().any(|n| n.name == name) {
            self.schema.schemas.push(super::namespace(name));
        }
        if let Some(namespace) = self.schema.schemas.iter_mut().find(|n| n.name == name) {
            namespace.comment = text;
        }
    }

    /// A column of a view or a table.
    fn comment_column(
        &mut self,
        relation: &QualifiedName,
        column: &str,
        text: Option<String>,
    ) -> Result<(), String> {
        let view = self.schema.views.iter().position(|v| &v.qualified_name() == relation);
        let columns = match view.and_then(|i| self.schema.views.get_mut(i)) {
            Some(view) => &mut view.columns,
            None => &mut self.table_mut(relation)?.columns,
        };
        let found = columns.iter_mut().find(|c| c.name == column);
        found.ok_or_else(|| missing(&format!("column {relation}.{column}")))?.comment = text;
        Ok(())
    }

    fn comment_index(&mut self, index: &IndexRef, text: Option<String>) -> Result<(), String> {
        let table = self.index_table(index)?;
        let t = self.table_mut(&table)?;
        let found = t.indexes.iter_mut().find(|i| i.name == index.name);
        found.ok_or_else(|| missing(&format!("index {table}@{}", index.name)))?.comment = text;
        Ok(())
    }

    fn comment_constraint(
        &mut self,
        table: &QualifiedName,
        name: &str,
        text: Option<String>,
    ) -> Result<(), String> {
        let t = self.table_mut(table)?;
        if let Some(constraint) = t.constraints.iter_mut().find(|c| c.name == name) {
            constraint.comment = text;
            return Ok(());
        }
        let index = t.indexes.iter_mut().find(|i| i.name == name && i.unique);
        index.ok_or_else(|| missing(&format!("constraint \"{name}\" of {table}")))?.comment = text;
        Ok(())
    }

    fn comment_type(&mut self, name: &QualifiedName, text: Option<String>) -> Result<(), String> {
        let types = &mut self.schema.types;
        let is = |schema: &str, n: &str| schema == name.schema && n == name.name;
        if let Some(t) = types.enums.iter_mut().find(|t| is(&t.schema, &t.name)) {
            t.comment = text;
        } else {
            let composite = types.composites.iter_mut().find(|t| is(&t.schema, &t.name));
            composite.ok_or_else(|| missing(&format!("type {name}")))?.comment = text;
        }
        Ok(())
    }

    /// A routine by name and, when written, identity arguments (compared without case).
    fn comment_routine(
        &mut self,
        name: &QualifiedName,
        arguments: Option<&str>,
        text: Option<String>,
    ) -> Result<(), String> {
        let mut matching: Vec<&mut Routine> = self
            .schema
            .routines
            .iter_mut()
            .filter(|r| r.schema == name.schema && r.name == name.name)
            .filter(|r| arguments.is_none_or(|a| r.arguments.eq_ignore_ascii_case(a)))
            .collect();
        match matching.as_mut_slice() {
            [routine] => {
                routine.comment = text;
                Ok(())
            }
            [] => Err(missing(&format!("routine {name}"))),
            _ => Err(format!("Routine {name} is overloaded; name its arguments")),
        }
    }

    fn comment_trigger(
        &mut self,
        table: &QualifiedName,
        name: &str,
        text: Option<String>,
    ) -> Result<(), String> {
        let found = self
            .schema
            .triggers
            .iter_mut()
            .find(|t| t.schema == table.schema && t.table == table.name && t.name == name);
        found.ok_or_else(|| missing(&format!("trigger \"{name}\" on {table}")))?.comment = text;
        Ok(())
    }
}
