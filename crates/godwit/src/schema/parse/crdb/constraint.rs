//! Table constraints: primary keys, `UNIQUE`, `UNIQUE WITHOUT INDEX`, `CHECK` and foreign keys,
//! written inside `CREATE TABLE` or added by `ALTER TABLE ... ADD CONSTRAINT`.
//!
//! A primary key becomes both a [`Constraint`] and the unique, primary [`Index`] behind it, as
//! introspection reports it. A `UNIQUE` constraint becomes a unique index **without** a
//! constraint: CockroachDB enforces it with an index and `SHOW CREATE` prints it as
//! `UNIQUE INDEX name (...)` (see the `partition_by_nothing` fixture), so a table reads the
//! same whether its DDL was written by hand or printed by the server. `UNIQUE WITHOUT INDEX` has
//! no index and is a unique constraint with `cockroach.without_index` set.
//!
//! Unnamed constraints and indexes get the names CockroachDB would give them
//! ([`name_unnamed`]): `<table>_pkey`, `<table>_<columns>_fkey`, `<table>_<columns>_key`,
//! `<table>_<columns>_idx` (`expr` standing for an expression key) and `check_<columns>`, with
//! a number appended on a clash. `definition` is the constraint as written without its
//! `CONSTRAINT name` prefix, like `pg_get_constraintdef`.

use std::collections::BTreeSet;

use super::index::{BTREE, index_clauses, key_list, new_index};
use super::lexer::{TokenKind, lex};
use super::parser::{Cursor, PResult};
use crate::schema::model::{
    Column, Constraint, ConstraintKind, ForeignKey, Index, IndexTarget, MatchType, QualifiedName,
    ReferentialAction, Table,
};

/// What a constraint element declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TableConstraint {
    /// A primary key: the constraint and the index behind it.
    Primary(Box<Constraint>, Box<Index>),
    /// `UNIQUE (...)`: a unique index (see the module documentation).
    UniqueIndex(Box<Index>),
    /// A check, a foreign key or `UNIQUE WITHOUT INDEX`.
    Other(Box<Constraint>),
}

/// A new constraint with every other property at its default (validated, not deferrable).
pub(super) fn new_constraint(
    name: String,
    kind: ConstraintKind,
    columns: Vec<String>,
    definition: String,
) -> Constraint {
    Constraint {
        name,
        kind,
        columns,
        definition,
        index: None,
        nulls_not_distinct: false,
        foreign_key: None,
        check: None,
        exclusion_operators: Vec::new(),
        deferrable: false,
        initially_deferred: false,
        validated: true,
        no_inherit: false,
        inherited: false,
        comment: None,
        cockroach: Default::default(),
    }
}

/// A table constraint after `CONSTRAINT name` (or without it, `name` empty): `PRIMARY KEY`,
/// `UNIQUE [WITHOUT INDEX]`, `CHECK` or `FOREIGN KEY`, then `NOT VALID` and deferral clauses.
pub(super) fn table_constraint(
    c: &mut Cursor<'_>,
    name: String,
    table: &QualifiedName,
) -> PResult<TableConstraint> {
    let start = c.pos();
    let mut result = if c.eat_all(&["primary", "key"]) {
        let mut index = new_index(String::new(), BTREE, key_list(c, BTREE)?);
        index_clauses(c, &mut index)?;
        let columns = key_columns(&index);
        primary_key(name, table, columns, index)
    } else if c.eat_all(&["unique", "without", "index"]) {
        let columns = c.name_list("a column name")?;
        let mut constraint = new_constraint(name, ConstraintKind::Unique, columns, String::new());
        constraint.cockroach.without_index = true;
        if c.eat("where") {
            let range = c.expr("a predicate", |c| c.at_all(&["not", "valid"]))?;
            constraint.cockroach.predicate = Some(c.text(range).to_owned());
        }
        TableConstraint::Other(Box::new(constraint))
    } else if c.eat("unique") {
        let mut index = new_index(name, BTREE, key_list(c, BTREE)?);
        index.unique = true;
        index_clauses(c, &mut index)?;
        TableConstraint::UniqueIndex(Box::new(index))
    } else if c.at("check") {
        TableConstraint::Other(Box::new(check(c, name)?))
    } else if c.eat_all(&["foreign", "key"]) {
        let columns = c.name_list("a column name")?;
        let mut constraint =
            new_constraint(name, ConstraintKind::ForeignKey, columns, String::new());
        constraint.foreign_key = Some(references(c)?);
        TableConstraint::Other(Box::new(constraint))
    } else {
        return Err(c.unexpected("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY"));
    };
    trailer(c, &mut result);
    let definition = c.text_from(start).to_owned();
    match &mut result {
        TableConstraint::Primary(constraint, _) | TableConstraint::Other(constraint) => {
            constraint.definition = definition;
        }
        TableConstraint::UniqueIndex(index) => index.definition = definition,
    }
    Ok(result)
}

/// A primary key named `name` (or `<table>_pkey`) on `columns`, enforced by `index`.
pub(super) fn primary_key(
    name: String,
    table: &QualifiedName,
    columns: Vec<String>,
    mut index: Index,
) -> TableConstraint {
    let name = if name.is_empty() { format!("{}_pkey", table.name) } else { name };
    let mut constraint =
        new_constraint(name.clone(), ConstraintKind::PrimaryKey, columns, String::new());
    constraint.index = Some(name.clone());
    (index.name, index.unique, index.primary) = (name.clone(), true, true);
    index.constraint = Some(name);
    TableConstraint::Primary(Box::new(constraint), Box::new(index))
}

/// The column names of an index's keys (an expression key contributes its text).
fn key_columns(index: &Index) -> Vec<String> {
    let name = |target: &IndexTarget| match target {
        IndexTarget::Column(name) | IndexTarget::Expression(name) => name.clone(),
    };
    index.keys.iter().map(|k| name(&k.target)).collect()
}

/// `CHECK (expression)`; its columns are filled in when the table is complete.
pub(super) fn check(c: &mut Cursor<'_>, name: String) -> PResult<Constraint> {
    c.expect("check")?;
    let inner = c.group()?;
    let mut constraint = new_constraint(name, ConstraintKind::Check, Vec::new(), String::new());
    constraint.check = Some(c.text(inner).to_owned());
    Ok(constraint)
}

/// `NOT VALID`, `[NOT] DEFERRABLE`, `INITIALLY DEFERRED|IMMEDIATE`, in any order.
fn trailer(c: &mut Cursor<'_>, result: &mut TableConstraint) {
    let mut dummy = new_constraint(String::new(), ConstraintKind::Check, Vec::new(), String::new());
    let constraint = match result {
        TableConstraint::Primary(constraint, _) | TableConstraint::Other(constraint) => {
            constraint.as_mut()
        }
        TableConstraint::UniqueIndex(_) => &mut dummy,
    };
    loop {
        if c.eat_all(&["not", "valid"]) {
            constraint.validated = false;
        } else if c.eat_all(&["not", "deferrable"]) {
            constraint.deferrable = false;
        } else if c.eat("deferrable") {
            constraint.deferrable = true;
        } else if c.eat_all(&["initially", "deferred"]) {
            constraint.initially_deferred = true;
        } else if !c.eat_all(&["initially", "immediate"]) {
            return;
        }
    }
}

/// `REFERENCES table [(columns)]` with `MATCH` and `ON DELETE|UPDATE` actions in any order.
/// Without columns the referenced table's primary key is meant; the builder fills them in.
pub(super) fn references(c: &mut Cursor<'_>) -> PResult<ForeignKey> {
    c.expect("references")?;
    let table = c.qualified("a referenced table")?;
    let columns = if c.at_op("(") { c.name_list("a column name")? } else { Vec::new() };
    let mut fk = ForeignKey {
        table,
        columns,
        match_type: MatchType::Simple,
        on_update: ReferentialAction::NoAction,
        on_delete: ReferentialAction::NoAction,
    };
    loop {
        if c.eat("match") {
            fk.match_type = match_type(c)?;
        } else if c.eat_all(&["on", "delete"]) {
            fk.on_delete = action(c)?;
        } else if c.at_all(&["on", "update"]) && at_action(c, 2) {
            c.expect_all(&["on", "update"])?;
            fk.on_update = action(c)?;
        } else {
            return Ok(fk);
        }
    }
}

fn match_type(c: &mut Cursor<'_>) -> PResult<MatchType> {
    if c.eat("full") {
        Ok(MatchType::Full)
    } else if c.eat("simple") {
        Ok(MatchType::Simple)
    } else if c.eat("partial") {
        Ok(MatchType::Partial)
    } else {
        Err(c.unexpected("FULL, SIMPLE or PARTIAL"))
    }
}

/// Whether a referential action starts `n` tokens ahead (telling a foreign key's `ON UPDATE`
/// from a column's `ON UPDATE expression`).
fn at_action(c: &Cursor<'_>, n: usize) -> bool {
    let word = c.peek_nth(n).filter(|t| t.kind == TokenKind::Ident).map(|t| t.value.as_str());
    matches!(word, Some("cascade" | "restrict" | "no" | "set"))
}

fn action(c: &mut Cursor<'_>) -> PResult<ReferentialAction> {
    if c.eat("cascade") {
        Ok(ReferentialAction::Cascade)
    } else if c.eat("restrict") {
        Ok(ReferentialAction::Restrict)
    } else if c.eat_all(&["no", "action"]) {
        Ok(ReferentialAction::NoAction)
    } else if c.eat_all(&["set", "null"]) {
        Ok(ReferentialAction::SetNull)
    } else if c.eat_all(&["set", "default"]) {
        Ok(ReferentialAction::SetDefault)
    } else {
        Err(c.unexpected("CASCADE, RESTRICT, NO ACTION, SET NULL or SET DEFAULT"))
    }
}

/// The columns of `columns` that `expression` mentions, in order of first mention.
pub(super) fn mentioned_columns(expression: &str, columns: &[Column]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for token in lex(expression).tokens {
        let named = matches!(token.kind, TokenKind::Ident | TokenKind::QuotedIdent);
        if named && !found.contains(&token.value) && columns.iter().any(|c| c.name == token.value) {
            found.push(token.value);
        }
    }
    found
}

/// Fill in the columns of check constraints (in column order) and name every unnamed
/// constraint and index of `table` as CockroachDB would.
pub(super) fn name_unnamed(table: &mut Table) {
    let mut taken: BTreeSet<String> = table.constraints.iter().map(|c| c.name.clone()).collect();
    taken.extend(table.indexes.iter().map(|i| i.name.clone()));
    for constraint in &mut table.constraints {
        let mentioned = match &constraint.check {
            Some(expression) => mentioned_columns(expression, &table.columns),
            None => Vec::new(),
        };
        if constraint.kind == ConstraintKind::Check && constraint.columns.is_empty() {
            let ordered = table.columns.iter().filter(|c| mentioned.contains(&c.name));
            constraint.columns = ordered.map(|c| c.name.clone()).collect();
        }
        if constraint.name.is_empty() {
            let base = match constraint.kind {
                ConstraintKind::Check => join("check", &mentioned, ""),
                ConstraintKind::ForeignKey => join(&table.name, &constraint.columns, "_fkey"),
                ConstraintKind::PrimaryKey => format!("{}_pkey", table.name),
                _ => join(&table.name, &constraint.columns, "_key"),
            };
            constraint.name = unique_name(&base, &mut taken);
        }
    }
    for index in table.indexes.iter_mut().filter(|i| i.name.is_empty()) {
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|k| match &k.target {
                IndexTarget::Column(name) => name.clone(),
                IndexTarget::Expression(_) => "expr".to_owned(),
            })
            .collect();
        let suffix = if index.unique { "_key" } else { "_idx" };
        index.name = unique_name(&join(&table.name, &keys, suffix), &mut taken);
    }
}

/// `prefix_a_b` + `suffix`, or `prefix` + `suffix` without parts.
fn join(prefix: &str, parts: &[String], suffix: &str) -> String {
    let mut name = prefix.to_owned();
    for part in parts {
        name.push('_');
        name.push_str(part);
    }
    name.push_str(suffix);
    name
}

/// `base`, or `base1`, `base2`, ... when taken; the result is marked taken.
fn unique_name(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.to_owned();
    let mut n = 0u32;
    while taken.contains(&name) {
        n += 1;
        name = format!("{base}{n}");
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::super::table::new_column;
    use super::*;

    fn parse(src: &str) -> TableConstraint {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        let result = table_constraint(&mut c, String::new(), &QualifiedName::new("public", "t"));
        c.expect_end().unwrap();
        result.unwrap()
    }

    fn other(src: &str) -> Constraint {
        match parse(src) {
            TableConstraint::Other(constraint) => *constraint,
            other => panic!("not a plain constraint: {other:?}"),
        }
    }

    #[test]
    fn a_primary_key_is_a_constraint_and_an_index() {
        let TableConstraint::Primary(constraint, index) =
            parse("PRIMARY KEY (a ASC, b DESC) USING HASH WITH (bucket_count=10)")
        else {
            panic!("not a primary key");
        };
        assert_eq!(constraint.name, "t_pkey");
        assert_eq!(constraint.columns, ["a", "b"]);
        assert_eq!(constraint.index.as_deref(), Some("t_pkey"));
        assert_eq!(
            constraint.definition,
            "PRIMARY KEY (a ASC, b DESC) USING HASH WITH (bucket_count=10)"
        );
        assert!(index.primary && index.unique);
        assert_eq!(index.constraint.as_deref(), Some("t_pkey"));
        assert_eq!(index.cockroach.hash_sharded.unwrap().bucket_count, Some(10));
    }

    #[test]
    fn unique_is_an_index_and_unique_without_index_a_constraint() {
        let TableConstraint::UniqueIndex(index) = parse("UNIQUE (a)") else { panic!() };
        assert!(index.unique && !index.primary && index.constraint.is_none());
        let constraint = other("UNIQUE WITHOUT INDEX (b) WHERE a > 0:::INT8 NOT VALID");
        assert_eq!(constraint.kind, ConstraintKind::Unique);
        assert!(constraint.cockroach.without_index && !constraint.validated);
        assert_eq!(constraint.cockroach.predicate.as_deref(), Some("a > 0:::INT8"));
        assert_eq!(constraint.index, None);
    }

    #[test]
    fn reads_foreign_keys_with_actions_in_any_order() {
        let constraint = other(
            "FOREIGN KEY (x, y) REFERENCES public.parent(x, y) MATCH FULL ON DELETE CASCADE \
             ON UPDATE SET NULL NOT VALID",
        );
        let fk = constraint.foreign_key.unwrap();
        assert_eq!(fk.table, QualifiedName::new("public", "parent"));
        assert_eq!(fk.columns, ["x", "y"]);
        assert_eq!(fk.match_type, MatchType::Full);
        assert_eq!(
            (fk.on_delete, fk.on_update),
            (ReferentialAction::Cascade, ReferentialAction::SetNull)
        );
        assert!(!constraint.validated);
        let fk = other("FOREIGN KEY (a) REFERENCES p ON UPDATE RESTRICT ON DELETE NO ACTION")
            .foreign_key
            .unwrap();
        assert!(fk.columns.is_empty());
        assert_eq!(fk.on_update, ReferentialAction::Restrict);
        assert!(matches!(
            parse_err("FOREIGN KEY (a) REFERENCES p ON DELETE NOTHING"),
            Some(m) if m.starts_with("Expected CASCADE")
        ));
    }

    fn parse_err(src: &str) -> Option<String> {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        table_constraint(&mut c, String::new(), &QualifiedName::new("public", "t"))
            .err()
            .map(|e| e.message)
    }

    #[test]
    fn checks_keep_their_expression_as_written() {
        let constraint =
            other("CHECK (b IN (1:::INT8, 2:::INT8)) NOT VALID DEFERRABLE INITIALLY DEFERRED");
        assert_eq!(constraint.check.as_deref(), Some("b IN (1:::INT8, 2:::INT8)"));
        assert!(!constraint.validated && constraint.deferrable && constraint.initially_deferred);
        assert_eq!(
            constraint.definition,
            "CHECK (b IN (1:::INT8, 2:::INT8)) NOT VALID DEFERRABLE INITIALLY DEFERRED"
        );
        assert!(parse_err("EXCLUDE USING gist (a WITH =)").is_some());
    }

    #[test]
    fn names_unnamed_objects_like_cockroachdb() {
        let mut table = super::super::table::tests::empty_table("t");
        table.columns =
            vec![new_column("city", "STRING", 1), new_column("vehicle_city", "STRING", 2)];
        let mut check = new_constraint(String::new(), ConstraintKind::Check, vec![], String::new());
        check.check = Some("vehicle_city = city".into());
        let fk = new_constraint(
            String::new(),
            ConstraintKind::ForeignKey,
            vec!["city".into()],
            String::new(),
        );
        let taken =
            new_constraint("t_city_fkey".into(), ConstraintKind::Check, vec![], String::new());
        table.constraints = vec![check, fk, taken];
        let key = |name: &str| crate::schema::model::IndexKey {
            target: IndexTarget::Column(name.into()),
            opclass: None,
            collation: None,
            descending: false,
            nulls_first: true,
        };
        let mut unique = new_index(String::new(), BTREE, vec![key("city")]);
        unique.unique = true;
        table.indexes =
            vec![unique, new_index(String::new(), BTREE, vec![key("city"), key("vehicle_city")])];
        name_unnamed(&mut table);
        let names: Vec<&str> = table.constraints.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["check_vehicle_city_city", "t_city_fkey1", "t_city_fkey"]);
        assert_eq!(table.constraints[0].columns, ["city", "vehicle_city"]);
        let names: Vec<&str> = table.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["t_city_key", "t_city_vehicle_city_idx"]);
    }
}
