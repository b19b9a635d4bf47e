//! Preparing a PostgreSQL schema for CockroachDB (`crdb-dialect.md` §1).
//!
//! Types get CockroachDB spellings (explicit `INT4`/`INT8`); domains are inlined into their
//! columns; partitions collapse into their parent and inheritance children become standalone
//! tables; index methods and operator classes CockroachDB lacks are rewritten or dropped;
//! deferrable constraints become immediate. What cannot be expressed (exclusion constraints,
//! rules, aggregates, unsupported triggers and routines) is moved to the unsupported list with
//! its definition.

use super::{KeyStrategy, Options, Unsupported, types};
use crate::dialect::Dialect;
use crate::schema::model::{
    Column, Constraint, ConstraintKind, MatchType, RoutineKind, Schema, Table, TableKind,
    TriggerEvent, TriggerLevel, TriggerTiming,
};

/// Rewrite `source` into a schema the CockroachDB target of `options` accepts.
pub(super) fn prepare(source: &Schema, options: &Options) -> (Schema, Vec<Unsupported>) {
    let target = options.target;
    let mut s = source.clone();
    s.dialect = Dialect::Cockroach;
    let mut lost = Vec::new();
    collapse_partitions(&mut s);
    let domains = std::mem::take(&mut s.types.domains);
    for t in &mut s.tables {
        table(t, &domains, &mut lost);
        keys(t, options.keys);
    }
    for r in std::mem::take(&mut s.types.ranges) {
        lost.push(gone(
            format!("type {}.{}", r.schema, r.name),
            "type.range",
            "range types do not exist on CockroachDB",
            None,
        ));
    }
    for q in s.sequences.iter_mut().filter(|q| q.cycle) {
        q.cycle = false;
        lost.push(gone(
            format!("sequence {}.{}", q.schema, q.name),
            "sequence.cycle",
            "CYCLE dropped",
            None,
        ));
    }
    routines(&mut s, target, &mut lost);
    triggers(&mut s, target, &mut lost);
    for r in std::mem::take(&mut s.rules) {
        lost.push(gone(
            format!("rule {}.{}.{}", r.schema, r.table, r.name),
            "rule.unsupported",
            "CREATE RULE is unimplemented",
            Some(r.definition),
        ));
    }
    if !target.at_least(25, 2) {
        for p in std::mem::take(&mut s.policies) {
            lost.push(gone(
                format!("policy {}.{}.{}", p.schema, p.table, p.name),
                "table.row-level-security",
                "row-level security needs v25.2",
                None,
            ));
        }
    }
    (s, lost)
}

fn gone(object: String, rule: &'static str, reason: &str, sql: Option<String>) -> Unsupported {
    Unsupported { object, rule, reason: reason.to_owned(), sql }
}

/// Partitions fold into their root table; inheritance children keep their rows in their own
/// table, with the inherited columns declared locally.
fn collapse_partitions(s: &mut Schema) {
    s.tables.retain(|t| t.partition_of.is_none());
    for t in &mut s.tables {
        if t.kind == TableKind::Partitioned {
            t.kind = TableKind::Regular;
            t.partition_key = None;
        }
        t.inherits.clear();
        for c in &mut t.columns {
            c.inherited = false;
        }
        for c in &mut t.constraints {
            c.inherited = false;
        }
        t.indexes.retain(|i| !i.inherited);
    }
}

fn table(t: &mut Table, domains: &[crate::schema::model::Domain], lost: &mut Vec<Unsupported>) {
    let name = t.qualified_name();
    t.persistence = crate::schema::model::Persistence::Permanent;
    t.options.retain(|o| o.starts_with("fillfactor"));
    let mut checks = Vec::new();
    for c in &mut t.columns {
        if let Some(d) = domains.iter().find(|d| format!("{}.{}", d.schema, d.name) == c.base_type)
        {
            checks.extend(inline_domain(c, d, &t.name));
        }
        column(c, &name.to_string(), lost);
    }
    t.constraints.extend(checks);
    let (excl, kept): (Vec<Constraint>, Vec<Constraint>) = std::mem::take(&mut t.constraints)
        .into_iter()
        .partition(|c| c.kind == ConstraintKind::Exclusion);
    t.constraints = kept;
    for c in excl {
        t.indexes.retain(|i| i.constraint.as_deref() != Some(c.name.as_str()));
        lost.push(gone(
            format!("constraint {name}.{}", c.name),
            "constraint.exclusion",
            "exclusion constraints are unimplemented",
            Some(c.definition),
        ));
    }
    for c in &mut t.constraints {
        c.deferrable = false;
        c.initially_deferred = false;
        c.nulls_not_distinct = false;
        c.no_inherit = false;
        if let Some(fk) = c.foreign_key.as_mut().filter(|fk| fk.match_type == MatchType::Partial) {
            fk.match_type = MatchType::Simple;
        }
    }
    indexes(t, lost);
}

/// Replace a domain column by its base type, and return the domain's checks for the column.
fn inline_domain(c: &mut Column, d: &crate::schema::model::Domain, table: &str) -> Vec<Constraint> {
    c.data_type = d.base_type.clone();
    c.base_type = d.base_type.clone();
    c.not_null |= d.not_null;
    if c.default.is_none() {
        c.default.clone_from(&d.default);
    }
    d.checks
        .iter()
        .map(|check| {
            let expr = replace_value(&check.expression, &crate::dialect::quote_ident(&c.name));
            Constraint {
                name: format!("{table}_{}_{}", c.name, check.name),
                kind: ConstraintKind::Check,
                columns: vec![c.name.clone()],
                definition: format!("CHECK ({expr})"),
                index: None,
                nulls_not_distinct: false,
                foreign_key: None,
                check: Some(expr),
                exclusion_operators: Vec::new(),
                deferrable: false,
                initially_deferred: false,
                validated: check.validated,
                no_inherit: false,
                inherited: false,
                comment: None,
                cockroach: Default::default(),
            }
        })
        .collect()
}

/// `VALUE` (the domain's placeholder) → the column, as a whole word outside literals.
fn replace_value(expr: &str, column: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut in_string = false;
    for ch in expr.chars().chain(std::iter::once(' ')) {
        if ch == '\'' {
            in_string = !in_string;
        }
        if !in_string && (ch.is_alphanumeric() || ch == '_') {
            word.push(ch);
            continue;
        }
        out.push_str(if word.eq_ignore_ascii_case("value") { column } else { &word });
        word.clear();
        out.push(ch);
    }
    out.pop();
    out
}

fn column(c: &mut Column, table: &str, lost: &mut Vec<Unsupported>) {
    match types::pg_to_crdb(&c.data_type) {
        Some(t) => c.data_type = t,
        None => {
            lost.push(gone(
                format!("column {table}.{}", c.name),
                "type.unsupported",
                &format!("{} has no CockroachDB equivalent: stored as STRING", c.data_type),
                None,
            ));
            c.data_type = "STRING".into();
        }
    }
    c.base_type = types::pg_to_crdb(&c.base_type).unwrap_or_else(|| "STRING".into());
    if c.collation
        .as_ref()
        .is_some_and(|coll| ["C", "POSIX", "default", "ucs_basic"].contains(&coll.name.as_str()))
    {
        c.collation = None;
    }
    if let Some(coll) = &mut c.collation {
        coll.schema = "pg_catalog".into();
        coll.name =
            coll.name.trim_end_matches("-x-icu").split('.').next().unwrap_or("").replace('_', "-");
    }
}

fn indexes(t: &mut Table, lost: &mut Vec<Unsupported>) {
    let spatial = |t: &Table, i: &crate::schema::model::Index| {
        i.keys.iter().all(|k| matches!(&k.target, crate::schema::model::IndexTarget::Column(c) if t.column(c).is_some_and(|col| col.base_type.to_lowercase().contains("geometry") || col.base_type.to_lowercase().contains("geography"))))
    };
    let name = t.qualified_name();
    let (dropped, kept): (Vec<_>, Vec<_>) =
        std::mem::take(&mut t.indexes).into_iter().partition(|i| {
            (i.method == "gist" && !spatial(t, i) && i.constraint.is_none())
                || ["hnsw", "ivfflat"].contains(&i.method.as_str())
        });
    t.indexes = kept;
    for i in dropped {
        let (rule, why) = if i.method == "gist" {
            ("index.method", "GiST index on non-spatial columns dropped")
        } else {
            ("index.vector", "pgvector index dropped: recreate it as CREATE VECTOR INDEX (v25.2+)")
        };
        lost.push(gone(format!("index {name}.{}", i.name), rule, why, Some(i.definition)));
    }
    for i in &mut t.indexes {
        if ["hash", "brin", "spgist"].contains(&i.method.as_str()) {
            i.method = "btree".into();
        }
        for k in &mut i.keys {
            let keep = k
                .opclass
                .as_ref()
                .is_some_and(|o| o.name == "gin_trgm_ops" || o.name == "gist_trgm_ops");
            if !keep {
                k.opclass = None;
            }
            k.nulls_first = !k.descending;
        }
        i.nulls_not_distinct = false;
        i.options.clear();
    }
}

/// Single-column primary keys filled from a sequence, per the key strategy.
fn keys(t: &mut Table, strategy: KeyStrategy) {
    if strategy == KeyStrategy::Keep {
        return;
    }
    let Some(pk) = t.primary_key().filter(|pk| pk.columns.len() == 1) else { return };
    let col = pk.columns[0].clone();
    let Some(c) = t.columns.iter_mut().find(|c| c.name == col) else { return };
    let from_sequence =
        c.identity.is_some() || c.default.as_deref().is_some_and(|d| d.contains("nextval("));
    if !from_sequence {
        return;
    }
    c.identity = None;
    (c.data_type, c.default) = match strategy {
        KeyStrategy::Uuid => ("UUID".into(), Some("gen_random_uuid()".into())),
        _ => ("INT8".into(), Some("unique_rowid()".into())),
    };
    c.base_type.clone_from(&c.data_type);
}

fn routines(s: &mut Schema, target: super::Target, lost: &mut Vec<Unsupported>) {
    let (bad, ok): (Vec<_>, Vec<_>) = std::mem::take(&mut s.routines).into_iter().partition(|r| {
        r.kind == RoutineKind::Aggregate
            || !["sql", "plpgsql"].contains(&r.language.as_str())
            || (r.language == "plpgsql" && !target.at_least(23, 2))
            || r.result.as_deref() == Some("event_trigger")
    });
    s.routines = ok;
    for r in bad {
        let why = if r.kind == RoutineKind::Aggregate {
            "CREATE AGGREGATE is unimplemented".to_owned()
        } else {
            format!("LANGUAGE {} is not available on this target", r.language)
        };
        lost.push(gone(
            format!("routine {}.{}({})", r.schema, r.name, r.arguments),
            "routine.language",
            &why,
            r.definition,
        ));
    }
    for r in s.routines.iter_mut().filter(|r| r.returns_trigger) {
        r.definition = r.definition.as_deref().map(parenthesise_new_old);
    }
}

/// `NEW.col` → `(NEW).col` (CockroachDB needs parentheses for composite field access).
fn parenthesise_new_old(body: &str) -> String {
    let mut out = body.to_owned();
    for rec in ["NEW", "OLD", "new", "old"] {
        out = out.replace(&format!(" {rec}."), &format!(" ({rec})."));
        out = out.replace(&format!("({rec}."), &format!("(({rec})."));
        out = out.replace(&format!("\t{rec}."), &format!("\t({rec})."));
    }
    out
}

fn triggers(s: &mut Schema, target: super::Target, lost: &mut Vec<Unsupported>) {
    let (bad, ok): (Vec<_>, Vec<_>) =
        std::mem::take(&mut s.triggers).into_iter().filter(|t| !t.inherited).partition(|t| {
            !target.at_least(24, 3)
                || t.level == TriggerLevel::Statement
                || t.timing == TriggerTiming::InsteadOf
                || t.events.contains(&TriggerEvent::Truncate)
                || t.old_table.is_some()
                || t.new_table.is_some()
                || t.constraint
                || !s
                    .routines
                    .iter()
                    .any(|r| r.schema == t.function.schema && r.name == t.function.name)
        });
    s.triggers = ok;
    for t in bad {
        lost.push(gone(
            format!("trigger {}.{}.{}", t.schema, t.table, t.name),
            "trigger.unsupported",
            "this kind of trigger (or its function) is not available on the target",
            Some(t.definition),
        ));
    }
    for t in &mut s.triggers {
        t.definition = trigger_sql(t);
    }
}

fn trigger_sql(t: &crate::schema::model::Trigger) -> String {
    let timing = if t.timing == TriggerTiming::Before { "BEFORE" } else { "AFTER" };
    let events: Vec<&str> = t
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        })
        .collect();
    let args: Vec<String> = t.arguments.iter().map(|a| crate::dialect::quote_literal(a)).collect();
    let when = t.condition.as_deref().map(|c| format!(" WHEN ({c})")).unwrap_or_default();
    format!(
        "CREATE TRIGGER {} {timing} {} ON {} FOR EACH ROW{when} EXECUTE FUNCTION {}({})",
        crate::dialect::quote_ident(&t.name),
        events.join(" OR "),
        crate::dialect::quote_qualified(&t.schema, &t.table),
        t.function.quoted(),
        args.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_value_becomes_the_column() {
        assert_eq!(
            replace_value("(VALUE >= 1901) AND (value <= 2155)", "\"year\""),
            "(\"year\" >= 1901) AND (\"year\" <= 2155)"
        );
        assert_eq!(replace_value("VALUE <> 'VALUE'", "c"), "c <> 'VALUE'");
    }

    #[test]
    fn new_and_old_get_parentheses() {
        assert_eq!(
            parenthesise_new_old("BEGIN NEW.updated := now(); RETURN NEW; END"),
            "BEGIN (NEW).updated := now(); RETURN NEW; END"
        );
    }
}
