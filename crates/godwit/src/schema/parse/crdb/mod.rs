//! CockroachDB DDL (`SHOW CREATE ...` output, or DDL written for CockroachDB) → [`Schema`].
//!
//! ```text
//!   text ──lexer──▶ tokens + comments ──split at ';'──▶ statements
//!                                                         │ parser (one Cursor per statement)
//!                                                         ▼
//!                         Statement (a table, an index, an ALTER, a COMMENT, ...)
//!                                                         │ build: create now, modify later
//!                                                         ▼
//!                                  Parsed { schema, locations, diagnostics, skipped }
//! ```
//!
//! Accepted: everything `SHOW CREATE TABLE`, `SHOW CREATE ALL TABLES|TYPES|SCHEMAS|ROUTINES|
//! TRIGGERS`, `SHOW CREATE SEQUENCE|VIEW|FUNCTION` and `SHOW ZONE CONFIGURATIONS` print from
//! v21.1 to v26.2, plus the usual hand-written forms of the same statements (inline
//! constraints, unnamed indexes, `CREATE INDEX`). See the submodules for how each construct is
//! represented; in short:
//!
//! | CockroachDB | model |
//! |---|---|
//! | `NOT VISIBLE` column, `ON UPDATE expr`, `FAMILY` | `Column.cockroach.{hidden, on_update, family}` |
//! | `FAMILY f (a, b)` | `Table.cockroach.families` (a lone `primary` family is not listed) |
//! | `LOCALITY ...`, `PARTITION [ALL] BY ...`, `INTERLEAVE IN PARENT ...` | clause text in `Table.cockroach` |
//! | `ALTER ... CONFIGURE ZONE ...` | statement text in `Table.cockroach.zone_configs` |
//! | `WITH (ttl = 'on', ...)` | `Table.options` as `name=value` |
//! | `PRIMARY KEY (...)` | a `PrimaryKey` constraint and a primary, unique index |
//! | `UNIQUE INDEX`, `UNIQUE (...)` | a unique index without a constraint |
//! | `UNIQUE WITHOUT INDEX ... [WHERE ...]` | a `Unique` constraint, `cockroach.{without_index, predicate}` |
//! | `INVERTED INDEX` | an index with method `gin` |
//! | `USING HASH [WITH (bucket_count = n)]` | `Index.cockroach.hash_sharded` |
//! | `STORING (...)` | `Index.include` |
//! | `NOT VISIBLE` / `VISIBILITY x` index | `Index.cockroach.not_visible` |
//! | `NOT VALID` | `validated: false` (until `VALIDATE CONSTRAINT`) |
//! | hidden `rowid` key, printed or implied by a table without primary key | a hidden `rowid` column and a `<table>_pkey` primary key on it |
//! | `ALTER TABLE ... ENABLE / FORCE ROW LEVEL SECURITY`, `CREATE POLICY` | `Table.{row_security, force_row_security}`, `Schema.policies` |
//! | `COMMENT ON ...` (`e'...'` decoded, `table@index` names) | the object's `comment` |
//!
//! Expressions (`DEFAULT`, computed columns, `CHECK`, predicates, `ON UPDATE`) are kept exactly
//! as written, `:::TYPE` annotations included; converters strip them. Names are folded like
//! CockroachDB folds them; unqualified names are in `public`, and `db.schema.name` drops the
//! database (the first database the text names becomes `Schema.database`). Owners, row counts
//! and sizes are not in DDL: owners are empty strings, counts and sizes `None`.
//!
//! Statements end at `;` outside strings, quoted identifiers, dollar bodies and comments (and
//! outside a `BEGIN ATOMIC ... END` routine body); the last one may lack its `;`. A `;` inside
//! parentheses also ends a statement: no statement read here can hold one there, and so an
//! unclosed `(` costs one statement instead of the rest of the file.
//!
//! [`Schema`]: crate::schema::model::Schema

mod alter;
mod build;
mod constraint;
mod datatype;
mod index;
mod lexer;
mod objects;
mod parser;
mod routine;
mod table;

use build::{Builder, Context, Statement};
use lexer::{Token, TokenKind};
use parser::{Cursor, PResult, is_keyword, is_op};

use super::{Parsed, preview};
use crate::schema::model::{Persistence, RoutineKind};

/// Parse CockroachDB `SHOW CREATE ...` output or CockroachDB DDL. `database` names the database
/// (used when the text doesn't say).
///
/// Never panics and never fails: a statement that cannot be read is a diagnostic, and the
/// next statement is read as if nothing happened.
pub fn parse(text: &str, database: &str) -> Parsed {
    let lexed = lexer::lex(text);
    let mut builder = Builder::new(database);
    for comment in &lexed.comments {
        if comment.text.trim_start_matches('-').trim_start().starts_with("Warning:") {
            builder.skip(comment.location, comment.text.clone());
        }
    }
    for tokens in statements(&lexed.tokens) {
        read_statement(text, tokens, &mut builder);
    }
    builder.finish()
}

/// The tokens of each statement, without the `;` that ends it.
fn statements(tokens: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let (mut start, mut atomic) = (0, 0usize);
    for (i, token) in tokens.iter().enumerate() {
        let after_begin = i > 0 && tokens.get(i - 1).is_some_and(|t| is_keyword(t, "begin"));
        if (is_keyword(token, "atomic") && after_begin) || (atomic > 0 && is_keyword(token, "case"))
        {
            atomic += 1;
        } else if atomic > 0 && is_keyword(token, "end") {
            atomic -= 1;
        } else if atomic == 0 && is_op(token, ";") {
            out.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    out.push(&tokens[start..]);
    out.retain(|s| !s.is_empty());
    out
}

fn read_statement(src: &str, tokens: &[Token], builder: &mut Builder) {
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else { return };
    let text = src.get(first.start..last.end).unwrap_or_default();
    let cx = Context { location: first.location, statement: preview(text, 80), text };
    if let Some(bad) = tokens.iter().find(|t| t.kind == TokenKind::Error) {
        builder.diagnose(&cx, bad.location, bad.value.clone());
        return;
    }
    let mut cursor = Cursor::new(src, tokens);
    match statement(&mut cursor) {
        Ok(statement) => builder.apply(statement, &cx, cursor.databases),
        Err(error) => builder.diagnose(&cx, error.location, error.message),
    }
}

fn statement(c: &mut Cursor<'_>) -> PResult<Statement> {
    let location = c.location();
    if c.eat("create") {
        create(c, location)
    } else if c.eat("alter") {
        Ok(match alter::alter(c)? {
            alter::Alter::Table(table, actions) => Statement::AlterTable(table, actions),
            alter::Alter::Zone(target) => Statement::Zone(target),
            alter::Alter::Skipped => Statement::Skipped,
        })
    } else if c.eat("comment") {
        Ok(match alter::comment(c)? {
            (alter::CommentTarget::Database, _) => Statement::Skipped,
            (target, text) => Statement::Comment(target, text),
        })
    } else if c.at_any(&["set", "reset", "use", "begin", "commit", "start"]) {
        Ok(session(c))
    } else {
        let word = c.peek().map(|t| c.token_text(t).to_uppercase()).unwrap_or_default();
        Err(c.error(format!("Not a statement godwit reads from a schema file: {word}")))
    }
}

/// `CREATE ...` after `CREATE`.
fn create(c: &mut Cursor<'_>, location: super::Location) -> PResult<Statement> {
    let replace = c.eat_all(&["or", "replace"]);
    let _ = c.eat("global") || c.eat("local");
    let persistence = if c.eat("temp") || c.eat("temporary") {
        Persistence::Temporary
    } else {
        Persistence::Permanent
    };
    c.eat("unlogged");
    let statement = if c.eat("table") {
        Statement::Table(Box::new(table::create_table(c, persistence, location)?))
    } else if index::index_head(c).is_some() {
        let (table, index) = index::create_index(c)?;
        Statement::Index(table, Box::new(index))
    } else if c.eat("sequence") {
        Statement::Sequence(Box::new(objects::create_sequence(c)?))
    } else if c.eat("view") || c.at_all(&["materialized", "view"]) {
        let materialized = c.eat_all(&["materialized", "view"]);
        let (view, columns) = objects::create_view(c, materialized)?;
        Statement::View(Box::new(view), columns)
    } else if c.eat("type") {
        Statement::Type(objects::create_type(c)?)
    } else if c.eat("schema") {
        Statement::Schema(objects::create_schema(c)?)
    } else if c.eat("function") {
        Statement::Routine(Box::new(routine::create_routine(c, RoutineKind::Function)?), replace)
    } else if c.eat("procedure") {
        Statement::Routine(Box::new(routine::create_routine(c, RoutineKind::Procedure)?), replace)
    } else if c.eat("trigger") || c.at_all(&["constraint", "trigger"]) {
        let constraint = c.eat_all(&["constraint", "trigger"]);
        Statement::Trigger(Box::new(routine::create_trigger(c, constraint)?), replace)
    } else if c.eat("policy") {
        Statement::Policy(Box::new(objects::create_policy(c)?))
    } else if c.eat("database") {
        c.rest();
        Statement::Skipped
    } else {
        return Err(c.unexpected(
            "TABLE, INDEX, SEQUENCE, VIEW, TYPE, SCHEMA, FUNCTION, PROCEDURE, TRIGGER or POLICY",
        ));
    };
    Ok(statement)
}

/// `SET`, `RESET`, `USE`, `BEGIN`, `COMMIT`, `START TRANSACTION`: session statements, of which
/// `USE db` and `SET database = db` name the database.
fn session(c: &mut Cursor<'_>) -> Statement {
    let names = c.eat("use") || (c.eat_all(&["set", "database"]) && (c.eat("to") || c.eat_op("=")));
    let database = if names { c.ident("a database").ok() } else { None };
    c.rest();
    match database {
        Some(name) => Statement::Database(name.value),
        None => Statement::Skipped,
    }
}

#[cfg(test)]
mod tests;
