//! Preparing a CockroachDB schema for PostgreSQL (`crdb-dialect.md` §2).
//!
//! Types and expressions are respelled; CockroachDB-only storage (families, hash shards, TTL,
//! localities, zone configurations, interleaving) is dropped; the hidden `rowid` key becomes a
//! real `rowid bigint` primary key so rows stay addressable; `unique_rowid()` defaults become
//! identity columns; `ON UPDATE` expressions become a trigger; `UNIQUE WITHOUT INDEX` becomes a
//! unique index; index names are made unique per schema, as PostgreSQL requires.

use std::collections::BTreeSet;

use super::assess::Target;
use super::{Unsupported, expr, types};
use crate::dialect::{Dialect, quote_ident, quote_qualified};
use crate::schema::QualifiedName;
use crate::schema::assess::{is_implicit_rowid, is_shard_column};
use crate::schema::model::{
    Column, ConstraintKind, GeneratedKind, Identity, IdentityKind, Index, IndexTarget, Routine,
    RoutineKind, Schema, Table, Trigger, TriggerEvent, TriggerLevel, TriggerTiming, Volatility,
};

/// Rewrite `source` (CockroachDB) into a schema PostgreSQL `target` accepts.
pub(super) fn prepare(source: &Schema, target: Target) -> (Schema, Vec<Unsupported>) {
    let mut s = source.clone();
    s.dialect = Dialect::Postgres;
    let mut lost = Vec::new();
    s.types.enums.retain(|e| e.name != "crdb_internal_region");
    for e in &mut s.types.composites {
        for a in &mut e.attributes {
            a.data_type = types::crdb_to_pg(&a.data_type);
        }
    }
    for q in &mut s.sequences {
        q.data_type = types::crdb_to_pg(&q.data_type);
    }
    let mut extra_routines = Vec::new();
    let mut extra_triggers = Vec::new();
    for t in &mut s.tables {
        table(t, target, &mut lost);
        on_update(t, &mut extra_routines, &mut extra_triggers);
    }
    unique_index_names(&mut s);
    missing_sequences(&mut s, &mut lost);
    needed_extensions(&mut s);
    for v in &mut s.views {
        v.definition = strip_database(&expr::crdb_to_pg(&v.definition), &schema_names(source));
        for c in &mut v.columns {
            c.data_type = types::crdb_to_pg(&c.data_type);
        }
    }
    for r in &mut s.routines {
        r.definition = r.definition.as_deref().map(routine_text);
    }
    s.routines.extend(extra_routines);
    s.triggers.extend(extra_triggers);
    (s, lost)
}

fn table(t: &mut Table, target: Target, lost: &mut Vec<Unsupported>) {
    let dropped = dropped_columns(t);
    let name = t.qualified_name();
    for d in &dropped {
        let reason = "CockroachDB-internal hidden column dropped".into();
        lost.push(Unsupported {
            object: format!("{name}.{d}"),
            rule: "crdb.hidden-column",
            reason,
            sql: None,
        });
    }
    t.columns.retain(|c| !dropped.contains(&c.name));
    for c in &mut t.columns {
        column(c, target);
    }
    for c in &mut t.constraints {
        c.columns.retain(|n| !dropped.contains(n));
        c.check = c.check.as_deref().map(expr::crdb_to_pg);
        if c.kind == ConstraintKind::PrimaryKey && c.name == "primary" {
            c.name = format!("{}_pkey", t.name);
        }
    }
    without_index_constraints(t);
    indexes(t, &dropped, lost);
    storage(t, lost);
}

/// Hash-shard columns, the TTL and region columns, and a hidden rowid beside a real key.
fn dropped_columns(t: &Table) -> BTreeSet<String> {
    let has_real_pk = t
        .primary_key()
        .is_some_and(|pk| !pk.columns.iter().any(|c| t.column(c).is_some_and(is_implicit_rowid)));
    let internal = |c: &Column| {
        c.cockroach.hidden && (c.name == "crdb_internal_expiration" || c.name == "crdb_region")
    };
    t.columns
        .iter()
        .filter(|c| is_shard_column(c) || internal(c) || (is_implicit_rowid(c) && has_real_pk))
        .map(|c| c.name.clone())
        .collect()
}

/// Rewrite the indexes; drop those left without keys; name the primary index like its key.
fn indexes(t: &mut Table, dropped: &BTreeSet<String>, lost: &mut Vec<Unsupported>) {
    for i in &mut t.indexes {
        index(i, dropped, &t.name);
    }
    let (empty, kept): (Vec<Index>, Vec<Index>) =
        std::mem::take(&mut t.indexes).into_iter().partition(|i| i.keys.is_empty());
    t.indexes = kept;
    let name = t.qualified_name();
    for i in empty {
        lost.push(Unsupported {
            object: format!("{name}.{}", i.name),
            rule: "crdb.shard-column",
            reason: "index on a hash-shard column only: dropped with the column".into(),
            sql: Some(i.definition),
        });
    }
    let pk_name = t.primary_key().map(|c| c.name.clone());
    for i in t.indexes.iter_mut().filter(|i| i.primary) {
        i.constraint.clone_from(&pk_name);
        if let Some(n) = &pk_name {
            i.name.clone_from(n);
        }
    }
}

/// CockroachDB storage parameters and placement go; `fillfactor` stays.
fn storage(t: &mut Table, lost: &mut Vec<Unsupported>) {
    if !t.cockroach.is_empty() || !t.options.is_empty() {
        let opts = t.options.join(", ");
        let detail = if opts.is_empty() { String::new() } else { format!(": {opts}") };
        lost.push(Unsupported {
            object: t.qualified_name().to_string(),
            rule: "crdb.storage-parameter",
            reason: format!("CockroachDB storage settings dropped{detail}"),
            sql: None,
        });
    }
    t.options.retain(|o| o.starts_with("fillfactor"));
    t.cockroach = Default::default();
}

fn column(c: &mut Column, target: Target) {
    c.data_type = types::crdb_to_pg(&c.data_type);
    c.base_type = types::crdb_to_pg(&c.base_type);
    c.default = c.default.as_deref().map(expr::crdb_to_pg);
    if c.default.as_deref().is_some_and(|d| d.contains("unique_rowid()")) {
        c.default = None;
        c.identity = Some(Identity { kind: IdentityKind::ByDefault, sequence: None });
        c.not_null = true;
    }
    if let Some(g) = &mut c.generated {
        g.expression = expr::crdb_to_pg(&g.expression);
        if g.kind == GeneratedKind::Virtual && !target.at_least(18, 0) {
            g.kind = GeneratedKind::Stored;
        }
    }
    if c.collation.as_ref().is_some_and(|coll| coll.name != "C" && coll.name != "default") {
        if let Some(coll) = &mut c.collation {
            coll.schema = "pg_catalog".into();
            coll.name = format!("{}-x-icu", coll.name.replace('_', "-"));
        }
    }
    c.cockroach = Default::default();
}

/// Sequences that `nextval(...)` defaults name but the input does not define (a single
/// `SHOW CREATE TABLE` output, say) are created with default parameters.
fn missing_sequences(s: &mut Schema, lost: &mut Vec<Unsupported>) {
    let mut wanted: BTreeSet<QualifiedName> = BTreeSet::new();
    for c in s.tables.iter().flat_map(|t| &t.columns) {
        if let Some(name) = c.default.as_deref().and_then(nextval_target) {
            wanted.insert(name);
        }
    }
    for name in wanted {
        if s.sequence(&name.schema, &name.name).is_some() {
            continue;
        }
        lost.push(Unsupported {
            object: format!("sequence {name}"),
            rule: "crdb.missing-sequence",
            reason: "used by a default but not in the input: created with default parameters"
                .into(),
            sql: None,
        });
        s.sequences.push(crate::schema::model::Sequence::with_defaults(name.schema, name.name));
    }
}

/// The sequence a `nextval('schema.name'::regclass)` default names.
fn nextval_target(default: &str) -> Option<QualifiedName> {
    let start = default.find("nextval('")? + "nextval('".len();
    let rest = &default[start..];
    let text = &rest[..rest.find('\'')?];
    let parts = split_qualified(text);
    match parts.as_slice() {
        [name] => Some(QualifiedName::new("public", name.clone())),
        [.., schema, name] => Some(QualifiedName::new(schema.clone(), name.clone())),
        [] => None,
    }
}

/// `public."Mixed"` → `["public", "Mixed"]`; unquoted parts fold to lower case.
fn split_qualified(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            ('.', false) => parts.push(std::mem::take(&mut current)),
            (c, true) => current.push(c),
            (c, false) => current.push(c.to_ascii_lowercase()),
        }
    }
    parts.push(current);
    parts
}

/// PostgreSQL needs extensions for types CockroachDB has built in.
fn needed_extensions(s: &mut Schema) {
    let mut needed: BTreeSet<&str> = BTreeSet::new();
    for c in s.tables.iter().flat_map(|t| &t.columns) {
        let b = c.base_type.to_ascii_lowercase();
        if b.starts_with("geometry") || b.starts_with("geography") || b == "box2d" {
            needed.insert("postgis");
        } else if b == "citext" || b == "ltree" {
            needed.insert(if b == "citext" { "citext" } else { "ltree" });
        } else if b.starts_with("vector") {
            needed.insert("vector");
        }
    }
    for name in needed {
        if !s.extensions.iter().any(|e| e.name == name) {
            s.extensions.push(crate::schema::model::Extension {
                name: name.into(),
                version: String::new(),
                schema: "public".into(),
                comment: None,
            });
        }
    }
}

/// `UNIQUE WITHOUT INDEX` constraints become unique indexes (PostgreSQL needs the index).
fn without_index_constraints(t: &mut Table) {
    let (moved, kept): (Vec<_>, Vec<_>) =
        std::mem::take(&mut t.constraints).into_iter().partition(|c| c.cockroach.without_index);
    t.constraints = kept;
    for c in moved {
        t.indexes.push(Index {
            name: c.name.clone(),
            method: "btree".into(),
            unique: true,
            primary: false,
            keys: c
                .columns
                .iter()
                .map(|n| crate::schema::model::IndexKey {
                    target: IndexTarget::Column(n.clone()),
                    opclass: None,
                    collation: None,
                    descending: false,
                    nulls_first: false,
                })
                .collect(),
            include: Vec::new(),
            predicate: c.cockroach.predicate.as_deref().map(expr::crdb_to_pg),
            nulls_not_distinct: false,
            constraint: None,
            valid: true,
            inherited: false,
            options: Vec::new(),
            definition: c.definition.clone(),
            comment: c.comment.clone(),
            cockroach: Default::default(),
        });
    }
}

fn index(i: &mut Index, dropped: &BTreeSet<String>, table: &str) {
    i.keys.retain(|k| !matches!(&k.target, IndexTarget::Column(c) if dropped.contains(c)));
    for k in &mut i.keys {
        if let IndexTarget::Expression(e) = &mut k.target {
            *e = expr::crdb_to_pg(e);
        }
        // PostgreSQL's defaults: ascending NULLS LAST, descending NULLS FIRST; CockroachDB's
        // opposite order is not kept (the assessment says so).
        k.nulls_first = k.descending;
        k.opclass = None;
    }
    i.method = match i.method.as_str() {
        "inverted" | "gin" => "gin".into(),
        _ => "btree".into(),
    };
    i.predicate = i.predicate.as_deref().map(expr::crdb_to_pg);
    i.include.retain(|c| !dropped.contains(c));
    if i.name == "primary" {
        i.name = format!("{table}_pkey");
    }
    i.cockroach = Default::default();
}

/// Index names are per table in CockroachDB and per schema in PostgreSQL: rename clashes.
fn unique_index_names(s: &mut Schema) {
    let mut taken: BTreeSet<(String, String)> =
        s.tables.iter().map(|t| (t.schema.clone(), t.name.clone())).collect();
    taken.extend(s.sequences.iter().map(|q| (q.schema.clone(), q.name.clone())));
    taken.extend(s.views.iter().map(|v| (v.schema.clone(), v.name.clone())));
    for t in &mut s.tables {
        let pk_name = t.primary_key().map(|c| c.name.clone());
        for i in &mut t.indexes {
            let mut name = i.name.clone();
            let mut n = 1;
            while taken.contains(&(t.schema.clone(), name.clone())) {
                name = if n == 1 {
                    format!("{}_{}", t.name, i.name)
                } else {
                    format!("{}_{}_{n}", t.name, i.name)
                };
                n += 1;
            }
            taken.insert((t.schema.clone(), name.clone()));
            if i.primary && pk_name.as_deref() == Some(i.name.as_str()) && name != i.name {
                for c in t.constraints.iter_mut().filter(|c| c.kind == ConstraintKind::PrimaryKey) {
                    c.name = name.clone();
                }
                i.constraint = Some(name.clone());
            }
            i.name = name;
        }
    }
}

/// `ON UPDATE expr` columns: a BEFORE UPDATE trigger that sets the column when the update
/// left it unchanged.
fn on_update(t: &Table, routines: &mut Vec<Routine>, triggers: &mut Vec<Trigger>) {
    let cols: Vec<(&str, String)> = t
        .columns
        .iter()
        .filter_map(|c| {
            c.cockroach.on_update.as_ref().map(|e| (c.name.as_str(), expr::crdb_to_pg(e)))
        })
        .collect();
    for (col, e) in cols {
        let func = QualifiedName::new(&t.schema, format!("{}_{}_on_update", t.name, col));
        let body = format!(
            "BEGIN\n    IF NEW.{c} IS NOT DISTINCT FROM OLD.{c} THEN\n        NEW.{c} := {e};\n    END IF;\n    RETURN NEW;\nEND;",
            c = quote_ident(col)
        );
        let definition = format!(
            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $godwit$\n{body}\n$godwit$",
            func.quoted()
        );
        routines.push(Routine {
            schema: func.schema.clone(),
            name: func.name.clone(),
            kind: RoutineKind::Function,
            arguments: String::new(),
            result: Some("trigger".into()),
            language: "plpgsql".into(),
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: false,
            returns_set: false,
            returns_trigger: true,
            definition: Some(definition),
            owner: String::new(),
            comment: Some(format!(
                "Emulates CockroachDB ON UPDATE for {}.{col}",
                t.qualified_name()
            )),
            privileges: None,
        });
        let name = format!("{}_{}_on_update", t.name, col);
        let definition = format!(
            "CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()",
            quote_ident(&name),
            quote_qualified(&t.schema, &t.name),
            func.quoted()
        );
        triggers.push(Trigger {
            schema: t.schema.clone(),
            table: t.name.clone(),
            name,
            timing: TriggerTiming::Before,
            events: vec![TriggerEvent::Update],
            update_columns: Vec::new(),
            level: TriggerLevel::Row,
            function: func,
            arguments: Vec::new(),
            condition: None,
            old_table: None,
            new_table: None,
            enabled: crate::schema::model::Enablement::Origin,
            constraint: false,
            inherited: false,
            definition,
            comment: None,
        });
    }
}

/// Routine text: annotations stripped and CockroachDB-only type names respelled, in the
/// header and the body alike.
fn routine_text(def: &str) -> String {
    let mut out = String::with_capacity(def.len());
    for (i, part) in def.split("$$").enumerate() {
        if i > 0 {
            out.push_str("$$");
        }
        out.push_str(&respell_types(&expr::crdb_to_pg(part)));
    }
    out
}

/// Word-level respelling of `STRING` and `BYTES` outside string literals.
fn respell_types(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let mut in_string = false;
    let flush = |word: &mut String, out: &mut String| {
        match word.to_ascii_uppercase().as_str() {
            "STRING" => out.push_str("text"),
            "BYTES" => out.push_str("bytea"),
            _ => out.push_str(word),
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch == '\'' {
            in_string = !in_string;
        }
        if !in_string && (ch.is_alphanumeric() || ch == '_') {
            word.push(ch);
            continue;
        }
        flush(&mut word, &mut out);
        out.push(ch);
    }
    flush(&mut word, &mut out);
    out
}

/// `db.schema.object` → `schema.object` for the schemas the database holds.
fn strip_database(text: &str, schemas: &[String]) -> String {
    let mut out = text.to_owned();
    for s in schemas {
        let needle = format!(".{s}.");
        let mut result = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(pos) = rest.find(&needle) {
            let before = &rest[..pos];
            let start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '"'))
                .map_or(0, |p| p + 1);
            result.push_str(&before[..start]);
            result.push_str(&format!("{s}."));
            rest = &rest[pos + needle.len()..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// Every schema name the database uses (declared, or holding a table).
fn schema_names(s: &Schema) -> Vec<String> {
    let mut names: Vec<String> = s.schemas.iter().map(|n| n.name.clone()).collect();
    names.extend(s.tables.iter().map(|t| t.schema.clone()));
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_prefixes_are_stripped() {
        let schemas = vec!["public".to_owned()];
        assert_eq!(
            strip_database("SELECT a FROM movr.public.users", &schemas),
            "SELECT a FROM public.users"
        );
        assert_eq!(
            strip_database("SELECT a FROM public.users", &schemas),
            "SELECT a FROM public.users"
        );
    }

    #[test]
    fn nextval_targets_are_found() {
        assert_eq!(
            nextval_target("nextval('public.s'::regclass)"),
            Some(QualifiedName::new("public", "s"))
        );
        assert_eq!(
            nextval_target("nextval('public.\"serial_MixedCase_a_seq\"'::regclass)"),
            Some(QualifiedName::new("public", "serial_MixedCase_a_seq"))
        );
        assert_eq!(nextval_target("nextval('S')"), Some(QualifiedName::new("public", "s")));
        assert_eq!(nextval_target("now()"), None);
    }

    #[test]
    fn routine_types_are_respelled() {
        assert_eq!(
            respell_types("f(x STRING) RETURNS BYTES AS 'STRING'"),
            "f(x text) RETURNS bytea AS 'STRING'"
        );
    }
}
