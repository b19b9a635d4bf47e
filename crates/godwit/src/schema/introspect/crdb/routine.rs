//! Routines from `pg_proc` with their `CREATE` statements from `crdb_internal`, and triggers
//! parsed from `crdb_internal.create_trigger_statements`.
//!
//! CockroachDB exposes no structured trigger catalog (`pg_trigger` is empty), only each
//! trigger's `CREATE TRIGGER` statement, so this module parses that statement in the one form
//! `tree.CreateTrigger.Format` prints. Its triggers are always enabled in the model's sense
//! (`Origin`), never constraint triggers and never inherited. Rules do not exist on
//! CockroachDB.

use std::collections::HashMap;

use tokio_postgres::{Client, Row};

use super::super::row::{decode, get, query};
use super::{Triggers, strip_parentheses};
use crate::schema::model::{
    Enablement, QualifiedName, Routine, RoutineKind, Trigger, TriggerEvent, TriggerLevel,
    TriggerTiming, Volatility,
};
use crate::{Error, Result};

/// Functions and procedures in `schemas`, with their `CREATE` statements.
pub(super) async fn routines(
    client: &Client,
    schemas: &[String],
    procedures: bool,
) -> Result<Vec<Routine>> {
    let (rows, mut definitions) = tokio::try_join!(
        query(client, include_str!("routines.sql"), "routines", schemas),
        definitions(client, schemas, procedures),
    )?;
    rows.iter()
        .map(|row| {
            let oid: i64 = get(row, "oid")?;
            routine(row, definitions.remove(&oid))
        })
        .collect()
}

/// `CREATE FUNCTION` (and, from v23.2, `CREATE PROCEDURE`) statements by routine OID.
async fn definitions(
    client: &Client,
    schemas: &[String],
    procedures: bool,
) -> Result<HashMap<i64, String>> {
    let sql = include_str!("function_definitions.sql");
    let mut rows = query(client, sql, "function definitions", schemas).await?;
    if procedures {
        let sql = include_str!("procedure_definitions.sql");
        rows.extend(query(client, sql, "procedure definitions", schemas).await?);
    }
    rows.iter().map(|row| Ok((get(row, "oid")?, get(row, "definition")?))).collect()
}

fn routine(row: &Row, definition: Option<String>) -> Result<Routine> {
    let kind: String = get(row, "kind")?;
    let volatility: String = get(row, "volatility")?;
    let returns_set: bool = get(row, "returns_set")?;
    let declared_definer: bool = get(row, "security_definer")?;
    let security_definer =
        declared_definer || definition.as_deref().is_some_and(declares_security_definer);
    Ok(Routine {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        kind: decode(
            "prokind",
            &kind,
            &[("f", RoutineKind::Function), ("p", RoutineKind::Procedure)],
        )?,
        arguments: get(row, "arguments")?,
        result: get::<Option<String>>(row, "result")?.map(|r| result_type(r, returns_set)),
        language: get(row, "language")?,
        volatility: decode(
            "provolatile",
            &volatility,
            &[("i", Volatility::Immutable), ("s", Volatility::Stable), ("v", Volatility::Volatile)],
        )?,
        strict: get(row, "strict")?,
        security_definer,
        returns_set,
        returns_trigger: get(row, "returns_trigger")?,
        definition,
        owner: get(row, "owner")?,
        comment: None,
        privileges: None,
    })
}

/// The result as PostgreSQL's `pg_get_function_result` prints it: CockroachDB prints only the
/// type, so a set-returning function gets `SETOF` here.
fn result_type(result: String, returns_set: bool) -> String {
    let upper = result.to_ascii_uppercase();
    if returns_set && !upper.starts_with("SETOF ") && !upper.starts_with("TABLE(") {
        format!("SETOF {result}")
    } else {
        result
    }
}

/// Whether a `CREATE FUNCTION|PROCEDURE` statement says `SECURITY DEFINER` before its body
/// (CockroachDB always prints `SECURITY INVOKER` or `SECURITY DEFINER`, then `AS $$`).
fn declares_security_definer(definition: &str) -> bool {
    let header = definition.split("$$").next().unwrap_or(definition).to_ascii_uppercase();
    let words: Vec<&str> = header.split_whitespace().collect();
    words.windows(2).any(|pair| pair == ["SECURITY", "DEFINER"])
}

/// Triggers on tables in `schemas`; none before v25.3 (see [`Triggers`]).
pub(super) async fn triggers(
    client: &Client,
    schemas: &[String],
    available: Triggers,
) -> Result<Vec<Trigger>> {
    match available {
        Triggers::None | Triggers::Unreadable => Ok(Vec::new()),
        Triggers::Catalog => {
            let rows = query(client, include_str!("triggers.sql"), "triggers", schemas).await?;
            rows.iter().map(trigger).collect()
        }
    }
}

fn trigger(row: &Row) -> Result<Trigger> {
    let schema: String = get(row, "schema")?;
    let definition: String = get(row, "definition")?;
    let parsed = parse_trigger(&definition).map_err(|e| {
        e.context(format_args!("Trigger statement {definition:?} on schema \"{schema}\""))
    })?;
    let function = parsed.function_name(&schema)?;
    Ok(Trigger {
        table: get(row, "relation")?,
        name: parsed.name,
        timing: parsed.timing,
        events: parsed.events,
        update_columns: parsed.update_columns,
        level: parsed.level,
        function,
        arguments: parsed.arguments,
        condition: parsed.condition,
        old_table: parsed.old_table,
        new_table: parsed.new_table,
        enabled: Enablement::Origin,
        constraint: false,
        inherited: false,
        definition,
        comment: None,
        schema,
    })
}

/// The parts of a `CREATE TRIGGER` statement the model needs.
#[derive(Debug, PartialEq)]
struct ParsedTrigger {
    name: String,
    timing: TriggerTiming,
    /// In the model's order: insert, update, delete, truncate.
    events: Vec<TriggerEvent>,
    update_columns: Vec<String>,
    old_table: Option<String>,
    new_table: Option<String>,
    level: TriggerLevel,
    /// The `WHEN` expression without one pair of enclosing parentheses.
    condition: Option<String>,
    /// The function name as written: `[database.][schema.]name`.
    function: Vec<String>,
    arguments: Vec<String>,
}

impl ParsedTrigger {
    /// The trigger function, in `default_schema` when the statement does not qualify it.
    fn function_name(&self, default_schema: &str) -> Result<QualifiedName> {
        match self.function.as_slice() {
            [name] => Ok(QualifiedName::new(default_schema, name)),
            [.., schema, name] => Ok(QualifiedName::new(schema, name)),
            [] => Err(Error::internal("A trigger statement names no function")),
        }
    }
}

/// One lexical token of a trigger statement, with its byte span in the statement.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: keyword, unquoted identifier or number.
    Word(String),
    /// A double-quoted identifier, unescaped.
    Ident(String),
    /// A string literal, unescaped.
    Str(String),
    /// Any other character.
    Sym(char),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Split a statement into tokens. Quoted identifiers double `"`, string literals double `'`,
/// and `e'...'` strings also take backslash escapes.
fn lex(sql: &str) -> Result<Vec<Token>> {
    let chars: Vec<(usize, char)> = sql.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&(start, c)) = chars.get(i) {
        let escaped = matches!(c, 'e' | 'E') && matches!(chars.get(i + 1), Some((_, '\'')));
        let (tok, next) = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c == '"' || c == '\'' || escaped {
            let quote_at = if escaped { i + 1 } else { i };
            let (text, next) = quoted(&chars, quote_at, escaped)?;
            (if c == '"' { Tok::Ident(text) } else { Tok::Str(text) }, next)
        } else if c.is_alphanumeric() || c == '_' {
            let len = chars[i..].iter().take_while(|(_, c)| is_word_char(*c)).count();
            (Tok::Word(chars[i..i + len].iter().map(|(_, c)| c).collect()), i + len)
        } else {
            (Tok::Sym(c), i + 1)
        };
        let end = chars.get(next).map_or(sql.len(), |(at, _)| *at);
        tokens.push(Token { tok, start, end });
        i = next;
    }
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The text of the quoted token opening at `chars[open]`, and the index after it.
fn quoted(chars: &[(usize, char)], open: usize, backslashes: bool) -> Result<(String, usize)> {
    let quote = chars[open].1;
    let mut text = String::new();
    let mut i = open + 1;
    while let Some(&(_, c)) = chars.get(i) {
        match c {
            '\\' if backslashes => {
                let escaped = chars.get(i + 1).map(|(_, c)| *c).unwrap_or('\\');
                text.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
                i += 2;
            }
            c if c == quote && matches!(chars.get(i + 1), Some((_, q)) if *q == quote) => {
                text.push(quote);
                i += 2;
            }
            c if c == quote => return Ok((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    Err(Error::internal(format!("Unterminated {quote}-quoted text in a trigger statement")))
}

/// A cursor over the tokens of one statement.
struct Parser<'a> {
    sql: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(sql: &'a str) -> Result<Self> {
        Ok(Parser { sql, tokens: lex(sql)?, at: 0 })
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    /// Consume `keyword` if it is next.
    fn keyword(&mut self, keyword: &str) -> bool {
        let found = self.is_keyword(keyword);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, keyword: &str) -> Result<()> {
        if self.keyword(keyword) { Ok(()) } else { Err(self.unexpected(keyword)) }
    }

    fn symbol(&mut self, symbol: char) -> bool {
        let found = self.peek() == Some(&Tok::Sym(symbol));
        self.at += usize::from(found);
        found
    }

    fn unexpected(&self, wanted: &str) -> Error {
        let found = self.tokens.get(self.at).map_or("the end", |t| &self.sql[t.start..t.end]);
        Error::internal(format!("Expected {wanted} in a trigger statement, found {found:?}"))
    }

    /// An identifier, quoted or not.
    fn name(&mut self) -> Result<String> {
        let name = match self.peek() {
            Some(Tok::Word(w) | Tok::Ident(w)) => w.clone(),
            _ => return Err(self.unexpected("a name")),
        };
        self.at += 1;
        Ok(name)
    }

    /// A dotted name: `a`, `a.b`, `a.b.c`.
    fn qualified_name(&mut self) -> Result<Vec<String>> {
        let mut parts = vec![self.name()?];
        while self.symbol('.') {
            parts.push(self.name()?);
        }
        Ok(parts)
    }
}

/// Parse a `CREATE TRIGGER` statement as `tree.CreateTrigger.Format` prints it.
fn parse_trigger(sql: &str) -> Result<ParsedTrigger> {
    let mut p = Parser::new(sql)?;
    p.expect("create")?;
    if p.keyword("or") {
        p.expect("replace")?;
    }
    p.expect("trigger")?;
    let name = p.name()?;
    let timing = timing(&mut p)?;
    let (events, update_columns) = events(&mut p)?;
    p.expect("on")?;
    p.qualified_name()?;
    let (old_table, new_table) = transitions(&mut p)?;
    let level = level(&mut p)?;
    let condition = if p.keyword("when") { Some(condition(&mut p)?) } else { None };
    p.expect("execute")?;
    if !p.keyword("function") {
        p.expect("procedure")?;
    }
    let function = p.qualified_name()?;
    let arguments = arguments(&mut p)?;
    Ok(ParsedTrigger {
        name,
        timing,
        events,
        update_columns,
        old_table,
        new_table,
        level,
        condition,
        function,
        arguments,
    })
}

fn timing(p: &mut Parser<'_>) -> Result<TriggerTiming> {
    if p.keyword("before") {
        Ok(TriggerTiming::Before)
    } else if p.keyword("after") {
        Ok(TriggerTiming::After)
    } else {
        p.expect("instead")?;
        p.expect("of")?;
        Ok(TriggerTiming::InsteadOf)
    }
}

/// `FOR EACH {ROW | STATEMENT}`.
fn level(p: &mut Parser<'_>) -> Result<TriggerLevel> {
    p.expect("for")?;
    p.keyword("each");
    if p.keyword("row") {
        return Ok(TriggerLevel::Row);
    }
    p.expect("statement")?;
    Ok(TriggerLevel::Statement)
}

/// `event [OR event ...]`, sorted into the model's order, with the columns of `UPDATE OF`.
fn events(p: &mut Parser<'_>) -> Result<(Vec<TriggerEvent>, Vec<String>)> {
    let mut events = Vec::new();
    let mut columns = Vec::new();
    loop {
        let event = p.name()?.to_ascii_lowercase();
        events.push(decode(
            "trigger event",
            &event,
            &[
                ("insert", TriggerEvent::Insert),
                ("update", TriggerEvent::Update),
                ("delete", TriggerEvent::Delete),
                ("truncate", TriggerEvent::Truncate),
            ],
        )?);
        if event == "update" && p.keyword("of") {
            columns.push(p.name()?);
            while p.symbol(',') {
                columns.push(p.name()?);
            }
        }
        if !p.keyword("or") {
            break;
        }
    }
    let order = |e: &TriggerEvent| match e {
        TriggerEvent::Insert => 0,
        TriggerEvent::Update => 1,
        TriggerEvent::Delete => 2,
        TriggerEvent::Truncate => 3,
    };
    events.sort_by_key(order);
    events.dedup();
    Ok((events, columns))
}

/// `REFERENCING {OLD | NEW} {ROW | TABLE} AS name ...`: the transition table names.
fn transitions(p: &mut Parser<'_>) -> Result<(Option<String>, Option<String>)> {
    let (mut old, mut new) = (None, None);
    if !p.keyword("referencing") {
        return Ok((old, new));
    }
    while p.is_keyword("old") || p.is_keyword("new") {
        let is_new = p.keyword("new");
        p.keyword("old");
        let is_table = p.keyword("table");
        if !is_table {
            p.expect("row")?;
        }
        p.keyword("as");
        let name = p.name()?;
        match (is_table, is_new) {
            (true, true) => new = Some(name),
            (true, false) => old = Some(name),
            (false, _) => {}
        }
    }
    Ok((old, new))
}

/// The text between `WHEN` and `EXECUTE`, without one pair of enclosing parentheses.
fn condition(p: &mut Parser<'_>) -> Result<String> {
    let first = p.at;
    let mut depth = 0_i32;
    while let Some(tok) = p.peek() {
        match tok {
            Tok::Sym('(') => depth += 1,
            Tok::Sym(')') => depth -= 1,
            Tok::Word(w) if depth == 0 && w.eq_ignore_ascii_case("execute") => break,
            _ => {}
        }
        p.at += 1;
    }
    let last = p.at.checked_sub(1).filter(|last| *last >= first && p.peek().is_some());
    let span = last.and_then(|last| Some((p.tokens.get(first)?.start, p.tokens.get(last)?.end)));
    let Some((start, end)) = span else {
        return Err(p.unexpected("a WHEN condition followed by EXECUTE"));
    };
    let text = p.sql.get(start..end).unwrap_or_default().trim();
    Ok(strip_parentheses(text).to_owned())
}

/// `( 'arg', ... )` after the function name: the literal arguments.
fn arguments(p: &mut Parser<'_>) -> Result<Vec<String>> {
    if !p.symbol('(') {
        return Err(p.unexpected("("));
    }
    let mut arguments = Vec::new();
    while !p.symbol(')') {
        match p.peek() {
            Some(Tok::Str(s) | Tok::Word(s) | Tok::Ident(s)) => arguments.push(s.clone()),
            _ => return Err(p.unexpected("a trigger argument")),
        }
        p.at += 1;
        if !p.symbol(',') && p.peek() != Some(&Tok::Sym(')')) {
            return Err(p.unexpected(", or )"));
        }
    }
    Ok(arguments)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_statement_cockroachdb_prints() {
        let sql = "CREATE TRIGGER t1_trigger AFTER INSERT ON public.t1 FOR EACH ROW \
                   EXECUTE FUNCTION public.trigger_func()";
        let t = parse_trigger(sql).unwrap();
        assert_eq!(t.name, "t1_trigger");
        assert_eq!(t.timing, TriggerTiming::After);
        assert_eq!(t.events, [TriggerEvent::Insert]);
        assert_eq!(t.level, TriggerLevel::Row);
        assert_eq!(t.condition, None);
        assert_eq!(t.function_name("x").unwrap(), QualifiedName::new("public", "trigger_func"));
        assert!(t.arguments.is_empty() && t.update_columns.is_empty());
    }

    #[test]
    fn parses_events_conditions_and_arguments() {
        let sql = "CREATE OR REPLACE TRIGGER \"Audit\" BEFORE UPDATE OF a, \"B\" OR INSERT OR \
                   DELETE ON db.public.t FOR EACH ROW WHEN ((new).a > 0 AND f((old).b)) \
                   EXECUTE FUNCTION audit('it''s', e'x\\'y', 3)";
        let t = parse_trigger(sql).unwrap();
        assert_eq!(t.name, "Audit");
        assert_eq!(t.timing, TriggerTiming::Before);
        assert_eq!(t.events, [TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete]);
        assert_eq!(t.update_columns, ["a", "B"]);
        assert_eq!(t.condition.as_deref(), Some("(new).a > 0 AND f((old).b)"));
        assert_eq!(t.arguments, ["it's", "x'y", "3"]);
        assert_eq!(t.function_name("sales").unwrap(), QualifiedName::new("sales", "audit"));
    }

    #[test]
    fn parses_statement_level_triggers_with_transition_tables() {
        let sql = "CREATE TRIGGER s AFTER TRUNCATE ON t REFERENCING OLD TABLE AS o NEW TABLE \
                   AS n FOR EACH STATEMENT EXECUTE PROCEDURE x.y.f()";
        let t = parse_trigger(sql).unwrap();
        assert_eq!(t.level, TriggerLevel::Statement);
        assert_eq!(t.events, [TriggerEvent::Truncate]);
        assert_eq!((t.old_table.as_deref(), t.new_table.as_deref()), (Some("o"), Some("n")));
        assert_eq!(t.function_name("public").unwrap(), QualifiedName::new("y", "f"));
        let instead = parse_trigger(
            "CREATE TRIGGER i INSTEAD OF INSERT ON v FOR EACH ROW \
                                     EXECUTE FUNCTION f()",
        )
        .unwrap();
        assert_eq!(instead.timing, TriggerTiming::InsteadOf);
    }

    #[test]
    fn rejects_statements_it_cannot_read() {
        for sql in [
            "",
            "CREATE TABLE t (a INT)",
            "CREATE TRIGGER t DURING INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE TRIGGER t AFTER UPSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE TRIGGER t AFTER INSERT ON t FOR EACH ROW WHEN (a EXECUTE FUNCTION f()",
            "CREATE TRIGGER t AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f('a'",
            "CREATE TRIGGER 'unterminated",
        ] {
            assert!(parse_trigger(sql).is_err(), "{sql}");
        }
    }

    #[test]
    fn finds_security_definer_in_the_header_only() {
        let definer = "CREATE FUNCTION public.f()\n\tRETURNS INT8\n\tLANGUAGE SQL\n\tSECURITY \
                       DEFINER\n\tAS $$\n\tSELECT 1;\n$$";
        assert!(declares_security_definer(definer));
        let invoker = "CREATE FUNCTION public.f()\n\tSECURITY INVOKER\n\tAS $$\n\tSELECT \
                       'SECURITY DEFINER';\n$$";
        assert!(!declares_security_definer(invoker));
    }

    #[test]
    fn marks_set_returning_results() {
        assert_eq!(result_type("bigint".into(), false), "bigint");
        assert_eq!(result_type("bigint".into(), true), "SETOF bigint");
        assert_eq!(result_type("SETOF bigint".into(), true), "SETOF bigint");
    }
}
