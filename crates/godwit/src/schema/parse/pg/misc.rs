//! `CREATE SCHEMA`, `CREATE EXTENSION`, `COMMENT ON`, `ALTER ... OWNER TO`, and the session
//! settings of a dump's header (`SET`, `SELECT pg_catalog.set_config(...)`).

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node, ObjectType, RoleSpecType, VariableSetKind};

use super::expr::identifier;
use super::names::{a_const, kind, list, string, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{Extension, Grantee, QualifiedName};
use crate::schema::parse::ObjectKey;

impl Builder {
    /// `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]`.
    pub fn create_schema(&mut self, stmt: &Stmt<'_>, s: &pb::CreateSchemaStmt) -> Applied {
        let owner = s.authrole.as_ref().map(role_name);
        let name = match (&s.schemaname, &owner) {
            (name, _) if !name.is_empty() => name.clone(),
            (_, Some(role)) => role.clone(),
            _ => return Err(Problem::new("CREATE SCHEMA without a name")),
        };
        if self.schema.schemas.iter().any(|n| n.name == name)
            && !s.if_not_exists
            && name != "public"
        {
            return Err(Problem::new(format!("schema \"{name}\" already exists")));
        }
        let namespace = self.ensure_schema(&name);
        if let Some(owner) = owner {
            namespace.owner = owner;
        }
        self.locate(ObjectKey::Schema(name), stmt.location());
        Ok(())
    }

    /// `CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v]`.
    pub fn create_extension(&mut self, s: &pb::CreateExtensionStmt) -> Applied {
        if self.schema.extensions.iter().any(|e| e.name == s.extname) {
            if s.if_not_exists {
                return Ok(());
            }
            return Err(Problem::new(format!("extension \"{}\" already exists", s.extname)));
        }
        let option = |name: &str| {
            s.options.iter().find_map(|n| match kind(n)? {
                NodeEnum::DefElem(d) if d.defname == name => d.arg.as_deref().and_then(string),
                _ => None,
            })
        };
        let schema = option("schema").unwrap_or_else(|| self.creation_schema());
        self.schema.extensions.push(Extension {
            name: s.extname.clone(),
            version: option("new_version").unwrap_or_default(),
            schema,
            comment: None,
        });
        Ok(())
    }

    /// `ALTER SCHEMA|TYPE|DOMAIN|FUNCTION|PROCEDURE|AGGREGATE ... OWNER TO role`; false when
    /// the object kind has no owner in the model.
    pub fn alter_owner(&mut self, s: &pb::AlterOwnerStmt) -> Result<bool, Problem> {
        let owner = s.newowner.as_ref().map(role_name).unwrap_or_default();
        let objtype = ObjectType::try_from(s.object_type).unwrap_or(ObjectType::Undefined);
        let object = s.object.as_deref();
        match objtype {
            ObjectType::ObjectSchema => {
                let name = object.and_then(string).unwrap_or_default();
                self.ensure_schema(&name).owner = owner;
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                let name = self.type_name(&object.map(object_names).unwrap_or_default());
                self.set_type_owner(&name, owner)?;
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectAggregate
            | ObjectType::ObjectRoutine => {
                let index = self
                    .routine_of(object)
                    .ok_or_else(|| Problem::new("routine is not defined in this file"))?;
                self.schema.routines[index].owner = owner;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn set_type_owner(&mut self, name: &QualifiedName, owner: String) -> Applied {
        let t = &mut self.schema.types;
        let hit = |s: &String, n: &String| *s == name.schema && *n == name.name;
        if let Some(e) = t.enums.iter_mut().find(|e| hit(&e.schema, &e.name)) {
            e.owner = owner;
        } else if let Some(d) = t.domains.iter_mut().find(|d| hit(&d.schema, &d.name)) {
            d.owner = owner;
        } else if let Some(c) = t.composites.iter_mut().find(|c| hit(&c.schema, &c.name)) {
            c.owner = owner;
        } else if let Some(r) = t.ranges.iter_mut().find(|r| hit(&r.schema, &r.name)) {
            r.owner = owner;
        } else {
            return Err(Problem::new(format!("type \"{name}\" is not defined in this file")));
        }
        Ok(())
    }

    /// `COMMENT ON kind object IS 'text'`; false for object kinds the model does not hold.
    pub fn comment(&mut self, s: &pb::CommentStmt) -> Result<bool, Problem> {
        let comment = (!s.comment.is_empty()).then(|| s.comment.clone());
        let objtype = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined);
        let object = s.object.as_deref();
        let names = object.map(object_names).unwrap_or_default();
        let slot = match objtype {
            ObjectType::ObjectSchema => self.schema_comment(&names),
            ObjectType::ObjectExtension => {
                let name = names.join(".");
                self.schema.extensions.iter_mut().find(|e| e.name == name).map(|e| &mut e.comment)
            }
            ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => self.relation_comment(&names),
            ObjectType::ObjectColumn => self.column_comment(&names),
            ObjectType::ObjectIndex => self.index_comment(&names),
            ObjectType::ObjectType | ObjectType::ObjectDomain => self.type_comment(&names),
            ObjectType::ObjectDomconstraint => self.domain_constraint_comment(object),
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectAggregate
            | ObjectType::ObjectRoutine => {
                let index = self.routine_of(object);
                index.map(|i| &mut self.schema.routines[i].comment)
            }
            ObjectType::ObjectTabconstraint
            | ObjectType::ObjectTrigger
            | ObjectType::ObjectRule
            | ObjectType::ObjectPolicy => self.table_child_comment(objtype, &names),
            _ => return Ok(false),
        };
        let slot = slot.ok_or_else(|| {
            Problem::new(format!(
                "the object of this comment ({}) is not defined in this file",
                names.join(".")
            ))
        })?;
        *slot = comment;
        Ok(true)
    }

    fn schema_comment(&mut self, names: &[String]) -> Option<&mut Option<String>> {
        let name = names.join(".");
        self.schema.schemas.iter_mut().find(|n| n.name == name).map(|n| &mut n.comment)
    }

    fn relation_comment(&mut self, names: &[String]) -> Option<&mut Option<String>> {
        let name = self.relation_named(names);
        let same = |s: &String, n: &String| *s == name.schema && *n == name.name;
        let schema = &mut self.schema;
        if let Some(t) = schema.tables.iter_mut().find(|t| same(&t.schema, &t.name)) {
            return Some(&mut t.comment);
        }
        if let Some(v) = schema.views.iter_mut().find(|v| same(&v.schema, &v.name)) {
            return Some(&mut v.comment);
        }
        schema.sequences.iter_mut().find(|s| same(&s.schema, &s.name)).map(|s| &mut s.comment)
    }

    fn column_comment(&mut self, names: &[String]) -> Option<&mut Option<String>> {
        let (column, relation) = names.split_last()?;
        let name = self.relation_named(relation);
        let same = |s: &String, n: &String| *s == name.schema && *n == name.name;
        let schema = &mut self.schema;
        let columns = match schema.tables.iter_mut().find(|t| same(&t.schema, &t.name)) {
            Some(t) => &mut t.columns,
            None => &mut schema.views.iter_mut().find(|v| same(&v.schema, &v.name))?.columns,
        };
        columns.iter_mut().find(|c| &c.name == column).map(|c| &mut c.comment)
    }

    fn index_comment(&mut self, names: &[String]) -> Option<&mut Option<String>> {
        let (name, schema) = names.split_last()?;
        let schema = schema.last().cloned().unwrap_or_else(|| self.creation_schema());
        let s = &mut self.schema;
        let tables =
            s.tables.iter_mut().filter(|t| t.schema == schema).flat_map(|t| t.indexes.iter_mut());
        let mut all = tables.chain(
            s.views.iter_mut().filter(|v| v.schema == schema).flat_map(|v| v.indexes.iter_mut()),
        );
        all.find(|i| &i.name == name).map(|i| &mut i.comment)
    }

    fn type_comment(&mut self, names: &[String]) -> Option<&mut Option<String>> {
        let name = self.type_name(names);
        let t = &mut self.schema.types;
        let hit = |s: &String, n: &String| *s == name.schema && *n == name.name;
        if let Some(e) = t.enums.iter_mut().find(|e| hit(&e.schema, &e.name)) {
            return Some(&mut e.comment);
        }
        if let Some(d) = t.domains.iter_mut().find(|d| hit(&d.schema, &d.name)) {
            return Some(&mut d.comment);
        }
        if let Some(c) = t.composites.iter_mut().find(|c| hit(&c.schema, &c.name)) {
            return Some(&mut c.comment);
        }
        t.ranges.iter_mut().find(|r| hit(&r.schema, &r.name)).map(|r| &mut r.comment)
    }

    fn domain_constraint_comment(&mut self, object: Option<&Node>) -> Option<&mut Option<String>> {
        let items = list(object?);
        let domain = self.type_name(&object_names(items.first()?));
        let constraint = string(items.get(1)?)?;
        let d = self
            .schema
            .types
            .domains
            .iter_mut()
            .find(|d| d.schema == domain.schema && d.name == domain.name)?;
        d.checks.iter_mut().find(|c| c.name == constraint).map(|c| &mut c.comment)
    }

    fn table_child_comment(
        &mut self,
        objtype: ObjectType,
        names: &[String],
    ) -> Option<&mut Option<String>> {
        let (child, relation) = names.split_last()?;
        let name = self.relation_named(relation);
        let on =
            |s: &String, t: &String, n: &String| *s == name.schema && *t == name.name && n == child;
        let schema = &mut self.schema;
        match objtype {
            ObjectType::ObjectTabconstraint => {
                let table = schema
                    .tables
                    .iter_mut()
                    .find(|t| t.schema == name.schema && t.name == name.name)?;
                table.constraints.iter_mut().find(|c| &c.name == child).map(|c| &mut c.comment)
            }
            ObjectType::ObjectTrigger => schema
                .triggers
                .iter_mut()
                .find(|t| on(&t.schema, &t.table, &t.name))
                .map(|t| &mut t.comment),
            ObjectType::ObjectRule => schema
                .rules
                .iter_mut()
                .find(|r| on(&r.schema, &r.table, &r.name))
                .map(|r| &mut r.comment),
            _ => schema
                .policies
                .iter_mut()
                .find(|p| on(&p.schema, &p.table, &p.name))
                .map(|p| &mut p.comment),
        }
    }

    /// `SET name ...`: follows `search_path`; everything else only matters to the session.
    pub fn set(&mut self, s: &pb::VariableSetStmt) {
        if !s.name.eq_ignore_ascii_case("search_path") {
            return;
        }
        match VariableSetKind::try_from(s.kind) {
            Ok(VariableSetKind::VarSetValue) => {
                let values: Vec<String> = s.args.iter().filter_map(string).collect();
                self.search_path = values.into_iter().filter(|v| !v.is_empty()).collect();
            }
            Ok(
                VariableSetKind::VarSetDefault
                | VariableSetKind::VarReset
                | VariableSetKind::VarResetAll,
            ) => {
                self.search_path = vec!["public".into()];
            }
            _ => {}
        }
    }

    /// `SELECT pg_catalog.set_config('search_path', 'a, b', false)`; false for any other
    /// query.
    pub fn select(&mut self, s: &pb::SelectStmt) -> bool {
        let [target] = s.target_list.as_slice() else {
            return false;
        };
        let Some(NodeEnum::ResTarget(target)) = kind(target) else {
            return false;
        };
        let Some(NodeEnum::FuncCall(call)) = target.val.as_deref().and_then(kind) else {
            return false;
        };
        if strings(&call.funcname).last().map(String::as_str) != Some("set_config")
            || !s.from_clause.is_empty()
        {
            return false;
        }
        let args: Vec<Option<String>> = call
            .args
            .iter()
            .map(|a| match kind(a) {
                Some(NodeEnum::AConst(c)) => a_const(c),
                _ => None,
            })
            .collect();
        if let [Some(name), Some(value), ..] = args.as_slice() {
            if name.eq_ignore_ascii_case("search_path") {
                self.search_path = value
                    .split(',')
                    .map(|v| identifier(v.trim()))
                    .filter(|v| !v.is_empty())
                    .collect();
            }
        }
        true
    }
}

/// The role a `RoleSpec` names (`CURRENT_USER` and friends by their keyword).
pub(super) fn role_name(r: &pb::RoleSpec) -> String {
    match RoleSpecType::try_from(r.roletype) {
        Ok(RoleSpecType::RolespecCurrentRole) => "current_role".into(),
        Ok(RoleSpecType::RolespecCurrentUser) => "current_user".into(),
        Ok(RoleSpecType::RolespecSessionUser) => "session_user".into(),
        Ok(RoleSpecType::RolespecPublic) => "public".into(),
        _ => r.rolename.clone(),
    }
}

/// A role or `PUBLIC` as a grantee.
pub(super) fn grantee(r: &pb::RoleSpec) -> Grantee {
    match RoleSpecType::try_from(r.roletype) {
        Ok(RoleSpecType::RolespecPublic) => Grantee::Public,
        _ => Grantee::Role(role_name(r)),
    }
}

/// The dotted name of an object node (`List` of strings, `String`, or `TypeName`).
pub(super) fn object_names(node: &Node) -> Vec<String> {
    match kind(node) {
        Some(NodeEnum::List(l)) => strings(&l.items),
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        Some(NodeEnum::ObjectWithArgs(o)) => strings(&o.objname),
        _ => string(node).into_iter().collect(),
    }
}
