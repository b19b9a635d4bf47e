//! `CREATE TYPE` (enum, composite, range), `CREATE DOMAIN`, and the `ALTER TYPE|DOMAIN`
//! forms that change them.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ConstrType, Node, Token};

use super::constraint::constraints;
use super::names::{PG_CATALOG, kind, list, quote_qualified, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{
    CompositeAttribute, CompositeType, Domain, DomainCheck, EnumType, QualifiedName, RangeType,
};
use crate::schema::parse::ObjectKey;

impl Builder {
    /// `CREATE TYPE name AS ENUM (...)`.
    pub fn create_enum(&mut self, stmt: &Stmt<'_>, s: &pb::CreateEnumStmt) -> Applied {
        let name = self.new_type_name(&s.type_name)?;
        self.schema.types.enums.push(EnumType {
            schema: name.schema.clone(),
            name: name.name.clone(),
            labels: strings(&s.vals),
            owner: String::new(),
            comment: None,
            privileges: None,
        });
        self.created_type(name, stmt);
        Ok(())
    }

    /// `CREATE TYPE name AS (attribute type, ...)`.
    pub fn create_composite(&mut self, stmt: &Stmt<'_>, s: &pb::CompositeTypeStmt) -> Applied {
        let range = s.typevar.as_ref().ok_or_else(|| Problem::new("CREATE TYPE without a name"))?;
        let name = self
            .new_type_name(&[range.schemaname.clone(), range.relname.clone()].map(string_node))?;
        let attributes = s
            .coldeflist
            .iter()
            .filter_map(|n| match kind(n)? {
                NodeEnum::ColumnDef(d) => Some(CompositeAttribute {
                    name: d.colname.clone(),
                    data_type: d
                        .type_name
                        .as_ref()
                        .map(|t| self.column_type(t).data_type)
                        .unwrap_or_default(),
                    collation: d
                        .coll_clause
                        .as_ref()
                        .map(|c| self.catalog_object(&strings(&c.collname))),
                }),
                _ => None,
            })
            .collect();
        self.schema.types.composites.push(CompositeType {
            schema: name.schema.clone(),
            name: name.name.clone(),
            attributes,
            owner: String::new(),
            comment: None,
            privileges: None,
        });
        self.created_type(name, stmt);
        Ok(())
    }

    /// `CREATE TYPE name AS RANGE (SUBTYPE = ..., ...)`.
    pub fn create_range(&mut self, stmt: &Stmt<'_>, s: &pb::CreateRangeStmt) -> Applied {
        let name = self.new_type_name(&s.type_name)?;
        let mut range = RangeType {
            schema: name.schema.clone(),
            name: name.name.clone(),
            subtype: String::new(),
            subtype_opclass: QualifiedName::new(PG_CATALOG, ""),
            collation: None,
            canonical: None,
            subtype_diff: None,
            owner: String::new(),
            comment: None,
            privileges: None,
        };
        let mut subtype = None;
        for d in s.params.iter().filter_map(|n| match kind(n) {
            Some(NodeEnum::DefElem(d)) => Some(d),
            _ => None,
        }) {
            let names = d.arg.as_deref().map(names_of).unwrap_or_default();
            match d.defname.to_ascii_lowercase().as_str() {
                "subtype" => subtype = Some(self.type_name(&names)),
                "subtype_opclass" => range.subtype_opclass = self.catalog_object(&names),
                "collation" => range.collation = Some(self.catalog_object(&names)),
                "canonical" => {
                    range.canonical = Some(quote_qualified(&self.function_named(&names)));
                }
                "subtype_diff" => {
                    range.subtype_diff = Some(quote_qualified(&self.function_named(&names)));
                }
                _ => {}
            }
        }
        let subtype =
            subtype.ok_or_else(|| Problem::new("CREATE TYPE ... AS RANGE needs a SUBTYPE"))?;
        range.subtype = super::typename::render_plain(&subtype);
        if range.subtype_opclass.name.is_empty() {
            range.subtype_opclass =
                QualifiedName::new(subtype.schema.as_str(), format!("{}_ops", subtype.name));
        }
        let collatable = subtype.schema == PG_CATALOG
            && matches!(subtype.name.as_str(), "text" | "varchar" | "bpchar");
        if range.collation.is_none() && collatable {
            range.collation = Some(QualifiedName::new(PG_CATALOG, "default"));
        }
        self.schema.types.ranges.push(range);
        self.created_type(name, stmt);
        Ok(())
    }

    /// `CREATE DOMAIN name AS type [COLLATE c] [DEFAULT e] [constraints]`.
    pub fn create_domain(&mut self, stmt: &Stmt<'_>, s: &pb::CreateDomainStmt) -> Applied {
        let name = self.new_type_name(&s.domainname)?;
        let base = s.type_name.as_ref().map(|t| self.column_type(t).data_type).unwrap_or_default();
        let mut domain = Domain {
            schema: name.schema.clone(),
            name: name.name.clone(),
            base_type: base,
            not_null: false,
            default: None,
            collation: s.coll_clause.as_ref().map(|c| self.catalog_object(&strings(&c.collname))),
            checks: Vec::new(),
            owner: String::new(),
            comment: None,
            privileges: None,
        };
        let list: Vec<&pb::Constraint> = constraints(&s.constraints).collect();
        let t = &stmt.tokens;
        for (i, c) in list.iter().enumerate() {
            let first = t.at(c.location);
            let last = list.get(i + 1).map_or(t.body_end(), |n| t.at(n.location)).saturating_sub(1);
            self.domain_constraint(&mut domain, stmt, c, first, last);
        }
        self.schema.types.domains.push(domain);
        self.created_type(name, stmt);
        Ok(())
    }

    /// Apply one constraint of a domain (tokens `first..=last`).
    fn domain_constraint(
        &self,
        domain: &mut Domain,
        stmt: &Stmt<'_>,
        c: &pb::Constraint,
        first: usize,
        last: usize,
    ) {
        let t = &stmt.tokens;
        match ConstrType::try_from(c.contype) {
            Ok(ConstrType::ConstrNotnull) => domain.not_null = true,
            Ok(ConstrType::ConstrNull) => domain.not_null = false,
            Ok(ConstrType::ConstrDefault) => {
                domain.default = t
                    .find(first, last + 1, Token::Default)
                    .map(|d| self.qualify(t.slice(d + 1, last).trim()));
            }
            Ok(ConstrType::ConstrCheck) => {
                let expression = t
                    .find(first, last + 1, Token::Check)
                    .and_then(|k| t.inside(k + 1))
                    .map(|e| self.qualify(e.trim()))
                    .or_else(|| {
                        c.raw_expr.as_deref().and_then(super::constraint::deparse_expression)
                    })
                    .unwrap_or_default();
                let name = match c.conname.as_str() {
                    "" => super::naming::object_name(&domain.name, "", "check"),
                    name => name.to_owned(),
                };
                domain.checks.retain(|k| k.name != name);
                domain.checks.push(DomainCheck {
                    name,
                    expression,
                    validated: !c.skip_validation,
                    comment: None,
                });
            }
            _ => {}
        }
    }

    /// `ALTER DOMAIN`: constraints, default and NOT NULL.
    pub fn alter_domain(&mut self, stmt: &Stmt<'_>, s: &pb::AlterDomainStmt) -> Applied {
        let name = self.type_name(&strings(&s.type_name));
        let position = self
            .schema
            .types
            .domains
            .iter()
            .position(|d| d.schema == name.schema && d.name == name.name);
        let position = position.ok_or_else(|| {
            Problem::new(format!("domain \"{name}\" is not defined in this file"))
        })?;
        let mut domain = self.schema.types.domains[position].clone();
        let t = &stmt.tokens;
        match s.subtype.as_str() {
            "C" => {
                if let Some(NodeEnum::Constraint(c)) = s.def.as_deref().and_then(kind) {
                    self.domain_constraint(
                        &mut domain,
                        stmt,
                        c,
                        t.at(c.location),
                        t.body_end().saturating_sub(1),
                    );
                }
            }
            "X" => domain.checks.retain(|c| c.name != s.name),
            "V" => domain
                .checks
                .iter_mut()
                .filter(|c| c.name == s.name)
                .for_each(|c| c.validated = true),
            "N" => domain.not_null = false,
            "O" => domain.not_null = true,
            "T" => {
                domain.default = match s.def.is_some() {
                    true => t.find(0, t.len(), Token::Default).map(|d| {
                        self.qualify(t.slice(d + 1, t.body_end().saturating_sub(1)).trim())
                    }),
                    false => None,
                };
            }
            _ => {}
        }
        self.schema.types.domains[position] = domain;
        Ok(())
    }

    /// `ALTER TYPE name ADD VALUE 'x' [BEFORE | AFTER 'y']` and `RENAME VALUE`.
    pub fn alter_enum(&mut self, s: &pb::AlterEnumStmt) -> Applied {
        let name = self.type_name(&strings(&s.type_name));
        let Some(e) = self
            .schema
            .types
            .enums
            .iter_mut()
            .find(|e| e.schema == name.schema && e.name == name.name)
        else {
            return Err(Problem::new(format!("enum \"{name}\" is not defined in this file")));
        };
        if !s.old_val.is_empty() {
            e.labels.iter_mut().filter(|l| **l == s.old_val).for_each(|l| l.clone_from(&s.new_val));
            return Ok(());
        }
        if e.labels.contains(&s.new_val) {
            return Ok(());
        }
        let neighbour = e.labels.iter().position(|l| *l == s.new_val_neighbor);
        let at = match neighbour {
            Some(i) if s.new_val_is_after => i + 1,
            Some(i) => i,
            None => e.labels.len(),
        };
        e.labels.insert(at, s.new_val.clone());
        Ok(())
    }

    /// The name of a type being created; an error if the file already defined it.
    fn new_type_name(&self, names: &[Node]) -> Result<QualifiedName, Problem> {
        let names: Vec<String> = strings(names).into_iter().filter(|n| !n.is_empty()).collect();
        let name = self.new_name_from(&names);
        if self.type_exists(&name.schema, &name.name) {
            return Err(Problem::new(format!("type \"{name}\" already exists")));
        }
        Ok(name)
    }

    /// Record a new type's schema and location.
    fn created_type(&mut self, name: QualifiedName, stmt: &Stmt<'_>) {
        self.ensure_schema(&name.schema);
        self.locate(ObjectKey::Type(name), stmt.location());
    }
}

/// A `String` node holding `s`.
fn string_node(s: String) -> Node {
    Node { node: Some(NodeEnum::String(pb::String { sval: s })) }
}

/// The dotted name in a definition argument (`TypeName`, `List` or a single word).
fn names_of(node: &Node) -> Vec<String> {
    match kind(node) {
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        Some(NodeEnum::List(_)) => strings(list(node)),
        _ => super::names::string(node).into_iter().collect(),
    }
}
