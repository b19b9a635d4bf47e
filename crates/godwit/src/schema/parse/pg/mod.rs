//! Reading `pg_dump --schema-only` output (or hand-written PostgreSQL DDL) into the schema
//! model, the way introspection would describe the same schema.
//!
//! ```text
//!   file ──split (psql rules, meta-commands blanked)──▶ statements with offsets
//!        ──pg_query::parse (PostgreSQL's own grammar)──▶ parse tree per statement
//!        ──apply, statement by statement, in file order──▶ Schema + locations
//! ```
//!
//! The reader is an interpreter: each statement changes the model as the server would change
//! its catalogs (`ALTER TABLE ... ADD CONSTRAINT` adds the constraint and, for a primary key,
//! the index behind it; `ATTACH PARTITION` clones the parent's indexes onto the partition).
//! Expressions are cut out of the statement text, because `pg_dump` writes them exactly as
//! `pg_get_expr` and friends print them, which is also what introspection reports; names left
//! unqualified by older dumps are qualified through the dump's `search_path`.
//!
//! What a file cannot tell is left empty: owners not set by `ALTER ... OWNER TO`, row counts
//! and sizes, sequence `last_value`, view output columns, extension versions not written in
//! `CREATE EXTENSION`. Every database has the `public` schema and the `plpgsql` extension, so
//! both are listed even when the dump does not create them (modern dumps never do).
//!
//! Problems never stop the reader: a statement that does not parse, or that refers to an
//! object the file never created, becomes a [`Diagnostic`](super::Diagnostic) and the next
//! statement is read.
//! Statements that are valid but hold no schema (`SET`, `INSERT`, `CREATE PUBLICATION`, psql
//! meta-commands) are listed in [`Parsed::skipped`].
//!
//! Limits: `pg_query` hands the parse tree over as protobuf, and its decoder stops at 100
//! levels of nesting (some 45 chained `||`). A statement that deep is parsed again with its
//! expression bodies (view query, `CHECK`, `WHERE`, `WHEN`, `USING`, generation expressions)
//! blanked out, which loses nothing but the columns a deep `CHECK` refers to; only when the
//! depth is elsewhere (a `DEFAULT`, a type) is it reported. Rules and policies have no
//! [`ObjectKey`] variant, so their locations are not recorded.
//!
//! [`ObjectKey`]: super::ObjectKey

mod alter;
mod constraint;
mod datatype;
mod drop;
mod expr;
mod index;
mod misc;
mod names;
mod naming;
mod partition;
mod privileges;
mod routine;
mod sequence;
mod shallow;
mod split;
mod state;
mod table;
mod tokens;
mod trigger;
mod typename;
mod view;

#[cfg(test)]
mod tests;

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use self::names::kind;
use self::split::Source;
use self::state::{Applied, Builder, Problem, Stmt};
use super::Parsed;
use crate::schema::model::{Extension, Grant};

/// Read a `pg_dump --schema-only` file (PostgreSQL DDL) into the schema model of database
/// `database`. Never fails and never panics: statements that cannot be read become
/// diagnostics with their line and column.
pub fn parse(text: &str, database: &str) -> Parsed {
    let source = Source::new(text);
    let mut builder = Builder::new(database);
    for (offset, command) in &source.meta_commands {
        builder.skipped.push((source.location(*offset), command.clone()));
    }
    for span in &source.statements {
        let stmt = Stmt::new(&source, source.slice(span.start, span.end), span.start);
        builder.statement(&stmt);
    }
    builder.finish()
}

impl Builder {
    /// Parse and apply one statement.
    fn statement(&mut self, stmt: &Stmt<'_>) {
        let parsed = match pg_query::parse(stmt.text, 0) {
            Ok(parsed) => parsed,
            Err(pg_query::Error::Decode(e)) => match reparse_shallow(stmt.text) {
                Some(parsed) => parsed,
                None => {
                    let problem = syntax_problem(stmt.text, pg_query::Error::Decode(e));
                    self.diagnose(stmt, &problem);
                    return;
                }
            },
            Err(e) => {
                let problem = syntax_problem(stmt.text, e);
                self.diagnose(stmt, &problem);
                return;
            }
        };
        for raw in &parsed.protobuf.stmts {
            let Some(node) = raw.stmt.as_deref().and_then(kind) else {
                continue;
            };
            if let Err(problem) = self.apply(stmt, node) {
                self.diagnose(stmt, &problem);
            }
        }
    }

    /// Apply one parsed statement to the model.
    fn apply(&mut self, stmt: &Stmt<'_>, node: &NodeEnum) -> Applied {
        match node {
            NodeEnum::CreateSchemaStmt(s) => {
                self.create_schema(stmt, s)?;
                self.schema_elements(stmt, s)
            }
            NodeEnum::CreateStmt(s) => self.create_table(stmt, s, None),
            NodeEnum::CreateForeignTableStmt(s) => match &s.base_stmt {
                Some(base) => self.create_table(stmt, base, Some(&s.servername)),
                None => Err(Problem::new("CREATE FOREIGN TABLE without a table")),
            },
            NodeEnum::AlterTableStmt(s) => self.alter_table(stmt, s),
            NodeEnum::IndexStmt(s) => self.create_index(stmt, s),
            NodeEnum::CreateSeqStmt(s) => self.create_sequence(stmt, s),
            NodeEnum::AlterSeqStmt(s) => self.alter_sequence(s),
            NodeEnum::CreateEnumStmt(s) => self.create_enum(stmt, s),
            NodeEnum::CompositeTypeStmt(s) => self.create_composite(stmt, s),
            NodeEnum::CreateRangeStmt(s) => self.create_range(stmt, s),
            NodeEnum::CreateDomainStmt(s) => self.create_domain(stmt, s),
            NodeEnum::AlterDomainStmt(s) => self.alter_domain(stmt, s),
            NodeEnum::AlterEnumStmt(s) => self.alter_enum(s),
            NodeEnum::ViewStmt(s) => self.create_view(stmt, s),
            NodeEnum::CreateTableAsStmt(s) => self.create_table_as(stmt, s),
            NodeEnum::CreateFunctionStmt(s) => self.create_function(stmt, s),
            NodeEnum::DefineStmt(s) if s.kind == ObjectType::ObjectAggregate as i32 => {
                self.create_aggregate(stmt, s)
            }
            NodeEnum::CreateTrigStmt(s) => self.create_trigger(stmt, s),
            NodeEnum::RuleStmt(s) => self.create_rule(stmt, s),
            NodeEnum::CreatePolicyStmt(s) => self.create_policy(stmt, s),
            NodeEnum::CreateExtensionStmt(s) => self.create_extension(s),
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::RenameStmt(_) | NodeEnum::AlterObjectSchemaStmt(_) => Err(Problem::new(
                "renaming objects and moving them between schemas is not supported",
            )),
            _ => {
                self.apply_other(stmt, node)?;
                Ok(())
            }
        }
    }

    /// Statements that change what the model holds only sometimes, or never.
    fn apply_other(&mut self, stmt: &Stmt<'_>, node: &NodeEnum) -> Applied {
        let modeled = match node {
            NodeEnum::CommentStmt(s) => self.comment(s)?,
            NodeEnum::GrantStmt(s) => self.grant(s)?,
            NodeEnum::AlterOwnerStmt(s) => self.alter_owner(s)?,
            NodeEnum::VariableSetStmt(s) => {
                self.set(s);
                self.skip(stmt, None);
                return Ok(());
            }
            NodeEnum::SelectStmt(s) if self.select(s) => {
                self.skip(stmt, None);
                return Ok(());
            }
            NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::CopyStmt(_) => {
                self.skip(stmt, Some("data, not schema"));
                return Ok(());
            }
            _ => false,
        };
        if !modeled {
            let words: Vec<&str> = stmt.body().split_whitespace().take(2).collect();
            let what = words.join(" ").to_uppercase();
            self.skip(stmt, Some(&format!("{what} is not part of the schema model")));
        }
        Ok(())
    }

    /// The statements inside `CREATE SCHEMA name CREATE TABLE ...`, created in that schema.
    fn schema_elements(
        &mut self,
        stmt: &Stmt<'_>,
        s: &pg_query::protobuf::CreateSchemaStmt,
    ) -> Applied {
        if s.schema_elts.is_empty() {
            return Ok(());
        }
        let saved = std::mem::replace(&mut self.search_path, vec![s.schemaname.clone()]);
        let mut outcome = Ok(());
        for element in s.schema_elts.iter().filter_map(kind) {
            if let Err(problem) = self.apply(stmt, element) {
                outcome = Err(problem);
                break;
            }
        }
        self.search_path = saved;
        outcome
    }

    /// The result: implicit objects added, every list sorted like introspection sorts it.
    fn finish(mut self) -> Parsed {
        self.ensure_schema("public");
        if !self.schema.extensions.iter().any(|e| e.name == "plpgsql") {
            self.schema.extensions.push(Extension {
                name: "plpgsql".into(),
                version: String::new(),
                schema: names::PG_CATALOG.into(),
                comment: Some("PL/pgSQL procedural language".into()),
            });
        }
        sort(&mut self.schema);
        self.skipped.sort_by_key(|(location, _)| *location);
        Parsed {
            schema: self.schema,
            locations: self.locations,
            diagnostics: self.diagnostics,
            skipped: self.skipped,
        }
    }
}

/// The tree of `sql` with its expression bodies replaced by placeholders (see [`shallow`]),
/// when the full tree is too deep to decode.
fn reparse_shallow(sql: &str) -> Option<pg_query::ParseResult> {
    pg_query::parse(&shallow::shallow(sql)?, 0).ok()
}

/// A parse error with the offending token's position within the statement.
fn syntax_problem(sql: &str, error: pg_query::Error) -> Problem {
    let message = match error {
        pg_query::Error::Parse(message) => message,
        // The parse tree comes back as protobuf, which the decoder refuses past 100 levels.
        pg_query::Error::Decode(_) => "the statement nests expressions more deeply than the \
                                       parser library can return (about 100 levels)"
            .to_owned(),
        other => other.to_string(),
    };
    let at = error_offset(sql, &message);
    Problem { message, at }
}

/// Where in `sql` the parser gave up. The parser reports only a message, so the position is
/// found by parsing ever longer prefixes (cut at token ends): an LR parser fails at the first
/// token it cannot accept, so the shortest prefix that fails with the same message ends with
/// the offending token.
fn error_offset(sql: &str, message: &str) -> Option<usize> {
    if let Some(nul) = sql.find('\0') {
        return Some(nul);
    }
    if message.ends_with("at end of input") {
        return Some(sql.trim_end().len());
    }
    let Ok(tokens) = tokens::scan(sql) else {
        let near =
            message.split_once("at or near \"").map(|(_, rest)| rest.trim_end_matches('"'))?;
        return sql.find(near.get(..near.len().min(20)).unwrap_or(near));
    };
    let end = |k: usize| tokens.get(k - 1).and_then(|t| usize::try_from(t.end).ok());
    let fails = |k: usize| {
        let prefix = end(k).and_then(|e| sql.get(..e));
        matches!(prefix.map(|p| pg_query::parse(p, 0)), Some(Err(pg_query::Error::Parse(m))) if m == message)
    };
    let (mut lo, mut hi) = (1, tokens.len());
    if hi == 0 || !fails(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    tokens.get(lo - 1).and_then(|t| usize::try_from(t.start).ok())
}

/// Put every list into the order introspection uses.
fn sort(schema: &mut crate::schema::Schema) {
    schema.schemas.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.columns.sort_by_key(|c| c.ordinal);
        table.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    for view in &mut schema.views {
        view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.views.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.sequences.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    let types = &mut schema.types;
    types.enums.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.domains.iter_mut().for_each(|d| d.checks.sort_by(|a, b| a.name.cmp(&b.name)));
    types.domains.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.composites.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    types.ranges.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    schema.routines.sort_by(|a, b| {
        (&a.schema, &a.name, &a.arguments).cmp(&(&b.schema, &b.name, &b.arguments))
    });
    let by_table = |s: &String, t: &String, n: &String| (s.clone(), t.clone(), n.clone());
    schema.triggers.sort_by_key(|t| by_table(&t.schema, &t.table, &t.name));
    schema.rules.sort_by_key(|r| by_table(&r.schema, &r.table, &r.name));
    schema.policies.sort_by_key(|p| by_table(&p.schema, &p.table, &p.name));
    schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    sort_grants(schema);
}

/// Order every ACL by grantee (`PUBLIC` first), grantor, grant option.
fn sort_grants(schema: &mut crate::schema::Schema) {
    fn order(grants: &mut Option<Vec<Grant>>) {
        if let Some(grants) = grants {
            grants.sort_by(|a, b| {
                (&a.grantee, &a.grantor, a.with_grant_option).cmp(&(
                    &b.grantee,
                    &b.grantor,
                    b.with_grant_option,
                ))
            });
        }
    }
    schema.schemas.iter_mut().for_each(|n| order(&mut n.privileges));
    schema.tables.iter_mut().for_each(|t| order(&mut t.privileges));
    schema.views.iter_mut().for_each(|v| order(&mut v.privileges));
    schema.sequences.iter_mut().for_each(|s| order(&mut s.privileges));
    schema.routines.iter_mut().for_each(|r| order(&mut r.privileges));
    schema.types.enums.iter_mut().for_each(|t| order(&mut t.privileges));
    schema.types.domains.iter_mut().for_each(|t| order(&mut t.privileges));
}
