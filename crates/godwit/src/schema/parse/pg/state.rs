//! What the reader accumulates while it walks the file, and the context of one statement.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::split::Source;
use super::tokens::{Tokens, offset};
use crate::dialect::Dialect;
use crate::schema::model::{Namespace, QualifiedName, Routine, Schema, Table, View};
use crate::schema::parse::{Diagnostic, Location, ObjectKey, preview};

/// The schema being built, and everything reported along the way.
#[derive(Debug)]
pub(super) struct Builder {
    /// The objects read so far (lists unsorted until [`Builder::finish`]).
    pub schema: Schema,
    /// Where each object was defined.
    pub locations: BTreeMap<ObjectKey, Location>,
    /// Statements that could not be read or applied.
    pub diagnostics: Vec<Diagnostic>,
    /// Statements read but not schema.
    pub skipped: Vec<(Location, String)>,
    /// The current `search_path`, as set by `SET search_path` or `set_config`.
    pub search_path: Vec<String>,
    /// The input types of each routine in `schema.routines` (same index), to find the
    /// routine an `ALTER FUNCTION f(integer)` or `COMMENT ON FUNCTION` names.
    pub signatures: Vec<Vec<String>>,
    /// Positions in `schema.tables` by name (rebuilt when a table is dropped; the list is only
    /// sorted at the end), so that large dumps are read in linear time.
    tables_by_name: HashMap<QualifiedName, usize>,
    /// Every relation name (table, view, sequence, index) in use, by schema.
    relations: HashSet<(String, String)>,
}

/// Something wrong with one statement: a message, and where in the statement (byte offset)
/// when a particular token is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// What is wrong, as a sentence.
    pub message: String,
    /// Byte offset within the statement, when known.
    pub at: Option<usize>,
}

/// The result of applying one statement.
pub(super) type Applied = Result<(), Problem>;

impl Problem {
    /// A problem with the statement as a whole.
    pub fn new(message: impl Into<String>) -> Problem {
        Problem { message: message.into(), at: None }
    }
}

/// One statement being applied: its text, tokens and position in the file.
#[derive(Debug)]
pub(super) struct Stmt<'a> {
    /// The statement text, from its first token to its `;`.
    pub text: &'a str,
    /// Byte offset of `text` in the file.
    pub base: usize,
    /// The statement's tokens.
    pub tokens: Tokens<'a>,
    source: &'a Source,
}

impl<'a> Stmt<'a> {
    /// The statement `text` found at byte `base` of `source`.
    pub fn new(source: &'a Source, text: &'a str, base: usize) -> Stmt<'a> {
        Stmt { text, base, tokens: Tokens::new(text), source }
    }

    /// Where the statement starts.
    pub fn location(&self) -> Location {
        self.source.location(self.base)
    }

    /// Where a node whose `location` field is `at` starts (the statement start when unknown).
    pub fn location_of(&self, at: i32) -> Location {
        if at < 0 {
            return self.location();
        }
        self.source.location(self.base + offset(at).min(self.text.len()))
    }

    /// The statement without its final `;` and surrounding white space.
    pub fn body(&self) -> &'a str {
        let text = self.text.trim_end();
        text.strip_suffix(';').unwrap_or(text).trim_end()
    }
}

impl Builder {
    /// An empty schema for `database`.
    pub fn new(database: &str) -> Builder {
        Builder {
            schema: Schema::empty(Dialect::Postgres, database.to_owned()),
            locations: BTreeMap::new(),
            diagnostics: Vec::new(),
            skipped: Vec::new(),
            search_path: vec!["public".to_owned()],
            signatures: Vec::new(),
            tables_by_name: HashMap::new(),
            relations: HashSet::new(),
        }
    }

    /// Report a problem with `stmt`.
    pub fn diagnose(&mut self, stmt: &Stmt<'_>, problem: &Problem) {
        let location = match problem.at {
            Some(at) => stmt.source.location(stmt.base + at.min(stmt.text.len())),
            None => stmt.location(),
        };
        self.diagnostics.push(Diagnostic {
            location,
            message: sentence(&problem.message),
            statement: preview(stmt.text, 80),
        });
    }

    /// Record that `stmt` was read but holds no schema, with the reason when there is one.
    pub fn skip(&mut self, stmt: &Stmt<'_>, reason: Option<&str>) {
        let text = match reason {
            Some(reason) => format!("{}: {}", sentence(reason), stmt.body()),
            None => stmt.body().to_owned(),
        };
        self.skipped.push((stmt.location(), text));
    }

    /// Remember where an object was defined (the first definition wins).
    pub fn locate(&mut self, key: ObjectKey, location: Location) {
        self.locations.entry(key).or_insert(location);
    }

    /// The schema `name`, added to the model when first seen.
    pub fn ensure_schema(&mut self, name: &str) -> &mut Namespace {
        let position = self.schema.schemas.iter().position(|s| s.name == name);
        let index = position.unwrap_or_else(|| {
            self.schema.schemas.push(Namespace {
                name: name.to_owned(),
                owner: String::new(),
                comment: None,
                privileges: None,
            });
            self.schema.schemas.len() - 1
        });
        &mut self.schema.schemas[index]
    }

    /// Add a table (its name must be free).
    pub fn push_table(&mut self, table: Table) {
        let name = table.qualified_name();
        self.register(&name.schema, &name.name);
        self.tables_by_name.insert(name, self.schema.tables.len());
        self.schema.tables.push(table);
    }

    /// Remove the table `name` and what goes with it (its indexes, triggers, rules, policies
    /// and the sequences its columns own); whether it existed.
    pub fn remove_table(&mut self, name: &QualifiedName) -> bool {
        let Some(index) = self.tables_by_name.get(name).copied() else {
            return false;
        };
        let table = self.schema.tables.remove(index);
        self.tables_by_name =
            self.schema.tables.iter().enumerate().map(|(i, t)| (t.qualified_name(), i)).collect();
        self.unregister(&name.schema, &name.name);
        for index in &table.indexes {
            self.unregister(&name.schema, &index.name);
        }
        let on = |schema: &String, t: &String| *schema == name.schema && *t == name.name;
        let s = &mut self.schema;
        s.triggers.retain(|t| !on(&t.schema, &t.table));
        s.rules.retain(|r| !on(&r.schema, &r.table));
        s.policies.retain(|p| !on(&p.schema, &p.table));
        let owned: Vec<QualifiedName> = s
            .sequences
            .iter()
            .filter(|q| q.owned_by.as_ref().is_some_and(|o| on(&o.schema, &o.table)))
            .map(|q| QualifiedName::new(q.schema.as_str(), q.name.as_str()))
            .collect();
        s.sequences.retain(|q| !owned.iter().any(|o| o.schema == q.schema && o.name == q.name));
        for sequence in owned {
            self.unregister(&sequence.schema, &sequence.name);
        }
        true
    }

    /// Note that the relation name `schema.name` is in use.
    pub fn register(&mut self, schema: &str, name: &str) {
        self.relations.insert((schema.to_owned(), name.to_owned()));
    }

    /// Note that the relation name `schema.name` is free again.
    pub fn unregister(&mut self, schema: &str, name: &str) {
        self.relations.remove(&(schema.to_owned(), name.to_owned()));
    }

    /// The table `name`, if the file defined it.
    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        let index = *self.tables_by_name.get(name)?;
        self.schema.tables.get_mut(index)
    }

    /// The table `name`, if the file defined it.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.schema.tables.get(*self.tables_by_name.get(name)?)
    }

    /// The view or materialized view `name`, if the file defined it.
    pub fn view_mut(&mut self, name: &QualifiedName) -> Option<&mut View> {
        self.schema.views.iter_mut().find(|v| v.schema == name.schema && v.name == name.name)
    }

    /// The index of the routine `name` whose input types are `inputs`; with `inputs` absent,
    /// the only routine of that name.
    pub fn routine_index(&self, name: &QualifiedName, inputs: Option<&[String]>) -> Option<usize> {
        let mut found = self.schema.routines.iter().enumerate().filter(|(i, r)| {
            r.schema == name.schema
                && r.name == name.name
                && inputs
                    .is_none_or(|inputs| self.signatures.get(*i).map(Vec::as_slice) == Some(inputs))
        });
        let first = found.next().map(|(i, _)| i);
        match (inputs, found.next()) {
            (None, Some(_)) => None,
            _ => first,
        }
    }

    /// Add a routine with its input types.
    pub fn add_routine(&mut self, routine: Routine, inputs: Vec<String>) {
        self.schema.routines.push(routine);
        self.signatures.push(inputs);
    }

    /// Whether any relation (table, view, sequence or index) called `name` exists in `schema`.
    pub fn relation_exists(&self, schema: &str, name: &str) -> bool {
        self.relations.contains(&(schema.to_owned(), name.to_owned()))
    }

    /// Whether a constraint called `name` exists on any table of `schema`.
    pub fn constraint_exists(&self, schema: &str, name: &str) -> bool {
        self.schema.tables.iter().any(|t| t.schema == schema && t.constraint(name).is_some())
    }
}

/// `message` with an upper-case first letter.
pub(super) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
