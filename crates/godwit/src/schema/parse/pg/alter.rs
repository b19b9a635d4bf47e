//! `ALTER TABLE` (and `ALTER VIEW|SEQUENCE|INDEX`, which share its parse node).
//!
//! Every subcommand `pg_dump` writes is applied: `ADD CONSTRAINT`, `ALTER COLUMN ... SET
//! DEFAULT`, `ADD GENERATED ... AS IDENTITY`, `ATTACH PARTITION`, `ENABLE ROW LEVEL SECURITY`,
//! `OWNER TO`, `REPLICA IDENTITY`, and the ones hand-written scripts use (`ADD COLUMN`, `DROP
//! ...`, `SET NOT NULL`, ...). Subcommands the model has no field for (`SET STATISTICS`,
//! `CLUSTER ON`) are accepted and ignored; a statement made only of those is recorded as
//! skipped.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, AlterTableType as At, ObjectType, Token};

use super::constraint::Written;
use super::names::kind;
use super::state::{Applied, Builder, Problem, Stmt};
use super::table::partition_bound;
use crate::schema::model::{Enablement, PartitionOf, QualifiedName, ReplicaIdentity};

/// One subcommand with its token range.
struct Command<'s, 'a> {
    stmt: &'s Stmt<'a>,
    cmd: &'s pb::AlterTableCmd,
    first: usize,
    last: usize,
    recurse: bool,
}

impl Builder {
    /// `ALTER TABLE [ONLY] name subcommand, ...`.
    pub fn alter_table(&mut self, stmt: &Stmt<'_>, s: &pb::AlterTableStmt) -> Applied {
        let range = s.relation.as_ref().ok_or_else(|| Problem::new("ALTER without a name"))?;
        let name = self.relation(range);
        let objtype = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::ObjectTable);
        let known = self.relation_exists(&name.schema, &name.name);
        if !known && objtype != ObjectType::ObjectIndex {
            if s.missing_ok {
                return Ok(());
            }
            return Err(Problem::new(format!("relation \"{name}\" is not defined in this file")));
        }
        let t = &stmt.tokens;
        let start = t.at(range.location);
        let segments = t.items(start, t.body_end());
        let mut modeled = false;
        for (i, node) in s.cmds.iter().enumerate() {
            let Some(NodeEnum::AlterTableCmd(cmd)) = kind(node) else {
                continue;
            };
            let (first, last) = segments.get(i).copied().unwrap_or((start, t.body_end()));
            let command = Command { stmt, cmd, first, last, recurse: range.inh };
            modeled |= self.alter_command(&name, objtype, &command)?;
        }
        if !modeled {
            self.skip(stmt, Some("not part of the schema model"));
        }
        Ok(())
    }

    /// Apply one subcommand; false when the model has nothing to record for it.
    fn alter_command(
        &mut self,
        name: &QualifiedName,
        objtype: ObjectType,
        c: &Command<'_, '_>,
    ) -> Result<bool, Problem> {
        let subtype = At::try_from(c.cmd.subtype).unwrap_or(At::Undefined);
        match subtype {
            At::AtAddConstraint => self.alter_add_constraint(name, c)?,
            At::AtColumnDefault => self.alter_default(name, c)?,
            At::AtSetNotNull | At::AtDropNotNull => {
                let column = self.column_mut(name, &c.cmd.name)?;
                column.not_null = subtype == At::AtSetNotNull;
            }
            At::AtAddIdentity => self.alter_add_identity(name, c)?,
            At::AtAttachPartition if objtype == ObjectType::ObjectIndex => {
                self.alter_attach_index(name, c)?;
            }
            At::AtAttachPartition => self.alter_attach_partition(name, c)?,
            At::AtDetachPartition => self.alter_detach_partition(c)?,
            At::AtChangeOwner => self.alter_relation_owner(name, c)?,
            At::AtReplicaIdentity => self.alter_replica_identity(name, c)?,
            At::AtAddColumn => self.alter_add_column(name, c)?,
            At::AtAlterColumnType => self.alter_column_type(name, c)?,
            At::AtDropColumn | At::AtDropConstraint => self.alter_drop(name, c)?,
            At::AtValidateConstraint => {
                let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
                if let Some(constraint) =
                    table.constraints.iter_mut().find(|k| k.name == c.cmd.name)
                {
                    constraint.validated = true;
                }
            }
            At::AtAddInherit | At::AtDropInherit => {
                self.alter_inherit(name, c, subtype == At::AtAddInherit)?;
            }
            At::AtSetRelOptions | At::AtResetRelOptions | At::AtReplaceRelOptions => {
                self.alter_options(name, c, subtype)?;
            }
            At::AtSetLogged | At::AtSetUnLogged => {
                let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
                table.persistence = if subtype == At::AtSetLogged {
                    crate::schema::model::Persistence::Permanent
                } else {
                    crate::schema::model::Persistence::Unlogged
                };
            }
            _ => return self.alter_security_or_enablement(name, c, subtype),
        }
        Ok(true)
    }

    /// Row-level security switches, and trigger and rule enablement.
    fn alter_security_or_enablement(
        &mut self,
        name: &QualifiedName,
        c: &Command<'_, '_>,
        subtype: At,
    ) -> Result<bool, Problem> {
        let enablement = match subtype {
            At::AtEnableTrig | At::AtEnableRule => Some(Enablement::Origin),
            At::AtEnableAlwaysTrig | At::AtEnableAlwaysRule => Some(Enablement::Always),
            At::AtEnableReplicaTrig | At::AtEnableReplicaRule => Some(Enablement::Replica),
            At::AtDisableTrig | At::AtDisableRule => Some(Enablement::Disabled),
            _ => None,
        };
        let rule = matches!(
            subtype,
            At::AtEnableRule | At::AtEnableAlwaysRule | At::AtEnableReplicaRule | At::AtDisableRule
        );
        if let Some(enabled) = enablement {
            let hit = |schema: &str, table: &str, n: &str| {
                schema == name.schema && table == name.name && n == c.cmd.name
            };
            if rule {
                self.schema
                    .rules
                    .iter_mut()
                    .filter(|r| hit(&r.schema, &r.table, &r.name))
                    .for_each(|r| r.enabled = enabled);
            } else {
                self.schema
                    .triggers
                    .iter_mut()
                    .filter(|t| hit(&t.schema, &t.table, &t.name))
                    .for_each(|t| t.enabled = enabled);
            }
            return Ok(true);
        }
        let Some(table) = self.table_mut(name) else {
            return Ok(false);
        };
        match subtype {
            At::AtEnableRowSecurity => table.row_security = true,
            At::AtDisableRowSecurity => table.row_security = false,
            At::AtForceRowSecurity => table.force_row_security = true,
            At::AtNoForceRowSecurity => table.force_row_security = false,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn alter_add_constraint(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::Constraint(constraint)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ADD CONSTRAINT without a constraint"));
        };
        let t = &c.stmt.tokens;
        let first = t.at(constraint.location).max(c.first);
        let w = Written {
            stmt: c.stmt,
            first,
            last: c.last,
            location: c.stmt.location(),
            recurse: c.recurse,
        };
        self.add_constraint(&w, name, constraint, None)?;
        if c.recurse
            && constraint.contype == pb::ConstrType::ConstrCheck as i32
            && !constraint.is_no_inherit
        {
            for child in self.inheritors(name) {
                self.inherit_checks(name, &child);
            }
        }
        Ok(())
    }

    /// Tables that inherit from `parent` or are its partitions, recursively.
    fn inheritors(&self, parent: &QualifiedName) -> Vec<QualifiedName> {
        let mut found: Vec<QualifiedName> = Vec::new();
        let mut queue = vec![parent.clone()];
        while let Some(p) = queue.pop() {
            for t in &self.schema.tables {
                let child = t.inherits.contains(&p)
                    || t.partition_of.as_ref().is_some_and(|o| o.parent == p);
                let name = t.qualified_name();
                if child && !found.contains(&name) && found.len() < 10_000 {
                    found.push(name.clone());
                    queue.push(name);
                }
            }
        }
        found
    }

    fn alter_default(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let t = &c.stmt.tokens;
        let expression = match c.cmd.def.is_some() {
            true => t
                .find(c.first, c.last + 1, Token::Default)
                .map(|d| self.qualify(t.slice(d + 1, c.last).trim())),
            false => None,
        };
        let column = self.column_mut(name, &c.cmd.name)?;
        column.default = expression;
        Ok(())
    }

    fn alter_add_identity(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::Constraint(constraint)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ADD GENERATED without an identity"));
        };
        self.column_mut(name, &c.cmd.name)?;
        let identity = self.identity(name, &c.cmd.name, constraint, c.stmt.location())?;
        let column = self.column_mut(name, &c.cmd.name)?;
        column.identity = Some(identity);
        column.not_null = true;
        Ok(())
    }

    fn alter_attach_partition(&mut self, parent: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::PartitionCmd(cmd)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ATTACH PARTITION without a partition"));
        };
        let range =
            cmd.name.as_ref().ok_or_else(|| Problem::new("ATTACH PARTITION without a name"))?;
        let child = self.relation(range);
        if self.partition_ancestor(parent, &child) {
            return Err(Problem::new(format!(
                "\"{child}\" is already an ancestor of \"{parent}\": partitions cannot form a cycle"
            )));
        }
        let bound = match &cmd.bound {
            Some(bound) => partition_bound(c.stmt, bound),
            None => "DEFAULT".into(),
        };
        let parent_columns: Vec<String> = self
            .table(parent)
            .map(|p| p.columns.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let table = self.table_mut(&child).ok_or_else(|| not_a_table(&child))?;
        table.partition_of = Some(PartitionOf { parent: parent.clone(), bound });
        table.inherits.clear();
        // A partition's columns all come from its parent (`attislocal` is false).
        for column in table.columns.iter_mut().filter(|c| parent_columns.contains(&c.name)) {
            column.inherited = true;
        }
        self.clone_into_partition(parent, &child, c.stmt.location());
        Ok(())
    }

    fn alter_attach_index(&mut self, parent: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::PartitionCmd(cmd)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ATTACH PARTITION without an index"));
        };
        let range =
            cmd.name.as_ref().ok_or_else(|| Problem::new("ATTACH PARTITION without a name"))?;
        let schema = if range.schemaname.is_empty() {
            parent.schema.clone()
        } else {
            range.schemaname.clone()
        };
        self.attach_index(&QualifiedName::new(schema, range.relname.as_str()))
    }

    fn alter_detach_partition(&mut self, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::PartitionCmd(cmd)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("DETACH PARTITION without a partition"));
        };
        let range =
            cmd.name.as_ref().ok_or_else(|| Problem::new("DETACH PARTITION without a name"))?;
        let child = self.relation(range);
        let table = self.table_mut(&child).ok_or_else(|| not_a_table(&child))?;
        table.partition_of = None;
        Ok(())
    }

    fn alter_relation_owner(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let owner = c.cmd.newowner.as_ref().map(super::misc::role_name).unwrap_or_default();
        let same = |s: &String, n: &String| *s == name.schema && *n == name.name;
        let schema = &mut self.schema;
        if let Some(t) = schema.tables.iter_mut().find(|t| same(&t.schema, &t.name)) {
            t.owner.clone_from(&owner);
            // Sequences owned by the table's columns follow it (serial and identity columns).
            let owned = |s: &&mut crate::schema::model::Sequence| {
                s.owned_by.as_ref().is_some_and(|o| same(&o.schema, &o.table))
            };
            schema.sequences.iter_mut().filter(owned).for_each(|s| s.owner.clone_from(&owner));
        } else if let Some(v) = schema.views.iter_mut().find(|v| same(&v.schema, &v.name)) {
            v.owner = owner;
        } else if let Some(s) = schema.sequences.iter_mut().find(|s| same(&s.schema, &s.name)) {
            s.owner = owner;
        }
        Ok(())
    }

    fn alter_replica_identity(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::ReplicaIdentityStmt(r)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("REPLICA IDENTITY without a setting"));
        };
        let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
        table.replica_identity = match r.identity_type.as_str() {
            "n" => ReplicaIdentity::Nothing,
            "f" => ReplicaIdentity::Full,
            "i" => ReplicaIdentity::Index(r.name.clone()),
            _ => ReplicaIdentity::Default,
        };
        Ok(())
    }

    fn alter_add_column(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::ColumnDef(def)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ADD COLUMN without a column"));
        };
        let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
        if table.column(&def.colname).is_some() {
            if c.cmd.missing_ok {
                return Ok(());
            }
            return Err(Problem::new(format!(
                "column \"{}\" of \"{name}\" already exists",
                def.colname
            )));
        }
        let ordinal = table.columns.iter().map(|c| c.ordinal).max().unwrap_or(0) + 1;
        let column = self.declared_column(def, ordinal);
        self.table_mut(name).ok_or_else(|| not_a_table(name))?.columns.push(column);
        let location = c.stmt.location_of(def.location);
        self.locate(
            crate::schema::parse::ObjectKey::Column(name.clone(), def.colname.clone()),
            location,
        );
        let w = Written {
            stmt: c.stmt,
            first: c.stmt.tokens.at(def.location),
            last: c.last,
            location,
            recurse: c.recurse,
        };
        self.serial(name, def, location);
        self.column_constraints(&w, name, def)
    }

    fn alter_column_type(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let Some(NodeEnum::ColumnDef(def)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("ALTER COLUMN ... TYPE without a type"));
        };
        let declared = self.declared_column(def, 0);
        let column = self.column_mut(name, &c.cmd.name)?;
        column.data_type = declared.data_type;
        column.base_type = declared.base_type;
        column.typmod = declared.typmod;
        column.array_dimensions = declared.array_dimensions;
        if declared.collation.is_some() {
            column.collation = declared.collation;
        }
        Ok(())
    }

    fn alter_drop(&mut self, name: &QualifiedName, c: &Command<'_, '_>) -> Applied {
        let drop_column = c.cmd.subtype == At::AtDropColumn as i32;
        let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
        let target = &c.cmd.name;
        let found = if drop_column {
            let before = table.columns.len();
            table.columns.retain(|col| &col.name != target);
            table.constraints.retain(|k| !k.columns.contains(target));
            before != table.columns.len()
        } else {
            let before = table.constraints.len();
            table.constraints.retain(|k| &k.name != target);
            table.indexes.retain(|i| i.constraint.as_ref() != Some(target));
            let found = before != table.constraints.len();
            if found {
                self.unregister(&name.schema, target);
            }
            found
        };
        if found || c.cmd.missing_ok {
            return Ok(());
        }
        Err(Problem::new(format!("\"{target}\" of relation \"{name}\" does not exist")))
    }

    fn alter_inherit(&mut self, name: &QualifiedName, c: &Command<'_, '_>, add: bool) -> Applied {
        let Some(NodeEnum::RangeVar(parent)) = c.cmd.def.as_deref().and_then(kind) else {
            return Err(Problem::new("INHERIT without a parent"));
        };
        let parent = self.relation(parent);
        let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
        table.inherits.retain(|p| *p != parent);
        if add {
            table.inherits.push(parent.clone());
            self.inherit_checks(&parent, name);
        }
        Ok(())
    }

    fn alter_options(&mut self, name: &QualifiedName, c: &Command<'_, '_>, subtype: At) -> Applied {
        let given = c
            .cmd
            .def
            .as_deref()
            .map(|d| super::index::options(super::names::list(d)))
            .unwrap_or_default();
        let key = |o: &String| o.split('=').next().unwrap_or_default().to_owned();
        let table = self.table_mut(name).ok_or_else(|| not_a_table(name))?;
        match subtype {
            At::AtReplaceRelOptions => table.options = given,
            At::AtResetRelOptions => {
                table.options.retain(|o| !given.iter().any(|g| key(g) == key(o)));
            }
            _ => {
                table.options.retain(|o| !given.iter().any(|g| key(g) == key(o)));
                table.options.extend(given);
            }
        }
        Ok(())
    }

    /// The column `column` of table `table`.
    fn column_mut(
        &mut self,
        table: &QualifiedName,
        column: &str,
    ) -> Result<&mut crate::schema::model::Column, Problem> {
        let t = self.table_mut(table).ok_or_else(|| not_a_table(table))?;
        t.columns.iter_mut().find(|c| c.name == column).ok_or_else(|| {
            Problem::new(format!("column \"{column}\" of relation \"{table}\" does not exist"))
        })
    }
}

/// The problem for a relation that is not a table of this file.
fn not_a_table(name: &QualifiedName) -> Problem {
    Problem::new(format!("table \"{name}\" is not defined in this file"))
}
