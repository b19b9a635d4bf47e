//! `CREATE SEQUENCE`, `CREATE [MATERIALIZED] VIEW`, `CREATE TYPE` and `CREATE SCHEMA`.
//!
//! - Sequences: `MINVALUE`, `MAXVALUE`, `INCREMENT`, `START`, `CACHE` (also `PER NODE CACHE`
//!   and `PER SESSION CACHE`, whose scope the model cannot say), `CYCLE` and `OWNED BY` fill
//!   the model; omitted ones take PostgreSQL's (and CockroachDB's) defaults for the sequence's
//!   type (`INT8` unless `AS type` says otherwise). `VIRTUAL` is accepted and not recorded: the
//!   model has no field for it.
//! - Views keep the query after `AS` as written (CockroachDB prints `db.schema.table` names in
//!   it, which a converter must strip) and take their columns from the printed column list;
//!   their types are not in the DDL, so `data_type` is empty.
//! - Types: enums and composite types.
//! - Row-level security policies (CockroachDB v25.2+): without `TO`, a policy applies to
//!   `PUBLIC`; roles are sorted with `PUBLIC` first, as introspection sorts them.

use super::datatype::type_name;
use super::parser::{Cursor, PResult, ParseError, is_keyword, is_op};
use super::table::new_column;
use crate::schema::model::{
    CheckOption, Column, ColumnRef, CompositeAttribute, CompositeType, EnumType, Grantee,
    Namespace, Policy, PolicyCommand, Sequence, View,
};
use crate::schema::parse::Location;

/// `CREATE SEQUENCE ...` after `SEQUENCE`.
pub(super) fn create_sequence(c: &mut Cursor<'_>) -> PResult<Sequence> {
    c.eat_all(&["if", "not", "exists"]);
    let name = c.qualified("a sequence name")?;
    let mut options = SequenceOptions::default();
    while !c.is_done() {
        sequence_option(c, &mut options)?;
    }
    let data_type = options.data_type.unwrap_or_else(|| "INT8".to_owned());
    let (type_min, type_max) = type_bounds(&data_type);
    let increment = options.increment.unwrap_or(1);
    let ascending = increment > 0;
    let min = options.min.unwrap_or(if ascending { 1 } else { type_min });
    let max = options.max.unwrap_or(if ascending { type_max } else { -1 });
    Ok(Sequence {
        schema: name.schema,
        name: name.name,
        data_type,
        start: options.start.unwrap_or(if ascending { min } else { max }),
        increment,
        min,
        max,
        cache: options.cache.unwrap_or(1),
        cycle: options.cycle,
        last_value: None,
        owned_by: options.owned_by,
        identity: false,
        owner: String::new(),
        comment: None,
        privileges: None,
    })
}

#[derive(Debug, Default)]
struct SequenceOptions {
    data_type: Option<String>,
    increment: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
    start: Option<i64>,
    cache: Option<i64>,
    cycle: bool,
    owned_by: Option<ColumnRef>,
}

fn sequence_option(c: &mut Cursor<'_>, o: &mut SequenceOptions) -> PResult<()> {
    if c.eat("as") {
        o.data_type = Some(type_name(c)?.data_type);
    } else if c.eat("increment") {
        c.eat("by");
        let at = c.location();
        o.increment = Some(c.integer("an increment")?).filter(|n| *n != 0);
        if o.increment.is_none() {
            return Err(ParseError { location: at, message: "INCREMENT must not be zero".into() });
        }
    } else if c.eat("minvalue") {
        o.min = Some(c.integer("a minimum value")?);
    } else if c.eat("maxvalue") {
        o.max = Some(c.integer("a maximum value")?);
    } else if c.eat_all(&["no", "minvalue"]) {
        o.min = None;
    } else if c.eat_all(&["no", "maxvalue"]) {
        o.max = None;
    } else if c.eat_all(&["no", "cycle"]) {
        o.cycle = false;
    } else if c.eat("cycle") {
        o.cycle = true;
    } else if c.eat("start") {
        c.eat("with");
        o.start = Some(c.integer("a start value")?);
    } else if c.eat("restart") {
        c.eat("with");
        if !c.is_done() && !c.at_ident() {
            c.integer("a restart value")?;
        }
    } else if c.eat("cache")
        || c.eat_all(&["per", "node", "cache"])
        || c.eat_all(&["per", "session", "cache"])
    {
        o.cache = Some(c.integer("a cache size")?);
    } else if c.eat_all(&["owned", "by"]) {
        o.owned_by = owned_by(c)?;
    } else if !c.eat("virtual") {
        return Err(c.unexpected("a sequence option"));
    }
    Ok(())
}

/// `NONE` or `[[db.]schema.]table.column`.
fn owned_by(c: &mut Cursor<'_>) -> PResult<Option<ColumnRef>> {
    if c.eat("none") {
        return Ok(None);
    }
    let at = c.location();
    let mut parts = c.dotted("a column")?;
    let column = parts.pop().map(|p| p.value).unwrap_or_default();
    if parts.is_empty() {
        return Err(ParseError { location: at, message: "OWNED BY needs table.column".into() });
    }
    let table = c.resolve(parts, at)?;
    Ok(Some(ColumnRef { schema: table.schema, table: table.name, column }))
}

/// The smallest and largest values of a sequence type.
fn type_bounds(data_type: &str) -> (i64, i64) {
    match data_type.to_ascii_lowercase().as_str() {
        "int2" | "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "int4" | "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// `CREATE [MATERIALIZED] VIEW ...` after `VIEW`: the view and where its columns were written.
pub(super) fn create_view(
    c: &mut Cursor<'_>,
    materialized: bool,
) -> PResult<(View, Vec<(String, Location)>)> {
    c.eat_all(&["if", "not", "exists"]);
    let name = c.qualified("a view name")?;
    let written = if c.at_op("(") {
        c.list(|c| c.ident("a column name").map(|i| (i.value, i.location)))?
    } else {
        Vec::new()
    };
    c.expect("as")?;
    let start = c.pos();
    c.rest();
    let (end, populated, check_option) = view_suffix(c, start);
    if end == start {
        return Err(c.error("Expected the view's query after AS"));
    }
    let columns = written.iter().zip(1..).map(|((name, _), ordinal)| view_column(name, ordinal));
    let view = View {
        schema: name.schema,
        name: name.name,
        materialized,
        definition: c.text(start..end).to_owned(),
        populated,
        check_option,
        security_barrier: false,
        security_invoker: false,
        options: Vec::new(),
        owner: String::new(),
        comment: None,
        privileges: None,
        columns: columns.collect(),
        indexes: Vec::new(),
    };
    Ok((view, written))
}

fn view_column(name: &str, ordinal: i32) -> Column {
    new_column(name, "", ordinal)
}

/// Where the query of a view ends, leaving out `WITH [NO] DATA` and `WITH [CASCADED | LOCAL]
/// CHECK OPTION`; whether it is populated; its check option.
fn view_suffix(c: &Cursor<'_>, start: usize) -> (usize, bool, Option<CheckOption>) {
    let end = c.token_count();
    let tokens = c.tokens(start..end);
    let ends_with = |words: &[&str]| {
        tokens.len() >= words.len()
            && tokens[tokens.len() - words.len()..].iter().zip(words).all(|(t, w)| is_keyword(t, w))
    };
    if ends_with(&["with", "no", "data"]) {
        return (end - 3, false, None);
    }
    if ends_with(&["with", "data"]) {
        return (end - 2, true, None);
    }
    for (words, option) in [
        (&["with", "local", "check", "option"][..], CheckOption::Local),
        (&["with", "cascaded", "check", "option"][..], CheckOption::Cascaded),
        (&["with", "check", "option"][..], CheckOption::Cascaded),
    ] {
        if ends_with(words) {
            return (end - words.len(), true, Some(option));
        }
    }
    (end, true, None)
}

/// A type read from `CREATE TYPE`.
#[derive(Debug)]
pub(super) enum TypeDef {
    /// `AS ENUM (...)`.
    Enum(EnumType),
    /// `AS (attribute type, ...)`.
    Composite(CompositeType),
}

/// `CREATE TYPE ...` after `TYPE`.
pub(super) fn create_type(c: &mut Cursor<'_>) -> PResult<TypeDef> {
    c.eat_all(&["if", "not", "exists"]);
    let name = c.qualified("a type name")?;
    c.expect("as")?;
    let (schema, name) = (name.schema, name.name);
    let definition = if c.eat("enum") {
        let labels = if c.at_op("(") && c.peek_nth(1).is_some_and(|t| is_op(t, ")")) {
            c.group()?;
            Vec::new()
        } else {
            c.list(|c| c.string("an enum label"))?
        };
        TypeDef::Enum(EnumType {
            schema,
            name,
            labels,
            owner: String::new(),
            comment: None,
            privileges: None,
        })
    } else if c.at_op("(") {
        let attributes = if c.peek_nth(1).is_some_and(|t| is_op(t, ")")) {
            c.group()?;
            Vec::new()
        } else {
            c.list(attribute)?
        };
        TypeDef::Composite(CompositeType {
            schema,
            name,
            attributes,
            owner: String::new(),
            comment: None,
            privileges: None,
        })
    } else {
        return Err(
            c.unexpected("ENUM or an attribute list (other kinds of type are not supported)")
        );
    };
    c.expect_end()?;
    Ok(definition)
}

fn attribute(c: &mut Cursor<'_>) -> PResult<CompositeAttribute> {
    let name = c.ident("an attribute name")?.value;
    let data_type = type_name(c)?.data_type;
    let collation =
        if c.eat("collate") { Some(super::index::catalog_name(c, "a collation")?) } else { None };
    Ok(CompositeAttribute { name, data_type, collation })
}

/// `CREATE SCHEMA [IF NOT EXISTS] [db.]name [AUTHORIZATION role]` or `CREATE SCHEMA
/// AUTHORIZATION role` after `SCHEMA`.
pub(super) fn create_schema(c: &mut Cursor<'_>) -> PResult<Namespace> {
    c.eat_all(&["if", "not", "exists"]);
    let name = if c.at("authorization") {
        None
    } else {
        let at = c.location();
        let mut parts = c.dotted("a schema name")?;
        let name = parts.pop().map(|p| p.value).unwrap_or_default();
        match parts.pop() {
            Some(database) if parts.is_empty() => c.databases.push(database.value),
            Some(_) => {
                return Err(ParseError { location: at, message: "Too many dotted names".into() });
            }
            None => {}
        }
        Some(name)
    };
    let owner = if c.eat("authorization") { Some(c.ident("a role")?.value) } else { None };
    c.expect_end()?;
    let name = name.or_else(|| owner.clone()).unwrap_or_default();
    Ok(Namespace { name, owner: owner.unwrap_or_default(), comment: None, privileges: None })
}

/// `CREATE POLICY name ON table [AS PERMISSIVE|RESTRICTIVE] [FOR command] [TO roles]
/// [USING (expr)] [WITH CHECK (expr)]` after `POLICY`.
pub(super) fn create_policy(c: &mut Cursor<'_>) -> PResult<Policy> {
    let name = c.ident("a policy name")?.value;
    c.expect("on")?;
    let table = c.qualified("a table name")?;
    let mut permissive = true;
    if c.eat("as") {
        permissive = !c.eat("restrictive");
        if permissive {
            c.expect("permissive")?;
        }
    }
    let command = if c.eat("for") { policy_command(c)? } else { PolicyCommand::All };
    let mut roles = vec![Grantee::Public];
    if c.eat("to") {
        roles = vec![grantee(c)?];
        while c.eat_op(",") {
            roles.push(grantee(c)?);
        }
        roles.sort();
        roles.dedup();
    }
    let using = if c.eat("using") { Some(c.group()?) } else { None };
    let with_check = if c.eat_all(&["with", "check"]) { Some(c.group()?) } else { None };
    c.expect_end()?;
    Ok(Policy {
        schema: table.schema,
        table: table.name,
        name,
        command,
        permissive,
        roles,
        using: using.map(|range| c.text(range).to_owned()),
        with_check: with_check.map(|range| c.text(range).to_owned()),
        comment: None,
    })
}

fn policy_command(c: &mut Cursor<'_>) -> PResult<PolicyCommand> {
    let commands = [
        ("all", PolicyCommand::All),
        ("select", PolicyCommand::Select),
        ("insert", PolicyCommand::Insert),
        ("update", PolicyCommand::Update),
        ("delete", PolicyCommand::Delete),
    ];
    match commands.into_iter().find(|(word, _)| c.at(word)) {
        Some((_, command)) => {
            c.advance();
            Ok(command)
        }
        None => Err(c.unexpected("ALL, SELECT, INSERT, UPDATE or DELETE")),
    }
}

/// A role, or `PUBLIC` (unquoted).
fn grantee(c: &mut Cursor<'_>) -> PResult<Grantee> {
    if c.eat("public") {
        return Ok(Grantee::Public);
    }
    Ok(Grantee::Role(c.ident("a role")?.value))
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;
    use crate::schema::model::QualifiedName;

    fn with<T>(src: &str, f: impl FnOnce(&mut Cursor<'_>) -> PResult<T>) -> PResult<T> {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        f(&mut c)
    }

    #[test]
    fn reads_sequence_parameters_and_defaults() {
        let s = with(
            "public.s MINVALUE 1 MAXVALUE 9223372036854775807 INCREMENT 1 START 1 VIRTUAL",
            create_sequence,
        )
        .unwrap();
        assert_eq!((s.min, s.max, s.increment, s.start, s.cache), (1, i64::MAX, 1, 1, 1));
        assert_eq!(s.data_type, "INT8");
        let s = with(
            "d MINVALUE -9223372036854775808 MAXVALUE -1 INCREMENT -2 START -1 PER NODE CACHE 10",
            create_sequence,
        )
        .unwrap();
        assert_eq!((s.min, s.max, s.increment, s.start, s.cache), (i64::MIN, -1, -2, -1, 10));
        let s = with(
            "IF NOT EXISTS s AS INT4 INCREMENT BY -1 CYCLE OWNED BY db.sc.t.c",
            create_sequence,
        )
        .unwrap();
        assert_eq!((s.min, s.max, s.start, s.cycle), (i32::MIN.into(), -1, -1, true));
        let owned = s.owned_by.unwrap();
        assert_eq!(
            (owned.schema.as_str(), owned.table.as_str(), owned.column.as_str()),
            ("sc", "t", "c")
        );
    }

    #[test]
    fn rejects_bad_sequence_options() {
        assert!(with("s INCREMENT 0", create_sequence).unwrap_err().message.contains("zero"));
        assert!(with("s BOGUS 1", create_sequence).is_err());
        assert!(with("s OWNED BY c", create_sequence).is_err());
    }

    #[test]
    fn views_keep_their_query_and_printed_columns() {
        let (view, written) =
            with("public.vx (\n    \"?column?\"\n) AS SELECT 1", |c| create_view(c, false))
                .unwrap();
        assert_eq!(view.definition, "SELECT 1");
        assert_eq!(view.columns[0].name, "?column?");
        assert_eq!(written[0].1, Location { line: 2, column: 5 });
        let (view, _) =
            with("mv AS SELECT a FROM t WITH NO DATA", |c| create_view(c, true)).unwrap();
        assert!(view.materialized && !view.populated);
        assert_eq!(view.definition, "SELECT a FROM t");
        let (view, _) =
            with("v AS SELECT a FROM t WITH LOCAL CHECK OPTION", |c| create_view(c, false))
                .unwrap();
        assert_eq!(view.check_option, Some(CheckOption::Local));
        assert!(with("v AS", |c| create_view(c, false)).is_err());
    }

    #[test]
    fn reads_enums_and_composites() {
        let TypeDef::Enum(e) = with("s.status AS ENUM ('a', 'b''c')", create_type).unwrap() else {
            panic!()
        };
        assert_eq!(
            (e.schema.as_str(), e.labels.as_slice()),
            ("s", &["a".to_owned(), "b'c".to_owned()][..])
        );
        let TypeDef::Enum(e) = with("e AS ENUM ()", create_type).unwrap() else { panic!() };
        assert!(e.labels.is_empty());
        let TypeDef::Composite(t) =
            with("public.address AS (street STRING, zip STRING(5) COLLATE de)", create_type)
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(t.attributes[1].data_type, "STRING(5)");
        assert_eq!(t.attributes[1].collation, Some(QualifiedName::new("pg_catalog", "de")));
        assert!(with("r AS RANGE (subtype = int8)", create_type).is_err());
    }

    #[test]
    fn reads_policies() {
        let p = with(
            "p ON public.t AS RESTRICTIVE FOR UPDATE TO bob, PUBLIC, bob USING (a > 0) WITH CHECK (true)",
            create_policy,
        )
        .unwrap();
        assert_eq!((p.schema.as_str(), p.table.as_str(), p.name.as_str()), ("public", "t", "p"));
        assert_eq!((p.command, p.permissive), (PolicyCommand::Update, false));
        assert_eq!(p.roles, [Grantee::Public, Grantee::Role("bob".into())]);
        assert_eq!((p.using.as_deref(), p.with_check.as_deref()), (Some("a > 0"), Some("true")));
        let p = with("p ON t", create_policy).unwrap();
        assert_eq!(
            (p.command, p.permissive, p.roles.as_slice()),
            (PolicyCommand::All, true, &[Grantee::Public][..])
        );
        assert!(with("p ON t FOR TRUNCATE", create_policy).is_err());
    }

    #[test]
    fn reads_schemas() {
        let s = with("IF NOT EXISTS db.sc AUTHORIZATION bob", create_schema).unwrap();
        assert_eq!((s.name.as_str(), s.owner.as_str()), ("sc", "bob"));
        let s = with("AUTHORIZATION alice", create_schema).unwrap();
        assert_eq!((s.name.as_str(), s.owner.as_str()), ("alice", "alice"));
        assert!(with("a.b.c", create_schema).is_err());
    }
}
