//! DDL text for the pre-data section: schemas, extensions, types, sequences, tables with their
//! primary keys. The model handed in is already prepared for the target (types mapped,
//! unsupported objects removed), so this module only spells it out, with a `match` on the
//! dialect where the two differ.

use super::{Section, Statement};
use crate::dialect::{Dialect, quote_ident, quote_literal, quote_qualified};
use crate::schema::model::{
    Column, Domain, GeneratedKind, IdentityKind, Persistence, Schema, Sequence, Table,
};

pub(super) fn pre(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    for ns in s.schemas.iter().filter(|n| n.name != "public") {
        push(
            out,
            Section::Pre,
            format!("schema {}", ns.name),
            format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(&ns.name)),
        );
    }
    if d == Dialect::Postgres {
        for e in s.extensions.iter().filter(|e| e.name != "plpgsql") {
            let sql = format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
                quote_ident(&e.name),
                quote_ident(&e.schema)
            );
            push(out, Section::Pre, format!("extension {}", e.name), sql);
        }
    }
    types(s, d, out);
    for seq in s.sequences.iter().filter(|q| !q.identity) {
        push(out, Section::Pre, format!("sequence {}.{}", seq.schema, seq.name), sequence(seq, d));
    }
    for t in ordered_tables(s) {
        push(out, Section::Pre, format!("table {}", t.qualified_name()), table(t, s, d));
    }
}

pub(super) fn push(out: &mut Vec<Statement>, section: Section, object: String, sql: String) {
    out.push(Statement { section, object, sql });
}

fn types(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    for e in &s.types.enums {
        let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
        let sql = format!(
            "CREATE TYPE {} AS ENUM ({})",
            quote_qualified(&e.schema, &e.name),
            labels.join(", ")
        );
        push(out, Section::Pre, format!("type {}.{}", e.schema, e.name), sql);
    }
    if d == Dialect::Postgres {
        for r in &s.types.ranges {
            let mut opts = vec![format!("subtype = {}", r.subtype)];
            if let Some(c) = &r.collation {
                opts.push(format!("collation = {}", quote_qualified(&c.schema, &c.name)));
            }
            let sql = format!(
                "CREATE TYPE {} AS RANGE ({})",
                quote_qualified(&r.schema, &r.name),
                opts.join(", ")
            );
            push(out, Section::Pre, format!("type {}.{}", r.schema, r.name), sql);
        }
        for dom in &s.types.domains {
            push(out, Section::Pre, format!("domain {}.{}", dom.schema, dom.name), domain(dom));
        }
    }
    for c in &s.types.composites {
        let attrs: Vec<String> = c
            .attributes
            .iter()
            .map(|a| format!("{} {}", quote_ident(&a.name), a.data_type))
            .collect();
        let sql = format!(
            "CREATE TYPE {} AS ({})",
            quote_qualified(&c.schema, &c.name),
            attrs.join(", ")
        );
        push(out, Section::Pre, format!("type {}.{}", c.schema, c.name), sql);
    }
}

fn domain(dom: &Domain) -> String {
    let mut sql =
        format!("CREATE DOMAIN {} AS {}", quote_qualified(&dom.schema, &dom.name), dom.base_type);
    if let Some(c) = &dom.collation {
        sql.push_str(&format!(" COLLATE {}", quote_qualified(&c.schema, &c.name)));
    }
    if let Some(def) = &dom.default {
        sql.push_str(&format!(" DEFAULT {def}"));
    }
    if dom.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in &dom.checks {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({})",
            quote_ident(&check.name),
            check.expression
        ));
        if !check.validated {
            sql.push_str(" NOT VALID");
        }
    }
    sql
}

fn sequence(q: &Sequence, d: Dialect) -> String {
    let mut sql = format!("CREATE SEQUENCE IF NOT EXISTS {}", quote_qualified(&q.schema, &q.name));
    if d == Dialect::Postgres && q.data_type != "bigint" {
        sql.push_str(&format!(" AS {}", q.data_type));
    }
    sql.push_str(&format!(
        " INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}",
        q.increment, q.min, q.max, q.start, q.cache
    ));
    if q.cycle {
        sql.push_str(" CYCLE");
    }
    sql
}

/// Tables with parents (inheritance, partitioning) after their parents, otherwise by name.
pub(super) fn ordered_tables(s: &Schema) -> Vec<&Table> {
    let mut done: Vec<crate::schema::QualifiedName> = Vec::new();
    let mut out: Vec<&Table> = Vec::new();
    let mut pending: Vec<&Table> = s.tables.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|t| {
            let parents: Vec<&crate::schema::QualifiedName> =
                t.inherits.iter().chain(t.partition_of.as_ref().map(|p| &p.parent)).collect();
            let ready =
                parents.iter().all(|p| done.contains(p) || s.table(&p.schema, &p.name).is_none());
            if ready {
                done.push(t.qualified_name());
                out.push(t);
            }
            !ready
        });
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

fn table(t: &Table, s: &Schema, d: Dialect) -> String {
    let name = quote_qualified(&t.schema, &t.name);
    let unlogged = if t.persistence == Persistence::Unlogged && d == Dialect::Postgres {
        "UNLOGGED "
    } else {
        ""
    };
    if let (Some(p), Dialect::Postgres) = (&t.partition_of, d) {
        let mut sql = format!(
            "CREATE {unlogged}TABLE IF NOT EXISTS {name} PARTITION OF {} {}",
            p.parent.quoted(),
            p.bound
        );
        if let Some(key) = &t.partition_key {
            sql.push_str(&format!(" PARTITION BY {key}"));
        }
        return sql;
    }
    let mut elements: Vec<String> = t
        .columns
        .iter()
        .filter(|c| !c.inherited || d != Dialect::Postgres)
        .map(|c| column(c, d))
        .collect();
    if let Some(pk) = t.primary_key().filter(|pk| !pk.inherited) {
        let cols: Vec<String> = pk.columns.iter().map(|c| quote_ident(c)).collect();
        elements.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            quote_ident(&pk.name),
            cols.join(", ")
        ));
    }
    let mut sql = format!(
        "CREATE {unlogged}TABLE IF NOT EXISTS {name} (\n    {}\n)",
        elements.join(",\n    ")
    );
    if d == Dialect::Postgres {
        table_suffix(t, s, &mut sql);
    }
    sql
}

fn table_suffix(t: &Table, _s: &Schema, sql: &mut String) {
    if !t.inherits.is_empty() {
        let parents: Vec<String> = t.inherits.iter().map(|p| p.quoted()).collect();
        sql.push_str(&format!(" INHERITS ({})", parents.join(", ")));
    }
    if let Some(key) = &t.partition_key {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    if !t.options.is_empty() {
        sql.push_str(&format!(" WITH ({})", t.options.join(", ")));
    }
}

fn column(c: &Column, d: Dialect) -> String {
    let mut sql = format!("{} {}", quote_ident(&c.name), c.data_type);
    if let Some(coll) = &c.collation {
        sql.push_str(&format!(" COLLATE {}", quote_qualified(&coll.schema, &coll.name)));
    }
    if let Some(g) = &c.generated {
        let kind = match g.kind {
            GeneratedKind::Stored => "STORED",
            GeneratedKind::Virtual => "VIRTUAL",
        };
        sql.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.expression));
    } else if let Some(id) = &c.identity {
        let kind = if id.kind == IdentityKind::Always && d == Dialect::Postgres {
            "ALWAYS"
        } else {
            "BY DEFAULT"
        };
        sql.push_str(&format!(" GENERATED {kind} AS IDENTITY"));
    } else if let Some(def) = &c.default {
        sql.push_str(&format!(" DEFAULT {def}"));
    }
    if c.not_null {
        sql.push_str(" NOT NULL");
    }
    sql
}
