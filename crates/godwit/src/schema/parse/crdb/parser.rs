//! The recursive-descent core: a cursor over one statement's tokens.
//!
//! Every statement parser takes a [`Cursor`] and returns [`PResult`]; the first error ends the
//! statement. Text that the model keeps "as written" (expressions, clause text, definitions) is
//! sliced from the source between two tokens, so it keeps the author's spacing and annotations.
//!
//! Expressions are not parsed: [`Cursor::expr`] takes tokens up to a stop word at parenthesis
//! depth 0 (and outside `CASE ... END`), which is how CockroachDB's grammar separates a
//! `DEFAULT b_expr` or a `WHERE a_expr` from the clauses after it.

use std::ops::Range;

use super::lexer::{Token, TokenKind};
use crate::schema::model::QualifiedName;
use crate::schema::parse::Location;

/// The schema an unqualified name belongs to.
pub(super) const DEFAULT_SCHEMA: &str = "public";

/// Why a statement could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParseError {
    /// The offending token, or the end of the statement.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

/// The result of parsing part of a statement.
pub(super) type PResult<T> = Result<T, ParseError>;

/// An identifier as written: its (folded or unquoted) value and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ident {
    /// The name: folded to lower case when unquoted.
    pub value: String,
    /// Where it was written.
    pub location: Location,
}

/// A position in one statement's tokens.
#[derive(Debug)]
pub(super) struct Cursor<'a> {
    src: &'a str,
    tokens: &'a [Token],
    pos: usize,
    /// Databases named by `db.schema.name` names, in the order they were read.
    pub databases: Vec<String>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the first of `tokens`, which were read from `src`.
    pub fn new(src: &'a str, tokens: &'a [Token]) -> Self {
        Cursor { src, tokens, pos: 0, databases: Vec::new() }
    }

    /// The index of the next token (for [`Cursor::text`] and backtracking).
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Go back to a position returned by [`Cursor::pos`].
    pub fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// The next token, if any.
    pub fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    /// The token `n` places after the next one.
    pub fn peek_nth(&self, n: usize) -> Option<&'a Token> {
        self.tokens.get(self.pos + n)
    }

    /// Take the next token.
    pub fn advance(&mut self) -> Option<&'a Token> {
        let token = self.tokens.get(self.pos)?;
        self.pos += 1;
        Some(token)
    }

    /// How many tokens the statement has.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Whether every token has been read.
    pub fn is_done(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// Where the next token is, or just past the last one.
    pub fn location(&self) -> Location {
        match self.peek() {
            Some(token) => token.location,
            None => self.end_location(),
        }
    }

    fn end_location(&self) -> Location {
        let Some(last) = self.tokens.last() else { return Location { line: 1, column: 1 } };
        let mut at = last.location;
        for c in self.src.get(last.start..last.end).unwrap_or_default().chars() {
            if c == '\n' {
                (at.line, at.column) = (at.line.saturating_add(1), 1);
            } else {
                at.column = at.column.saturating_add(1);
            }
        }
        at
    }

    /// Whether the next token is the keyword `kw` (given in lower case).
    pub fn at(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| is_keyword(t, kw))
    }

    /// Whether the next tokens are the keywords `kws`.
    pub fn at_all(&self, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(i, kw)| self.peek_nth(i).is_some_and(|t| is_keyword(t, kw)))
    }

    /// Whether the next token is one of the keywords `kws`.
    pub fn at_any(&self, kws: &[&str]) -> bool {
        kws.iter().any(|kw| self.at(kw))
    }

    /// Take the keyword `kw` if it is next.
    pub fn eat(&mut self, kw: &str) -> bool {
        let found = self.at(kw);
        self.pos += usize::from(found);
        found
    }

    /// Take the keywords `kws` if they are all next; otherwise take nothing.
    pub fn eat_all(&mut self, kws: &[&str]) -> bool {
        let found = self.at_all(kws);
        if found {
            self.pos += kws.len();
        }
        found
    }

    /// Take the keyword `kw`, or fail.
    pub fn expect(&mut self, kw: &str) -> PResult<()> {
        if self.eat(kw) { Ok(()) } else { Err(self.unexpected(&kw.to_uppercase())) }
    }

    /// Take the keywords `kws`, or fail at the first one missing.
    pub fn expect_all(&mut self, kws: &[&str]) -> PResult<()> {
        kws.iter().try_for_each(|kw| self.expect(kw))
    }

    /// Whether the next token is the operator or punctuation `op`.
    pub fn at_op(&self, op: &str) -> bool {
        self.peek().is_some_and(|t| t.kind == TokenKind::Op && t.value == op)
    }

    /// Take `op` if it is next.
    pub fn eat_op(&mut self, op: &str) -> bool {
        let found = self.at_op(op);
        self.pos += usize::from(found);
        found
    }

    /// Take `op`, or fail.
    pub fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) { Ok(()) } else { Err(self.unexpected(&format!("\"{op}\""))) }
    }

    /// Fail unless the statement has ended.
    pub fn expect_end(&self) -> PResult<()> {
        if self.is_done() { Ok(()) } else { Err(self.unexpected("the end of the statement")) }
    }

    /// An error at the next token.
    pub fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError { location: self.location(), message: message.into() }
    }

    /// "Expected X, found Y" at the next token.
    pub fn unexpected(&self, expected: &str) -> ParseError {
        let found = match self.peek() {
            Some(token) => {
                format!("\"{}\"", crate::schema::parse::preview(self.token_text(token), 40))
            }
            None => "the end of the statement".into(),
        };
        self.error(format!("Expected {expected}, found {found}"))
    }

    /// The source text of one token.
    pub fn token_text(&self, token: &Token) -> &'a str {
        self.src.get(token.start..token.end).unwrap_or_default()
    }

    /// The source text from the start of token `range.start` to the end of the token before
    /// `range.end`, as written; empty for an empty range.
    pub fn text(&self, range: Range<usize>) -> &'a str {
        let first = self.tokens.get(range.start);
        let last = range.end.checked_sub(1).and_then(|i| self.tokens.get(i));
        match (first, last) {
            (Some(first), Some(last)) if range.start < range.end => {
                self.src.get(first.start..last.end).unwrap_or_default()
            }
            _ => "",
        }
    }

    /// The source text from token `start` up to the next token.
    pub fn text_from(&self, start: usize) -> &'a str {
        self.text(start..self.pos)
    }

    /// The tokens in `range`.
    pub fn tokens(&self, range: Range<usize>) -> &'a [Token] {
        self.tokens.get(range).unwrap_or_default()
    }

    /// An identifier (quoted or not; keywords are accepted as names).
    pub fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek() {
            Some(t) if matches!(t.kind, TokenKind::Ident | TokenKind::QuotedIdent) => {
                self.pos += 1;
                Ok(Ident { value: t.value.clone(), location: t.location })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// Whether the next token is an identifier (quoted or not).
    pub fn at_ident(&self) -> bool {
        self.peek().is_some_and(|t| matches!(t.kind, TokenKind::Ident | TokenKind::QuotedIdent))
    }

    /// A dotted name: `a`, `a.b`, `a.b.c`, ...
    pub fn dotted(&mut self, what: &str) -> PResult<Vec<Ident>> {
        let mut parts = vec![self.ident(what)?];
        while self.at_op(".") {
            self.pos += 1;
            parts.push(self.ident(what)?);
        }
        Ok(parts)
    }

    /// A table, view, type or routine name; `db.schema.name` drops (and records) the database,
    /// and an unqualified name is in [`DEFAULT_SCHEMA`].
    pub fn qualified(&mut self, what: &str) -> PResult<QualifiedName> {
        let at = self.location();
        let parts = self.dotted(what)?;
        self.resolve(parts, at)
    }

    /// Turn dotted parts into a schema-qualified name (see [`Cursor::qualified`]).
    pub fn resolve(&mut self, mut parts: Vec<Ident>, at: Location) -> PResult<QualifiedName> {
        let name = parts.pop().map(|p| p.value).unwrap_or_default();
        let schema = parts.pop().map_or_else(|| DEFAULT_SCHEMA.to_owned(), |p| p.value);
        if let Some(database) = parts.pop() {
            self.databases.push(database.value);
        }
        if !parts.is_empty() {
            return Err(ParseError { location: at, message: "Too many dotted names".into() });
        }
        Ok(QualifiedName::new(schema, name))
    }

    /// A parenthesized group, balanced; returns the range of the tokens inside.
    pub fn group(&mut self) -> PResult<Range<usize>> {
        let open = self.location();
        self.expect_op("(")?;
        let start = self.pos;
        let mut depth = 1usize;
        while let Some(token) = self.advance() {
            if token.kind == TokenKind::Op {
                match token.value.as_str() {
                    "(" => depth += 1,
                    ")" => depth -= 1,
                    _ => {}
                }
            }
            if depth == 0 {
                return Ok(start..self.pos - 1);
            }
        }
        Err(ParseError { location: open, message: "This parenthesis is never closed".into() })
    }

    /// `( item, item, ... )` with at least one item.
    pub fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        self.expect_op("(")?;
        let mut items = vec![item(self)?];
        while self.eat_op(",") {
            items.push(item(self)?);
        }
        self.expect_op(")")?;
        Ok(items)
    }

    /// `( name, name, ... )`.
    pub fn name_list(&mut self, what: &str) -> PResult<Vec<String>> {
        self.list(|c| c.ident(what).map(|i| i.value))
    }

    /// An expression: at least one token, then tokens up to (not including) a `,` or `)` at
    /// depth 0, the end of the statement, or a token where `stop` says so at depth 0 outside
    /// `CASE ... END`. Returns the range of its tokens.
    pub fn expr(&mut self, what: &str, stop: impl Fn(&Self) -> bool) -> PResult<Range<usize>> {
        let start = self.pos;
        let (mut depth, mut cases) = (0usize, 0usize);
        while let Some(token) = self.peek() {
            let top = depth == 0 && cases == 0;
            if self.pos > start && top && (self.at_op(",") || self.at_op(")") || stop(self)) {
                break;
            }
            match (token.kind, token.value.as_str()) {
                (TokenKind::Op, "(" | "[") => depth += 1,
                (TokenKind::Op, ")" | "]") if depth == 0 => break,
                (TokenKind::Op, ")" | "]") => depth -= 1,
                (TokenKind::Ident, "case") => cases += 1,
                (TokenKind::Ident, "end") => cases = cases.saturating_sub(1),
                _ => {}
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.unexpected(what));
        }
        if depth > 0 {
            return Err(self.error("Unbalanced parentheses in an expression"));
        }
        Ok(start..self.pos)
    }

    /// A signed integer literal (`-9223372036854775808` included).
    pub fn integer(&mut self, what: &str) -> PResult<i64> {
        let at = self.location();
        let negative = self.eat_op("-");
        if !negative {
            self.eat_op("+");
        }
        let token = self.peek().filter(|t| t.kind == TokenKind::Number);
        let Some(token) = token else { return Err(self.unexpected(what)) };
        self.pos += 1;
        let text = if negative { format!("-{}", token.value) } else { token.value.clone() };
        text.parse().map_err(|_| ParseError {
            location: at,
            message: format!("{text} is not a 64-bit integer"),
        })
    }

    /// A string literal's value (`'...'` or `e'...'`).
    pub fn string(&mut self, what: &str) -> PResult<String> {
        match self.peek() {
            Some(t) if matches!(t.kind, TokenKind::String(_)) => {
                self.pos += 1;
                Ok(t.value.clone())
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// Take tokens up to the end of the statement and return their text.
    pub fn rest(&mut self) -> &'a str {
        let start = self.pos;
        self.pos = self.tokens.len();
        self.text_from(start)
    }
}

/// Whether `token` is the unquoted keyword `kw` (given in lower case).
pub(super) fn is_keyword(token: &Token, kw: &str) -> bool {
    token.kind == TokenKind::Ident && token.value == kw
}

/// Whether `token` is the operator or punctuation `op`.
pub(super) fn is_op(token: &Token, op: &str) -> bool {
    token.kind == TokenKind::Op && token.value == op
}

/// The tokens' text on one line: one space wherever the source had white space between two
/// tokens, except after `(` and before `)` or `,`.
pub(super) fn compact(cursor: &Cursor<'_>, range: Range<usize>) -> String {
    let mut out = String::new();
    let mut previous: Option<&Token> = None;
    for token in cursor.tokens(range) {
        if let Some(prev) = previous {
            let gap = prev.end < token.start;
            let tight = (prev.kind == TokenKind::Op && prev.value == "(")
                || (token.kind == TokenKind::Op && matches!(token.value.as_str(), ")" | ","));
            if gap && !tight {
                out.push(' ');
            }
        }
        out.push_str(cursor.token_text(token));
        previous = Some(token);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn with<T>(src: &str, f: impl FnOnce(&mut Cursor<'_>) -> T) -> T {
        let tokens = lex(src).tokens;
        let mut cursor = Cursor::new(src, &tokens);
        f(&mut cursor)
    }

    #[test]
    fn resolves_names_to_schemas_and_records_databases() {
        with("t s.t db.s.t a.b.c.d", |c| {
            assert_eq!(c.qualified("name").unwrap(), QualifiedName::new("public", "t"));
            assert_eq!(c.qualified("name").unwrap(), QualifiedName::new("s", "t"));
            assert_eq!(c.qualified("name").unwrap(), QualifiedName::new("s", "t"));
            assert_eq!(c.databases, ["db"]);
            let err = c.qualified("name").unwrap_err();
            assert_eq!(err.location, Location { line: 1, column: 14 });
        });
    }

    #[test]
    fn expressions_stop_at_depth_zero_only() {
        with("f(a, NOT b) + CASE WHEN x THEN NULL END NOT NULL, next", |c| {
            let range = c.expr("an expression", |c| c.at("not") || c.at("null")).unwrap();
            assert_eq!(c.text(range), "f(a, NOT b) + CASE WHEN x THEN NULL END");
            assert!(c.at("not"));
        });
        with("NULL NOT NULL", |c| {
            let range = c.expr("an expression", |c| c.at("null") || c.at("not")).unwrap();
            assert_eq!(c.text(range), "NULL");
        });
        with(")", |c| assert!(c.expr("an expression", |_| false).is_err()));
        with("(a", |c| assert!(c.expr("an expression", |_| false).is_err()));
    }

    #[test]
    fn groups_are_balanced() {
        with("(a, (b, c)) d", |c| {
            let inner = c.group().unwrap();
            assert_eq!(c.text(inner), "a, (b, c)");
            assert!(c.at("d"));
        });
        with("(a, (b", |c| {
            let err = c.group().unwrap_err();
            assert_eq!(err.message, "This parenthesis is never closed");
        });
    }

    #[test]
    fn reads_integers_of_the_full_range() {
        with("-9223372036854775808 +5 9223372036854775808 x", |c| {
            assert_eq!(c.integer("n").unwrap(), i64::MIN);
            assert_eq!(c.integer("n").unwrap(), 5);
            assert!(c.integer("n").is_err());
            assert!(c.integer("n").is_err());
        });
    }

    #[test]
    fn keyword_helpers_match_unquoted_identifiers_only() {
        with("NOT \"null\" VISIBLE", |c| {
            assert!(c.at_all(&["not"]));
            assert!(!c.at_all(&["not", "null"]));
            assert!(c.eat("not"));
            assert!(!c.at("null"));
            assert_eq!(c.ident("name").unwrap().value, "null");
            assert!(c.expect("visible").is_ok());
            assert_eq!(
                c.expect("x").unwrap_err().message,
                "Expected X, found the end of the statement"
            );
        });
    }

    #[test]
    fn errors_at_the_end_point_past_the_last_token() {
        with("a\n  bc", |c| {
            c.rest();
            assert_eq!(c.location(), Location { line: 2, column: 5 });
        });
    }

    #[test]
    fn compacts_text_onto_one_line() {
        with("(\n    INOUT double INT8,\n    OUT triple  INT8\n)", |c| {
            let inner = c.group().unwrap();
            assert_eq!(compact(c, inner), "INOUT double INT8, OUT triple INT8");
        });
        with("x INT8 DEFAULT 'a  b'", |c| assert_eq!(compact(c, 0..4), "x INT8 DEFAULT 'a  b'"));
    }
}
