//! `GRANT` and `REVOKE` on tables, views, sequences, routines, schemas and types.
//!
//! The server keeps an object's privileges as an ACL that starts out as the kind's default
//! (the owner holds everything; `PUBLIC` may execute functions and use types) and becomes
//! explicit at the first `GRANT` or `REVOKE`. The reader does the same: it starts from the
//! default ACL of the object's owner, applies each statement, and stores the result as
//! [`Grant`]s in `aclexplode` order. Column privileges, `ALL ... IN SCHEMA`, default privileges
//! and objects without a known owner are left alone (the caller records them as skipped).

use std::collections::BTreeMap;

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, GrantTargetType, ObjectType};

use super::misc::{grantee, object_names, role_name};
use super::names::kind;
use super::state::{Builder, Problem};
use crate::schema::model::{Grant, Grantee, QualifiedName};

/// Privilege names in bit order, as `aclexplode` lists them.
const PRIVILEGES: &[&str] = &[
    "INSERT",
    "SELECT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "EXECUTE",
    "USAGE",
    "CREATE",
    "TEMPORARY",
    "CONNECT",
];

/// The kinds of object whose ACL the model holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Relation,
    Sequence,
    Routine,
    Schema,
    /// The `public` schema, which initdb creates with `USAGE` for `PUBLIC`.
    PublicSchema,
    Type,
}

impl Kind {
    /// The privileges `ALL` stands for.
    fn all(self) -> u32 {
        let bits = |names: &[&str]| names.iter().fold(0, |acc, n| acc | bit(n));
        match self {
            Kind::Relation => {
                bits(&["INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"])
            }
            Kind::Sequence => bits(&["SELECT", "UPDATE", "USAGE"]),
            Kind::Routine => bit("EXECUTE"),
            Kind::Schema | Kind::PublicSchema => bits(&["USAGE", "CREATE"]),
            Kind::Type => bit("USAGE"),
        }
    }
}

/// The bit of a privilege name (0 for names the model does not know).
fn bit(name: &str) -> u32 {
    let name = name.to_ascii_uppercase();
    let name = if name == "TEMP" { "TEMPORARY".to_owned() } else { name };
    PRIVILEGES.iter().position(|p| *p == name).map_or(0, |i| 1 << i)
}

/// An ACL: (grantee, grantor) → (privileges, of which grantable).
type Acl = BTreeMap<(Grantee, String), (u32, u32)>;

impl Builder {
    /// Apply `GRANT|REVOKE`; false when the statement is not one the model can hold.
    pub fn grant(&mut self, s: &pb::GrantStmt) -> Result<bool, Problem> {
        if s.targtype != GrantTargetType::AclTargetObject as i32 {
            return Ok(false);
        }
        let mut wanted = 0;
        for p in s.privileges.iter().filter_map(|n| match kind(n)? {
            NodeEnum::AccessPriv(p) => Some(p),
            _ => None,
        }) {
            if !p.cols.is_empty() {
                return Ok(false);
            }
            wanted |=
                if p.priv_name.eq_ignore_ascii_case("all") { u32::MAX } else { bit(&p.priv_name) };
        }
        let grantees: Vec<Grantee> = s
            .grantees
            .iter()
            .filter_map(|n| match kind(n)? {
                NodeEnum::RoleSpec(r) => Some(grantee(r)),
                _ => None,
            })
            .collect();
        let objtype = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::Undefined);
        for object in &s.objects {
            let Some((kind, owner, slot)) = self.acl_slot(objtype, object)? else {
                return Ok(false);
            };
            if owner.is_empty() {
                return Ok(false);
            }
            let wanted = if s.privileges.is_empty() { kind.all() } else { wanted & kind.all() };
            let grantor = s.grantor.as_ref().map(role_name).unwrap_or_else(|| owner.clone());
            let mut acl = match slot.take() {
                Some(grants) => to_acl(&grants),
                None => default_acl(kind, &owner),
            };
            for g in &grantees {
                change(&mut acl, g, &grantor, wanted, s.is_grant, s.grant_option);
            }
            *slot = Some(from_acl(&acl));
        }
        Ok(true)
    }

    /// The kind, owner and privileges field of a GRANT target.
    #[allow(clippy::type_complexity)]
    fn acl_slot(
        &mut self,
        objtype: ObjectType,
        object: &pb::Node,
    ) -> Result<Option<(Kind, String, &mut Option<Vec<Grant>>)>, Problem> {
        let missing = |what: &str| Problem::new(format!("{what} is not defined in this file"));
        match objtype {
            ObjectType::ObjectTable
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable => {
                let Some(NodeEnum::RangeVar(r)) = kind(object) else {
                    return Ok(None);
                };
                let name = self.relation(r);
                let found = self.relation_acl(&name);
                found.map(Some).ok_or_else(|| missing(&format!("relation \"{name}\"")))
            }
            ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine => {
                let index = self.routine_of(Some(object)).ok_or_else(|| missing("the routine"))?;
                let r = &mut self.schema.routines[index];
                Ok(Some((Kind::Routine, r.owner.clone(), &mut r.privileges)))
            }
            ObjectType::ObjectSchema => {
                let name = object_names(object).join(".");
                let n = self.schema.schemas.iter_mut().find(|n| n.name == name);
                let n = n.ok_or_else(|| missing(&format!("schema \"{name}\"")))?;
                let kind = if name == "public" { Kind::PublicSchema } else { Kind::Schema };
                Ok(Some((kind, n.owner.clone(), &mut n.privileges)))
            }
            ObjectType::ObjectType | ObjectType::ObjectDomain => {
                let name = self.type_name(&object_names(object));
                let t = &mut self.schema.types;
                let same = |s: &String, n: &String| *s == name.schema && *n == name.name;
                if let Some(e) = t.enums.iter_mut().find(|e| same(&e.schema, &e.name)) {
                    return Ok(Some((Kind::Type, e.owner.clone(), &mut e.privileges)));
                }
                let d = t.domains.iter_mut().find(|d| same(&d.schema, &d.name));
                let d = d.ok_or_else(|| missing(&format!("type \"{name}\"")))?;
                Ok(Some((Kind::Type, d.owner.clone(), &mut d.privileges)))
            }
            _ => Ok(None),
        }
    }
}

impl Builder {
    /// The kind, owner and privileges field of the table, view or sequence `name`.
    #[allow(clippy::type_complexity)]
    fn relation_acl(
        &mut self,
        name: &QualifiedName,
    ) -> Option<(Kind, String, &mut Option<Vec<Grant>>)> {
        let same = |s: &String, n: &String| *s == name.schema && *n == name.name;
        let schema = &mut self.schema;
        if let Some(t) = schema.tables.iter_mut().find(|t| same(&t.schema, &t.name)) {
            return Some((Kind::Relation, t.owner.clone(), &mut t.privileges));
        }
        if let Some(v) = schema.views.iter_mut().find(|v| same(&v.schema, &v.name)) {
            return Some((Kind::Relation, v.owner.clone(), &mut v.privileges));
        }
        let s = schema.sequences.iter_mut().find(|s| same(&s.schema, &s.name))?;
        Some((Kind::Sequence, s.owner.clone(), &mut s.privileges))
    }
}

/// The ACL an object of `kind` owned by `owner` has before any GRANT or REVOKE.
fn default_acl(kind: Kind, owner: &str) -> Acl {
    let mut acl = Acl::new();
    acl.insert((Grantee::Role(owner.to_owned()), owner.to_owned()), (kind.all(), 0));
    let public = match kind {
        Kind::Routine => bit("EXECUTE"),
        Kind::Type | Kind::PublicSchema => bit("USAGE"),
        _ => 0,
    };
    if public != 0 {
        acl.insert((Grantee::Public, owner.to_owned()), (public, 0));
    }
    acl
}

/// Grant or revoke `bits` for `grantee` as `grantor` (`REVOKE GRANT OPTION FOR` when
/// revoking with `option`).
fn change(acl: &mut Acl, grantee: &Grantee, grantor: &str, bits: u32, grant: bool, option: bool) {
    let entry = acl.entry((grantee.clone(), grantor.to_owned())).or_insert((0, 0));
    if grant {
        entry.0 |= bits;
        if option {
            entry.1 |= bits;
        }
    } else {
        if !option {
            entry.0 &= !bits;
        }
        entry.1 &= !bits;
    }
    acl.retain(|_, (privileges, _)| *privileges != 0);
}

/// An ACL back from grants.
fn to_acl(grants: &[Grant]) -> Acl {
    let mut acl = Acl::new();
    for g in grants {
        let bits = g.privileges.iter().fold(0, |acc, p| acc | bit(p));
        let entry = acl.entry((g.grantee.clone(), g.grantor.clone())).or_insert((0, 0));
        entry.0 |= bits;
        if g.with_grant_option {
            entry.1 |= bits;
        }
    }
    acl
}

/// Grants from an ACL, one per (grantee, grantor, grant option), in the introspection order.
fn from_acl(acl: &Acl) -> Vec<Grant> {
    let names = |bits: u32| -> Vec<String> {
        PRIVILEGES
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, p)| (*p).to_owned())
            .collect()
    };
    let mut grants = Vec::new();
    for ((grantee, grantor), (privileges, grantable)) in acl {
        for (bits, option) in [(privileges & !grantable, false), (*grantable, true)] {
            if bits != 0 {
                grants.push(Grant {
                    grantee: grantee.clone(),
                    grantor: grantor.clone(),
                    privileges: names(bits),
                    with_grant_option: option,
                });
            }
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_and_revokes_on_top_of_the_default() {
        let mut acl = default_acl(Kind::Schema, "postgres");
        change(&mut acl, &Grantee::Public, "postgres", bit("USAGE"), false, false);
        change(&mut acl, &Grantee::Public, "postgres", Kind::Schema.all(), true, false);
        let grants = from_acl(&acl);
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[0].grantee, Grantee::Public);
        assert_eq!(grants[0].privileges, ["USAGE", "CREATE"]);
        assert_eq!(grants[1].grantee, Grantee::Role("postgres".into()));

        let mut acl = default_acl(Kind::Routine, "o");
        change(&mut acl, &Grantee::Public, "o", bit("EXECUTE"), false, false);
        change(&mut acl, &Grantee::Role("app".into()), "o", bit("EXECUTE"), true, true);
        let grants = from_acl(&acl);
        assert_eq!(grants.len(), 2, "{grants:?}");
        assert!(grants[0].with_grant_option && grants[0].grantee == Grantee::Role("app".into()));
        assert_eq!(to_acl(&grants), acl);
    }
}
