//! `COMMENT ON` statements for every commented object, last in the post-data section.

use super::post::comment;
use super::render::push;
use super::{Section, Statement};
use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::schema::model::{RoutineKind, Schema, Table};

/// Collects comment statements.
struct Comments<'a> {
    out: &'a mut Vec<Statement>,
}

impl Comments<'_> {
    fn add(&mut self, object: String, target: &str, text: Option<&String>) {
        if let Some(text) = text {
            push(self.out, Section::Post, object, comment(target, text));
        }
    }
}

pub(super) fn all(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    let mut c = Comments { out };
    for n in &s.schemas {
        c.add(
            format!("schema {}", n.name),
            &format!("SCHEMA {}", quote_ident(&n.name)),
            n.comment.as_ref(),
        );
    }
    for t in &s.tables {
        table(&mut c, t, d);
    }
    relations(&mut c, s);
    types_and_code(&mut c, s, d);
}

fn table(c: &mut Comments<'_>, t: &Table, d: Dialect) {
    let q = quote_qualified(&t.schema, &t.name);
    let name = t.qualified_name();
    c.add(format!("table {name}"), &format!("TABLE {q}"), t.comment.as_ref());
    for col in &t.columns {
        let target = format!("COLUMN {q}.{}", quote_ident(&col.name));
        c.add(format!("column {name}.{}", col.name), &target, col.comment.as_ref());
    }
    for con in t.constraints.iter().filter(|con| !con.inherited) {
        let target = format!("CONSTRAINT {} ON {q}", quote_ident(&con.name));
        c.add(format!("constraint {name}.{}", con.name), &target, con.comment.as_ref());
    }
    for i in t.indexes.iter().filter(|i| !i.inherited) {
        let target = match d {
            Dialect::Postgres => format!("INDEX {}", quote_qualified(&t.schema, &i.name)),
            Dialect::Cockroach => format!("INDEX {q}@{}", quote_ident(&i.name)),
        };
        c.add(format!("index {name}.{}", i.name), &target, i.comment.as_ref());
    }
}

fn relations(c: &mut Comments<'_>, s: &Schema) {
    for v in &s.views {
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        let target = format!("{kind} {}", quote_qualified(&v.schema, &v.name));
        c.add(format!("view {}.{}", v.schema, v.name), &target, v.comment.as_ref());
    }
    for q in &s.sequences {
        let target = format!("SEQUENCE {}", quote_qualified(&q.schema, &q.name));
        c.add(format!("sequence {}.{}", q.schema, q.name), &target, q.comment.as_ref());
    }
}

fn types_and_code(c: &mut Comments<'_>, s: &Schema, d: Dialect) {
    let types = s.types.enums.iter().map(|e| (&e.schema, &e.name, &e.comment));
    let composites = s.types.composites.iter().map(|t| (&t.schema, &t.name, &t.comment));
    for (schema, name, text) in types.chain(composites) {
        let target = format!("TYPE {}", quote_qualified(schema, name));
        c.add(format!("type {schema}.{name}"), &target, text.as_ref());
    }
    if d == Dialect::Postgres {
        for dom in &s.types.domains {
            let target = format!("DOMAIN {}", quote_qualified(&dom.schema, &dom.name));
            c.add(format!("domain {}.{}", dom.schema, dom.name), &target, dom.comment.as_ref());
        }
    }
    for r in &s.routines {
        let kind = match r.kind {
            RoutineKind::Procedure => "PROCEDURE",
            RoutineKind::Aggregate => "AGGREGATE",
            RoutineKind::Function | RoutineKind::Window => "FUNCTION",
        };
        let target = format!("{kind} {}({})", quote_qualified(&r.schema, &r.name), r.arguments);
        c.add(format!("routine {}.{}", r.schema, r.name), &target, r.comment.as_ref());
    }
    for t in s.triggers.iter().filter(|t| !t.inherited) {
        let on = quote_qualified(&t.schema, &t.table);
        let target = format!("TRIGGER {} ON {on}", quote_ident(&t.name));
        c.add(format!("trigger {}.{}", t.table, t.name), &target, t.comment.as_ref());
    }
}
