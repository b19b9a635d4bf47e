//! `DROP ...`, as `pg_dump --clean` writes before each object (and migration scripts use).
//!
//! The object leaves the model, with what the server drops along with it: a table's triggers,
//! rules, policies and the sequences its columns own. `CASCADE` to other dependent objects is
//! not followed. Dropping something the file never created is an error unless `IF EXISTS`.

use pg_query::protobuf::{self as pb, Node, ObjectType};

use super::misc::object_names;
use super::names::{list, string};
use super::state::{Applied, Builder, Problem};
use crate::schema::model::QualifiedName;

impl Builder {
    /// `DROP kind [IF EXISTS] name, ...`.
    pub fn drop(&mut self, s: &pb::DropStmt) -> Applied {
        let objtype = ObjectType::try_from(s.remove_type).unwrap_or(ObjectType::Undefined);
        for object in &s.objects {
            let what = object_names(object).join(".");
            match self.drop_one(objtype, object) {
                Some(true) => {}
                Some(false) if s.missing_ok => {}
                Some(false) => {
                    return Err(Problem::new(format!("\"{what}\" is not defined in this file")));
                }
                None => return Err(Problem::new("DROP of this kind of object is not supported")),
            }
        }
        Ok(())
    }

    /// Remove one object; whether it existed, or `None` for kinds the model does not hold.
    fn drop_one(&mut self, objtype: ObjectType, object: &Node) -> Option<bool> {
        let names = object_names(object);
        Some(match objtype {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                let name = self.relation_named(&names);
                self.remove_table(&name)
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => {
                let name = self.relation_named(&names);
                let before = self.schema.views.len();
                self.schema.views.retain(|v| v.qualified_name() != name);
                self.unregister(&name.schema, &name.name);
                before != self.schema.views.len()
            }
            ObjectType::ObjectSequence => {
                let name = self.relation_named(&names);
                let before = self.schema.sequences.len();
                self.schema.sequences.retain(|s| s.schema != name.schema || s.name != name.name);
                self.unregister(&name.schema, &name.name);
                before != self.schema.sequences.len()
            }
            ObjectType::ObjectIndex => self.drop_index(&self.relation_named(&names)),
            ObjectType::ObjectType | ObjectType::ObjectDomain => self.drop_type(&names),
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectAggregate
            | ObjectType::ObjectRoutine => match self.routine_of(Some(object)) {
                Some(index) => {
                    self.schema.routines.remove(index);
                    self.signatures.remove(index);
                    true
                }
                None => false,
            },
            ObjectType::ObjectSchema => self.drop_named(objtype, &names.join(".")),
            ObjectType::ObjectExtension => self.drop_named(objtype, &names.join(".")),
            ObjectType::ObjectTrigger | ObjectType::ObjectRule | ObjectType::ObjectPolicy => {
                self.drop_table_child(objtype, object)
            }
            _ => return None,
        })
    }

    /// Remove an index (of a table or materialized view).
    fn drop_index(&mut self, name: &QualifiedName) -> bool {
        let mut found = false;
        for table in self.schema.tables.iter_mut().filter(|t| t.schema == name.schema) {
            let before = table.indexes.len();
            table.indexes.retain(|i| i.name != name.name);
            found |= before != table.indexes.len();
        }
        for view in self.schema.views.iter_mut().filter(|v| v.schema == name.schema) {
            let before = view.indexes.len();
            view.indexes.retain(|i| i.name != name.name);
            found |= before != view.indexes.len();
        }
        self.unregister(&name.schema, &name.name);
        found
    }

    /// Remove an enum, domain, composite or range type.
    fn drop_type(&mut self, names: &[String]) -> bool {
        let name = self.type_name(names);
        let keep = |schema: &String, n: &String| *schema != name.schema || *n != name.name;
        let t = &mut self.schema.types;
        let before = t.enums.len() + t.domains.len() + t.composites.len() + t.ranges.len();
        t.enums.retain(|e| keep(&e.schema, &e.name));
        t.domains.retain(|d| keep(&d.schema, &d.name));
        t.composites.retain(|c| keep(&c.schema, &c.name));
        t.ranges.retain(|r| keep(&r.schema, &r.name));
        before != t.enums.len() + t.domains.len() + t.composites.len() + t.ranges.len()
    }

    /// Remove a schema or an extension.
    fn drop_named(&mut self, objtype: ObjectType, name: &str) -> bool {
        if objtype == ObjectType::ObjectSchema {
            let before = self.schema.schemas.len();
            self.schema.schemas.retain(|n| n.name != name);
            return before != self.schema.schemas.len();
        }
        let before = self.schema.extensions.len();
        self.schema.extensions.retain(|e| e.name != name);
        before != self.schema.extensions.len()
    }

    /// Remove a trigger, rule or policy: `name ON table`.
    fn drop_table_child(&mut self, objtype: ObjectType, object: &Node) -> bool {
        let items: Vec<String> = list(object).iter().filter_map(string).collect();
        let Some((child, relation)) = items.split_last() else {
            return false;
        };
        let table = self.relation_named(relation);
        let hit = |s: &String, t: &String, n: &String| {
            *s == table.schema && *t == table.name && n == child
        };
        let schema = &mut self.schema;
        let before = schema.triggers.len() + schema.rules.len() + schema.policies.len();
        match objtype {
            ObjectType::ObjectTrigger => {
                schema.triggers.retain(|t| !hit(&t.schema, &t.table, &t.name));
            }
            ObjectType::ObjectRule => schema.rules.retain(|r| !hit(&r.schema, &r.table, &r.name)),
            _ => schema.policies.retain(|p| !hit(&p.schema, &p.table, &p.name)),
        }
        before != schema.triggers.len() + schema.rules.len() + schema.policies.len()
    }
}
