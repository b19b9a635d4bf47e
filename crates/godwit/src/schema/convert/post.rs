//! DDL text for the post-data section, created after the data is in: secondary indexes,
//! unique and exclusion constraints, checks and foreign keys (added `NOT VALID`, then
//! validated, so the check of existing rows does not hold a long lock), routines, views,
//! triggers, rules, policies and comments.

use super::render::push;
use super::{Section, Statement};
use crate::dialect::{Dialect, quote_ident, quote_literal, quote_qualified};
use crate::schema::model::{
    Constraint, ConstraintKind, Enablement, Index, IndexTarget, MatchType, PolicyCommand,
    ReferentialAction, Schema, Table,
};

pub(super) fn post(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    for r in s.routines.iter().filter(|r| r.definition.is_some()) {
        let sql = r.definition.clone().unwrap_or_default();
        push(
            out,
            Section::Post,
            format!("routine {}.{}({})", r.schema, r.name, r.arguments),
            trim_semicolon(&sql),
        );
    }
    tables_post(s, d, out);
    for v in super::views::ordered(s) {
        let name = quote_qualified(&v.schema, &v.name);
        let sql = if v.materialized {
            // CockroachDB has no WITH NO DATA (#74083): the view is populated at creation, which
            // post-data (run after the copy) makes correct anyway.
            let data = if v.populated || d == Dialect::Cockroach { "" } else { " WITH NO DATA" };
            format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {name} AS {}{data}",
                trim_semicolon(&v.definition)
            )
        } else {
            format!("CREATE OR REPLACE VIEW {name} AS {}", trim_semicolon(&v.definition))
        };
        push(out, Section::Post, format!("view {}.{}", v.schema, v.name), sql);
        for i in &v.indexes {
            push(
                out,
                Section::Post,
                format!("index {}.{}", v.schema, i.name),
                index(i, &v.schema, &name, d),
            );
        }
    }
    triggers_rules_policies(s, d, out);
    super::comments::all(s, d, out);
    owned_sequences(s, d, out);
}

/// Indexes and unique constraints of every table first, then checks, then foreign keys: a
/// foreign key needs the referenced table's unique index to exist already.
fn tables_post(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    let tables = super::render::ordered_tables(s);
    for t in &tables {
        indexes_and_uniques(t, d, out);
    }
    for kind in [ConstraintKind::Check, ConstraintKind::ForeignKey] {
        for t in &tables {
            for c in own(t).filter(|c| c.kind == kind) {
                not_valid_then_validate(t, c, d, out);
            }
        }
    }
    for t in tables.iter().filter(|t| t.row_security && d == Dialect::Postgres) {
        row_security(t, out);
    }
}

/// The post-data objects of one table, split by when and how `fetch` can create them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableObjects {
    /// `CREATE INDEX` statements (secondary indexes, and on PostgreSQL the primary key's
    /// unique index): independent of each other, buildable side by side once the rows are in.
    pub indexes: Vec<Statement>,
    /// `ALTER TABLE` statements to run in order after the indexes: the primary key (on
    /// PostgreSQL attached `USING INDEX`, no second build), unique and exclusion constraints,
    /// checks added `NOT VALID` then validated.
    pub constraints: Vec<Statement>,
    /// Foreign keys added `NOT VALID` (no scan): only once every table is complete.
    pub foreign_keys: Vec<Statement>,
    /// `VALIDATE CONSTRAINT` of those foreign keys: independent scans, after all the adds.
    pub validations: Vec<Statement>,
}

/// The post-data statements of table `t` for dialect `d`, as the post-data file has them, plus
/// its primary key when `t` has one (callers pass the objects a target table lacks).
pub fn table_objects(t: &Table, d: Dialect) -> TableObjects {
    let mut o = TableObjects::default();
    if let Some(pk) = t.primary_key().filter(|pk| !pk.inherited) {
        primary_key(t, pk, d, &mut o);
    }
    let name = quote_qualified(&t.schema, &t.name);
    for i in t.indexes.iter().filter(|i| i.constraint.is_none() && !i.inherited) {
        push(
            &mut o.indexes,
            Section::Post,
            label(t, "index", &i.name),
            index(i, &t.schema, &name, d),
        );
    }
    let mut uniques = Vec::new();
    indexes_and_uniques(&Table { indexes: Vec::new(), ..t.clone() }, d, &mut uniques);
    o.constraints.extend(uniques);
    for c in own(t).filter(|c| c.kind == ConstraintKind::Check) {
        not_valid_then_validate(t, c, d, &mut o.constraints);
    }
    for c in own(t).filter(|c| c.kind == ConstraintKind::ForeignKey) {
        let mut pair = Vec::new();
        not_valid_then_validate(t, c, d, &mut pair);
        let mut pair = pair.into_iter();
        o.foreign_keys.extend(pair.next());
        o.validations.extend(pair);
    }
    o
}

/// A primary key added after the data: on PostgreSQL its unique index is built with the
/// other indexes and attached by name; CockroachDB builds it in the `ALTER TABLE`.
fn primary_key(t: &Table, pk: &Constraint, d: Dialect, o: &mut TableObjects) {
    let table = quote_qualified(&t.schema, &t.name);
    let name = quote_ident(&pk.name);
    let cols: Vec<String> = pk.columns.iter().map(|c| quote_ident(c)).collect();
    let object = label(t, "constraint", &pk.name);
    let add = match d {
        Dialect::Postgres => {
            let sql = format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({})",
                cols.join(", ")
            );
            push(&mut o.indexes, Section::Post, object.clone(), sql);
            format!("ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}")
        }
        Dialect::Cockroach => {
            format!("ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({})", cols.join(", "))
        }
    };
    push(&mut o.constraints, Section::Post, object, add);
}

fn indexes_and_uniques(t: &Table, d: Dialect, out: &mut Vec<Statement>) {
    let name = quote_qualified(&t.schema, &t.name);
    for i in t.indexes.iter().filter(|i| i.constraint.is_none() && !i.inherited) {
        push(out, Section::Post, label(t, "index", &i.name), index(i, &t.schema, &name, d));
    }
    for c in own(t).filter(|c| matches!(c.kind, ConstraintKind::Unique | ConstraintKind::Exclusion))
    {
        let sql = format!(
            "ALTER TABLE {name} ADD CONSTRAINT {} {}",
            quote_ident(&c.name),
            unique_body(c, d)
        );
        push(out, Section::Post, label(t, "constraint", &c.name), sql);
    }
}

fn row_security(t: &Table, out: &mut Vec<Statement>) {
    let name = quote_qualified(&t.schema, &t.name);
    push(
        out,
        Section::Post,
        label(t, "table", ""),
        format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"),
    );
    if t.force_row_security {
        push(
            out,
            Section::Post,
            label(t, "table", ""),
            format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY"),
        );
    }
}

fn own(t: &Table) -> impl Iterator<Item = &Constraint> {
    t.constraints.iter().filter(|c| !c.inherited)
}

fn label(t: &Table, what: &str, name: &str) -> String {
    format!("{what} {}.{name}", t.qualified_name())
}

fn not_valid_then_validate(t: &Table, c: &Constraint, d: Dialect, out: &mut Vec<Statement>) {
    let name = quote_qualified(&t.schema, &t.name);
    let body = if c.kind == ConstraintKind::Check { check_body(c, d) } else { fk_body(c, d) };
    let sql =
        format!("ALTER TABLE {name} ADD CONSTRAINT {} {body} NOT VALID", quote_ident(&c.name));
    push(out, Section::Post, label(t, "constraint", &c.name), sql);
    if c.validated {
        let sql = format!("ALTER TABLE {name} VALIDATE CONSTRAINT {}", quote_ident(&c.name));
        push(out, Section::Post, label(t, "constraint", &c.name), sql);
    }
}

pub(super) fn index(i: &Index, schema: &str, table: &str, d: Dialect) -> String {
    let unique = if i.unique { "UNIQUE " } else { "" };
    let method = match (d, i.method.as_str()) {
        (Dialect::Cockroach, "btree") => String::new(),
        (_, m) => format!(" USING {m}"),
    };
    let keys: Vec<String> = i
        .keys
        .iter()
        .map(|k| {
            let mut key = match &k.target {
                IndexTarget::Column(c) => quote_ident(c),
                IndexTarget::Expression(e) => format!("({e})"),
            };
            if let Some(c) = &k.collation {
                key.push_str(&format!(" COLLATE {}", quote_qualified(&c.schema, &c.name)));
            }
            if let Some(o) = &k.opclass {
                key.push_str(&format!(" {}", quote_qualified(&o.schema, &o.name)));
            }
            if k.descending {
                key.push_str(" DESC");
            }
            if d == Dialect::Postgres && k.nulls_first != k.descending {
                key.push_str(if k.nulls_first { " NULLS FIRST" } else { " NULLS LAST" });
            }
            key
        })
        .collect();
    let mut sql = format!(
        "CREATE {unique}INDEX IF NOT EXISTS {} ON {table}{method} ({})",
        quote_ident(&i.name),
        keys.join(", ")
    );
    let _ = schema;
    if !i.include.is_empty() {
        let cols: Vec<String> = i.include.iter().map(|c| quote_ident(c)).collect();
        sql.push_str(&format!(" INCLUDE ({})", cols.join(", ")));
    }
    if i.nulls_not_distinct && d == Dialect::Postgres {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !i.options.is_empty() && d == Dialect::Postgres {
        sql.push_str(&format!(" WITH ({})", i.options.join(", ")));
    }
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql
}

fn unique_body(c: &Constraint, d: Dialect) -> String {
    if c.kind == ConstraintKind::Exclusion {
        return c.definition.clone();
    }
    let cols: Vec<String> = c.columns.iter().map(|n| quote_ident(n)).collect();
    let nnd =
        if c.nulls_not_distinct && d == Dialect::Postgres { " NULLS NOT DISTINCT" } else { "" };
    format!("UNIQUE{nnd} ({}){}", cols.join(", "), deferrable(c, d))
}

fn deferrable(c: &Constraint, d: Dialect) -> &'static str {
    match (d, c.deferrable, c.initially_deferred) {
        (Dialect::Postgres, true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (Dialect::Postgres, true, false) => " DEFERRABLE",
        _ => "",
    }
}

fn check_body(c: &Constraint, d: Dialect) -> String {
    let expr = c.check.clone().unwrap_or_default();
    let no_inherit = if c.no_inherit && d == Dialect::Postgres { " NO INHERIT" } else { "" };
    format!("CHECK ({expr}){no_inherit}")
}

fn fk_body(c: &Constraint, d: Dialect) -> String {
    let Some(fk) = &c.foreign_key else { return c.definition.clone() };
    let cols: Vec<String> = c.columns.iter().map(|n| quote_ident(n)).collect();
    let refs: Vec<String> = fk.columns.iter().map(|n| quote_ident(n)).collect();
    let mut sql = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        cols.join(", "),
        fk.table.quoted(),
        refs.join(", ")
    );
    if fk.match_type == MatchType::Full {
        sql.push_str(" MATCH FULL");
    }
    for (event, action) in [("UPDATE", fk.on_update), ("DELETE", fk.on_delete)] {
        let a = match action {
            ReferentialAction::NoAction => continue,
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        };
        sql.push_str(&format!(" ON {event} {a}"));
    }
    sql.push_str(deferrable(c, d));
    sql
}

fn triggers_rules_policies(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    for t in s.triggers.iter().filter(|t| !t.inherited) {
        let label = format!("trigger {}.{}.{}", t.schema, t.table, t.name);
        push(out, Section::Post, label.clone(), trim_semicolon(&t.definition));
        let on = quote_qualified(&t.schema, &t.table);
        let state = match t.enabled {
            Enablement::Origin => None,
            Enablement::Disabled => Some("DISABLE TRIGGER"),
            Enablement::Replica => Some("ENABLE REPLICA TRIGGER"),
            Enablement::Always => Some("ENABLE ALWAYS TRIGGER"),
        };
        if let (Some(state), Dialect::Postgres) = (state, d) {
            push(
                out,
                Section::Post,
                label,
                format!("ALTER TABLE {on} {state} {}", quote_ident(&t.name)),
            );
        }
    }
    if d == Dialect::Postgres {
        for r in &s.rules {
            push(
                out,
                Section::Post,
                format!("rule {}.{}.{}", r.schema, r.table, r.name),
                trim_semicolon(&r.definition),
            );
        }
    }
    for p in &s.policies {
        push(out, Section::Post, format!("policy {}.{}.{}", p.schema, p.table, p.name), policy(p));
    }
}

fn policy(p: &crate::schema::model::Policy) -> String {
    let kind = if p.permissive { "PERMISSIVE" } else { "RESTRICTIVE" };
    let cmd = match p.command {
        PolicyCommand::All => "ALL",
        PolicyCommand::Select => "SELECT",
        PolicyCommand::Insert => "INSERT",
        PolicyCommand::Update => "UPDATE",
        PolicyCommand::Delete => "DELETE",
    };
    let roles: Vec<String> = p
        .roles
        .iter()
        .map(|r| match r {
            crate::schema::model::Grantee::Public => "PUBLIC".to_owned(),
            crate::schema::model::Grantee::Role(n) => quote_ident(n),
        })
        .collect();
    let roles = if roles.is_empty() { "PUBLIC".to_owned() } else { roles.join(", ") };
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {kind} FOR {cmd} TO {roles}",
        quote_ident(&p.name),
        quote_qualified(&p.schema, &p.table)
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(w) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({w})"));
    }
    sql
}

fn owned_sequences(s: &Schema, d: Dialect, out: &mut Vec<Statement>) {
    if d != Dialect::Postgres {
        return;
    }
    for q in s.sequences.iter().filter(|q| !q.identity) {
        let Some(o) = &q.owned_by else { continue };
        if s.table(&o.schema, &o.table).is_none() {
            continue;
        }
        let sql = format!(
            "ALTER SEQUENCE {} OWNED BY {}.{}",
            quote_qualified(&q.schema, &q.name),
            quote_qualified(&o.schema, &o.table),
            quote_ident(&o.column)
        );
        push(out, Section::Post, format!("sequence {}.{}", q.schema, q.name), sql);
    }
}

pub(super) fn trim_semicolon(sql: &str) -> String {
    sql.trim().trim_end_matches(';').trim_end().to_owned()
}

/// `COMMENT ON ... IS '...'` text.
pub(super) fn comment(target: &str, text: &str) -> String {
    format!("COMMENT ON {target} IS {}", quote_literal(text))
}
