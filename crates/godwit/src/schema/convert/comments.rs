//! `COMMENT ON` statements for every commented object, last in the post-data section.

use super::post::comment;
use super::render::push;
use super::{Section, Statement};
use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::schema::model::Schema;

pub(super) fn all(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    let mut add = |object: String, target: String, text: &Option<String>| {
        if let Some(text) = text {
            push(out, Section::Post, object, comment(&target, text));
        }
    };
    for n in &s.schemas {
        add(format!("schema {}", n.name), format!("SCHEMA {}", quote_ident(&n.name)), &n.comment);
    }
    for t in &s.tables {
        let q = quote_qualified(&t.schema, &t.name);
        add(format!("table {}", t.qualified_name()), format!("TABLE {q}"), &t.comment);
        for c in &t.columns {
            add(
                format!("column {}.{}", t.qualified_name(), c.name),
                format!("COLUMN {q}.{}", quote_ident(&c.name)),
                &c.comment,
            );
        }
        for c in t.constraints.iter().filter(|c| !c.inherited) {
            add(
                format!("constraint {}.{}", t.qualified_name(), c.name),
                format!("CONSTRAINT {} ON {q}", quote_ident(&c.name)),
                &c.comment,
            );
        }
        for i in t.indexes.iter().filter(|i| !i.inherited) {
            let target = match d {
                Dialect::Postgres => format!("INDEX {}", quote_qualified(&t.schema, &i.name)),
                Dialect::Cockroach => format!("INDEX {q}@{}", quote_ident(&i.name)),
            };
            add(format!("index {}.{}", t.qualified_name(), i.name), target, &i.comment);
        }
    }
    for v in &s.views {
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        add(
            format!("view {}.{}", v.schema, v.name),
            format!("{kind} {}", quote_qualified(&v.schema, &v.name)),
            &v.comment,
        );
    }
    for q in &s.sequences {
        add(
            format!("sequence {}.{}", q.schema, q.name),
            format!("SEQUENCE {}", quote_qualified(&q.schema, &q.name)),
            &q.comment,
        );
    }
    for e in &s.types.enums {
        add(
            format!("type {}.{}", e.schema, e.name),
            format!("TYPE {}", quote_qualified(&e.schema, &e.name)),
            &e.comment,
        );
    }
    for c in &s.types.composites {
        add(
            format!("type {}.{}", c.schema, c.name),
            format!("TYPE {}", quote_qualified(&c.schema, &c.name)),
            &c.comment,
        );
    }
    if d == Dialect::Postgres {
        for dom in &s.types.domains {
            add(
                format!("domain {}.{}", dom.schema, dom.name),
                format!("DOMAIN {}", quote_qualified(&dom.schema, &dom.name)),
                &dom.comment,
            );
        }
    }
    for r in &s.routines {
        let kind = if r.kind == crate::schema::model::RoutineKind::Procedure {
            "PROCEDURE"
        } else if r.kind == crate::schema::model::RoutineKind::Aggregate {
            "AGGREGATE"
        } else {
            "FUNCTION"
        };
        add(
            format!("routine {}.{}", r.schema, r.name),
            format!("{kind} {}({})", quote_qualified(&r.schema, &r.name), r.arguments),
            &r.comment,
        );
    }
    for t in s.triggers.iter().filter(|t| !t.inherited) {
        add(
            format!("trigger {}.{}", t.table, t.name),
            format!("TRIGGER {} ON {}", quote_ident(&t.name), quote_qualified(&t.schema, &t.table)),
            &t.comment,
        );
    }
}
