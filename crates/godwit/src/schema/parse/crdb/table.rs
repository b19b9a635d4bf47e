//! `CREATE TABLE`: columns, table elements and the CockroachDB clauses after the element list.
//!
//! - A column keeps its type as written (see [`super::datatype`]).
//! - `NOT VISIBLE` sets `cockroach.hidden`, `ON UPDATE` `cockroach.on_update`; `AS (expr)
//!   STORED|VIRTUAL` (with or without `GENERATED ALWAYS`) is a generated column, `GENERATED ...
//!   AS IDENTITY` an identity column (its sequence is not named by the DDL).
//! - `FAMILY name (columns)` elements, and `FAMILY f` / `CREATE FAMILY f` column qualifiers, fill
//!   `cockroach.families` and each column's `cockroach.family`. A lone family called `primary`
//!   is CockroachDB's default and is not listed (v21.1 printed it, later versions do not).
//! - A table whose DDL names no primary key gets what CockroachDB adds: a hidden
//!   `rowid INT8 NOT VISIBLE NOT NULL DEFAULT unique_rowid()` column (`rowid_1` when `rowid` is
//!   taken) and `<table>_pkey PRIMARY KEY (rowid ASC)`. `SHOW CREATE` prints both, so printed
//!   DDL is read as is.
//! - `INTERLEAVE IN PARENT`, `PARTITION [ALL] BY`, `LOCALITY` are kept as clause text in
//!   `cockroach`; `WITH (name = value)` storage parameters become `options` as `name=value`,
//!   the value as written (`ttl_expire_after='00:10:00':::INTERVAL`).
//! - `INDEX`, `INVERTED INDEX` and `FAMILY` are not reserved words, so an element starting with
//!   one is read as an element first and, if that fails, as a column with that name.

use super::constraint::{
    TableConstraint, check, name_unnamed, new_constraint, primary_key, references, table_constraint,
};
use super::datatype::type_name;
use super::index::{
    BTREE, find_shard_columns, index_clauses, index_element, index_head, interleave, new_index,
    param_text, partition_by, storage_params,
};
use super::parser::{Cursor, Ident, PResult};
use crate::schema::model::{
    Column, ColumnFamily, ConstraintKind, Generated, GeneratedKind, Identity, IdentityKind, Index,
    IndexKey, IndexTarget, Persistence, QualifiedName, ReplicaIdentity, Table, TableKind,
};
use crate::schema::parse::{Location, ObjectKey};

/// A table read from one `CREATE TABLE`, with where each of its parts was written.
#[derive(Debug)]
pub(super) struct TableDef {
    /// The table, complete: names given, families assigned, implied key added.
    pub table: Table,
    /// Where the columns, constraints and indexes were written.
    pub locations: Vec<(ObjectKey, Location)>,
    /// True when the DDL named no primary key and the hidden `rowid` key was added.
    pub implied_key: bool,
}

/// Words that end a `DEFAULT` or `ON UPDATE` expression (CockroachDB's `b_expr` has no
/// boolean operators, so none of them can be inside one at depth 0).
const COLUMN_STOPS: &[&str] = &[
    "not",
    "null",
    "default",
    "on",
    "as",
    "generated",
    "constraint",
    "primary",
    "unique",
    "references",
    "check",
    "family",
    "create",
    "collate",
];

/// A column with the given type and every other property at its default.
pub(super) fn new_column(name: &str, data_type: &str, ordinal: i32) -> Column {
    Column::new(name, ordinal, data_type)
}

/// A table without columns, constraints or indexes. The owner is not in DDL text: it is empty.
pub(super) fn new_table(name: QualifiedName, persistence: Persistence) -> Table {
    Table {
        schema: name.schema,
        name: name.name,
        kind: TableKind::Regular,
        persistence,
        partition_of: None,
        inherits: Vec::new(),
        partition_key: None,
        foreign_server: None,
        owner: String::new(),
        estimated_rows: None,
        total_bytes: None,
        replica_identity: ReplicaIdentity::Default,
        row_security: false,
        force_row_security: false,
        options: Vec::new(),
        comment: None,
        privileges: None,
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        cockroach: Default::default(),
    }
}

/// `CREATE [TEMP] TABLE ...` after `TABLE`; `location` is where the statement starts.
pub(super) fn create_table(
    c: &mut Cursor<'_>,
    persistence: Persistence,
    location: Location,
) -> PResult<TableDef> {
    c.eat_all(&["if", "not", "exists"]);
    let name = c.qualified("a table name")?;
    reject_create_table_as(c)?;
    let mut parts = Parts::new(new_table(name, persistence));
    c.expect_op("(")?;
    if !c.at_op(")") {
        element(c, &mut parts)?;
        while c.eat_op(",") {
            element(c, &mut parts)?;
        }
    }
    c.expect_op(")")?;
    suffixes(c, &mut parts.table)?;
    c.expect_end()?;
    Ok(parts.finish(location))
}

/// `CREATE TABLE t [(columns)] AS SELECT ...` names no column types: it cannot be modelled.
fn reject_create_table_as(c: &mut Cursor<'_>) -> PResult<()> {
    let start = c.pos();
    if c.at_op("(") {
        c.group()?;
    }
    let ctas = c.at("as");
    c.reset(start);
    if ctas {
        return Err(c.error(
            "CREATE TABLE ... AS does not name the column types; use the output of SHOW CREATE \
             TABLE instead",
        ));
    }
    Ok(())
}

/// One element of the list: a column, a constraint, an index or a family.
fn element(c: &mut Cursor<'_>, parts: &mut Parts) -> PResult<()> {
    let (start, at) = (c.pos(), c.location());
    if c.eat("constraint") {
        let name = c.ident("a constraint name")?.value;
        let constraint = table_constraint(c, name, &parts.name())?;
        parts.add_constraint(constraint, c.text_from(start), at);
    } else if c.at_any(&["primary", "check", "foreign"])
        || (c.at("unique") && index_head(c).is_none())
    {
        let constraint = table_constraint(c, String::new(), &parts.name())?;
        parts.add_constraint(constraint, c.text_from(start), at);
    } else if c.at("like") {
        return Err(c.error(
            "CREATE TABLE ... (LIKE ...) is not supported: the columns come from another table",
        ));
    } else if index_head(c).is_some() || c.at("family") {
        return keyword_element_or_column(c, parts);
    } else {
        let column = column(c, &parts.name())?;
        parts.add_column(column);
    }
    Ok(())
}

/// An element that starts with `INDEX`, `INVERTED INDEX` or `FAMILY`, or else a column named
/// with that word; on failure, the error that got further.
fn keyword_element_or_column(c: &mut Cursor<'_>, parts: &mut Parts) -> PResult<()> {
    let (start, at) = (c.pos(), c.location());
    let element_error = match keyword_element(c) {
        Ok(element) if c.at_op(",") || c.at_op(")") => {
            match element {
                KeywordElement::Index(mut index) => {
                    index.definition = c.text_from(start).to_owned();
                    parts.add_index(*index, at);
                }
                KeywordElement::Family(family) => parts.families.push(family),
            }
            return Ok(());
        }
        Ok(_) => c.unexpected("\",\" or \")\""),
        Err(error) => error,
    };
    c.reset(start);
    match column(c, &parts.name()) {
        Ok(column) => {
            parts.add_column(column);
            Ok(())
        }
        Err(column_error) if column_error.location > element_error.location => Err(column_error),
        Err(_) => Err(element_error),
    }
}

enum KeywordElement {
    Index(Box<Index>),
    Family(ColumnFamily),
}

fn keyword_element(c: &mut Cursor<'_>) -> PResult<KeywordElement> {
    if let Some((unique, method, words)) = index_head(c) {
        (0..words).for_each(|_| {
            c.advance();
        });
        return Ok(KeywordElement::Index(Box::new(index_element(c, unique, method)?)));
    }
    c.expect("family")?;
    let name = if c.at_op("(") { String::new() } else { c.ident("a family name")?.value };
    let columns = c.name_list("a column name")?;
    Ok(KeywordElement::Family(ColumnFamily { name, columns }))
}

/// A column definition as written, before it joins its table.
struct ColumnDef {
    column: Column,
    location: Location,
    /// The name as written (quoted if it was), for the definitions of inline constraints.
    written: String,
    constraints: Vec<(TableConstraint, Location)>,
    /// `FAMILY f` or `CREATE FAMILY [f]` (empty when unnamed).
    family: Option<String>,
}

fn column(c: &mut Cursor<'_>, table: &QualifiedName) -> PResult<ColumnDef> {
    let start = c.pos();
    let Ident { value, location } = c.ident("a column name")?;
    let written = c.text_from(start).to_owned();
    let kind = type_name(c)?;
    let mut column = new_column(&value, &kind.data_type, 0);
    (column.base_type, column.array_dimensions) = (kind.base_type, kind.array_dimensions);
    let mut def = ColumnDef { column, location, written, constraints: Vec::new(), family: None };
    while !c.is_done() && !c.at_op(",") && !c.at_op(")") {
        qualifier(c, &mut def, table)?;
    }
    Ok(def)
}

/// One column qualifier.
fn qualifier(c: &mut Cursor<'_>, def: &mut ColumnDef, table: &QualifiedName) -> PResult<()> {
    let column = &mut def.column;
    if c.eat_all(&["not", "null"]) {
        column.not_null = true;
    } else if c.eat("null") {
        column.not_null = false;
    } else if c.eat_all(&["not", "visible"]) {
        column.cockroach.hidden = true;
    } else if c.eat("visible") {
        column.cockroach.hidden = false;
    } else if c.eat("default") {
        let range = c.expr("a default expression", |c| c.at_any(COLUMN_STOPS))?;
        column.default = Some(c.text(range).to_owned());
    } else if c.eat_all(&["on", "update"]) {
        let range = c.expr("an ON UPDATE expression", |c| c.at_any(COLUMN_STOPS))?;
        column.cockroach.on_update = Some(c.text(range).to_owned());
    } else if c.at("as") || c.at("generated") {
        generated(c, column)?;
    } else if c.eat("collate") {
        column.collation = Some(super::index::catalog_name(c, "a collation")?);
    } else if c.eat("family") {
        def.family = Some(c.ident("a family name")?.value);
    } else if c.eat("create") {
        c.eat_all(&["if", "not", "exists"]);
        c.expect("family")?;
        let named = c.at_ident() && !c.at_any(COLUMN_STOPS);
        def.family = Some(if named { c.ident("a family name")?.value } else { String::new() });
    } else {
        let at = c.location();
        let name =
            if c.eat("constraint") { c.ident("a constraint name")?.value } else { String::new() };
        if !name.is_empty() && !c.at_any(&["primary", "unique", "references", "check"]) {
            // `CONSTRAINT name NOT NULL` (or `NULL`, `DEFAULT`): the next qualifier follows; a
            // not-null constraint is the column's `not_null`, without a name.
            return Ok(());
        }
        let constraint = inline_constraint(c, name, def, table)?;
        def.constraints.push((constraint, at));
    }
    Ok(())
}

/// `AS (expr) STORED|VIRTUAL`, `GENERATED ALWAYS AS (expr) ...` or `GENERATED ALWAYS|BY
/// DEFAULT AS IDENTITY [(sequence options)]`.
fn generated(c: &mut Cursor<'_>, column: &mut Column) -> PResult<()> {
    let mut kind = IdentityKind::Always;
    if c.eat("generated") && !c.eat("always") {
        c.expect_all(&["by", "default"])?;
        kind = IdentityKind::ByDefault;
    }
    c.expect("as")?;
    if c.eat("identity") {
        if c.at_op("(") {
            c.group()?;
        }
        column.identity = Some(Identity { kind, sequence: None });
        return Ok(());
    }
    let inner = c.group()?;
    let kind = if c.eat("stored") { GeneratedKind::Stored } else { GeneratedKind::Virtual };
    c.eat("virtual");
    column.generated = Some(Generated { kind, expression: c.text(inner).to_owned() });
    Ok(())
}

/// `PRIMARY KEY`, `UNIQUE [WITHOUT INDEX]`, `REFERENCES ...` or `CHECK (...)` on a column.
/// Definitions name the column, as a table constraint would: `FOREIGN KEY (a) REFERENCES ...`.
fn inline_constraint(
    c: &mut Cursor<'_>,
    name: String,
    def: &ColumnDef,
    table: &QualifiedName,
) -> PResult<TableConstraint> {
    let start = c.pos();
    let columns = vec![def.column.name.clone()];
    let column = &def.written;
    let mut result = if c.eat_all(&["primary", "key"]) {
        let mut index = new_index(String::new(), BTREE, vec![column_key(&def.column.name)]);
        index_clauses(c, &mut index)?;
        primary_key(name, table, columns, index)
    } else if c.eat_all(&["unique", "without", "index"]) {
        let mut constraint = new_constraint(name, ConstraintKind::Unique, columns, String::new());
        constraint.cockroach.without_index = true;
        TableConstraint::Other(Box::new(constraint))
    } else if c.eat("unique") {
        let mut index = new_index(name, BTREE, vec![column_key(&def.column.name)]);
        index.unique = true;
        index_clauses(c, &mut index)?;
        TableConstraint::UniqueIndex(Box::new(index))
    } else if c.at("references") {
        let mut constraint =
            new_constraint(name, ConstraintKind::ForeignKey, columns, String::new());
        constraint.foreign_key = Some(references(c)?);
        TableConstraint::Other(Box::new(constraint))
    } else if c.at("check") {
        TableConstraint::Other(Box::new(check(c, name)?))
    } else {
        return Err(c.unexpected("a column qualifier"));
    };
    inline_definition(&mut result, c.text_from(start), column);
    Ok(result)
}

/// The definition of an inline constraint names its column, as a table constraint would:
/// `PRIMARY KEY (a) USING HASH`, `UNIQUE (a)`, `FOREIGN KEY (a) REFERENCES ...`.
fn inline_definition(result: &mut TableConstraint, written: &str, column: &str) {
    let definition = match &*result {
        TableConstraint::Other(c) if c.kind == ConstraintKind::ForeignKey => {
            format!("FOREIGN KEY ({column}) {written}")
        }
        TableConstraint::Other(c) if c.kind == ConstraintKind::Check => written.to_owned(),
        _ => {
            let (keyword, rest) = split_key_words(written);
            format!("{keyword} ({column}){rest}")
        }
    };
    match result {
        TableConstraint::Primary(constraint, index) => {
            constraint.definition.clone_from(&definition);
            index.definition = definition;
        }
        TableConstraint::Other(constraint) => constraint.definition = definition,
        TableConstraint::UniqueIndex(index) => index.definition = definition,
    }
}

/// `PRIMARY KEY USING HASH` → (`PRIMARY KEY`, ` USING HASH`); likewise `UNIQUE [WITHOUT INDEX]`.
fn split_key_words(written: &str) -> (&str, &str) {
    let words = written.split_whitespace().take_while(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "primary" | "key" | "unique" | "without" | "index"
        )
    });
    let mut end = 0;
    for word in words {
        end = written[end..].find(word).map_or(end, |at| end + at + word.len());
    }
    written.split_at(end)
}

fn column_key(name: &str) -> IndexKey {
    IndexKey {
        target: IndexTarget::Column(name.to_owned()),
        opclass: None,
        collation: None,
        descending: false,
        nulls_first: true,
    }
}

/// `INTERLEAVE IN PARENT`, `PARTITION BY`, `WITH (...)`, `LOCALITY` and `ON COMMIT`, in any order.
fn suffixes(c: &mut Cursor<'_>, table: &mut Table) -> PResult<()> {
    loop {
        if c.at_all(&["interleave", "in", "parent"]) {
            table.cockroach.interleave = Some(interleave(c)?);
        } else if c.at("partition") {
            table.cockroach.partitioning = partition_by(c)?;
        } else if c.at("with") {
            for (name, value) in storage_params(c)? {
                table.options.push(param_text(c, &name, value));
            }
        } else if c.eat("locality") {
            table.cockroach.locality = Some(locality(c)?);
        } else if c.eat_all(&["on", "commit"]) {
            if !(c.eat_all(&["preserve", "rows"])
                || c.eat_all(&["delete", "rows"])
                || c.eat("drop"))
            {
                return Err(c.unexpected("PRESERVE ROWS, DELETE ROWS or DROP"));
            }
        } else {
            return Ok(());
        }
    }
}

/// `GLOBAL`, `REGIONAL BY ROW [AS column]`, `REGIONAL [BY TABLE] [IN PRIMARY REGION | IN
/// region]`, as written.
pub(super) fn locality(c: &mut Cursor<'_>) -> PResult<String> {
    let start = c.pos();
    if c.eat("global") {
        return Ok(c.text_from(start).to_owned());
    }
    c.expect("regional")?;
    if c.eat_all(&["by", "row"]) {
        if c.eat("as") {
            c.ident("a region column")?;
        }
    } else {
        c.eat_all(&["by", "table"]);
        if c.eat("in") && !c.eat_all(&["primary", "region"]) {
            c.ident("a region")?;
        }
    }
    Ok(c.text_from(start).to_owned())
}

/// The elements of one `CREATE TABLE` while they are read.
struct Parts {
    table: Table,
    column_locations: Vec<Location>,
    constraint_locations: Vec<Location>,
    index_locations: Vec<Location>,
    families: Vec<ColumnFamily>,
    /// `(column, family)` from column qualifiers; an empty family name means unnamed.
    column_families: Vec<(String, String)>,
}

impl Parts {
    fn new(table: Table) -> Self {
        Parts {
            table,
            column_locations: Vec::new(),
            constraint_locations: Vec::new(),
            index_locations: Vec::new(),
            families: Vec::new(),
            column_families: Vec::new(),
        }
    }

    fn name(&self) -> QualifiedName {
        self.table.qualified_name()
    }

    fn add_column(&mut self, def: ColumnDef) {
        let ColumnDef { mut column, location, constraints, family, .. } = def;
        column.ordinal = i32::try_from(self.table.columns.len() + 1).unwrap_or(i32::MAX);
        if let Some(family) = family {
            self.column_families.push((column.name.clone(), family));
        }
        self.table.columns.push(column);
        self.column_locations.push(location);
        for (constraint, at) in constraints {
            self.add_constraint(constraint, "", at);
        }
    }

    /// Add a constraint element; a non-empty `written` (the whole element) becomes the
    /// definition of the index behind it.
    fn add_constraint(&mut self, constraint: TableConstraint, written: &str, at: Location) {
        match constraint {
            TableConstraint::Primary(constraint, mut index) => {
                if !written.is_empty() {
                    index.definition = written.to_owned();
                }
                self.table.constraints.push(*constraint);
                self.constraint_locations.push(at);
                self.add_index(*index, at);
            }
            TableConstraint::UniqueIndex(mut index) => {
                if !written.is_empty() {
                    index.definition = written.to_owned();
                }
                self.add_index(*index, at);
            }
            TableConstraint::Other(constraint) => {
                self.table.constraints.push(*constraint);
                self.constraint_locations.push(at);
            }
        }
    }

    fn add_index(&mut self, index: Index, at: Location) {
        self.table.indexes.push(index);
        self.index_locations.push(at);
    }

    fn finish(mut self, location: Location) -> TableDef {
        self.assign_families();
        let implied_key =
            !self.table.constraints.iter().any(|c| c.kind == ConstraintKind::PrimaryKey);
        if implied_key {
            self.add_implied_key(location);
        }
        let key_columns: Vec<String> =
            self.table.primary_key().map(|pk| pk.columns.clone()).unwrap_or_default();
        for column in self.table.columns.iter_mut().filter(|c| key_columns.contains(&c.name)) {
            column.not_null = true;
        }
        name_unnamed(&mut self.table);
        find_shard_columns(&mut self.table);
        let locations = self.locations(location);
        TableDef { table: self.table, locations, implied_key }
    }

    fn assign_families(&mut self) {
        let mut families = std::mem::take(&mut self.families);
        for (column, name) in std::mem::take(&mut self.column_families) {
            let existing = families.iter().position(|f| !name.is_empty() && f.name == name);
            let index = existing.unwrap_or_else(|| {
                families.push(ColumnFamily { name, columns: Vec::new() });
                families.len() - 1
            });
            if let Some(family) = families.get_mut(index) {
                family.columns.push(column);
            }
        }
        for (i, family) in families.iter_mut().enumerate() {
            if family.name.is_empty() {
                family.name = format!("fam_{i}_{}", family.columns.join("_"));
            }
        }
        if matches!(families.as_slice(), [only] if only.name == "primary") {
            families.clear();
        }
        for family in &families {
            for column in self.table.columns.iter_mut().filter(|c| family.columns.contains(&c.name))
            {
                column.cockroach.family = Some(family.name.clone());
            }
        }
        self.table.cockroach.families = families;
    }

    /// The hidden `rowid` column and the primary key on it that CockroachDB adds.
    fn add_implied_key(&mut self, location: Location) {
        let mut name = "rowid".to_owned();
        let mut n = 0;
        while self.table.column(&name).is_some() {
            n += 1;
            name = format!("rowid_{n}");
        }
        let mut column = new_column(&name, "INT8", 0);
        (column.not_null, column.default) = (true, Some("unique_rowid()".into()));
        column.cockroach.hidden = true;
        if let Some(first) = self.table.cockroach.families.first_mut() {
            first.columns.push(name.clone());
            column.cockroach.family = Some(first.name.clone());
        }
        let definition = format!("PRIMARY KEY ({name} ASC)");
        self.add_column(ColumnDef {
            column,
            location,
            written: name.clone(),
            constraints: Vec::new(),
            family: None,
        });
        let index = new_index(String::new(), BTREE, vec![column_key(&name)]);
        let mut key = primary_key(String::new(), &self.name(), vec![name], index);
        if let TableConstraint::Primary(constraint, index) = &mut key {
            constraint.definition.clone_from(&definition);
            index.definition = definition;
        }
        self.add_constraint(key, "", location);
    }

    fn locations(&self, location: Location) -> Vec<(ObjectKey, Location)> {
        let name = self.name();
        let mut out = vec![(ObjectKey::Table(name.clone()), location)];
        let columns = self.table.columns.iter().zip(&self.column_locations);
        out.extend(columns.map(|(c, at)| (ObjectKey::Column(name.clone(), c.name.clone()), *at)));
        let constraints = self.table.constraints.iter().zip(&self.constraint_locations);
        out.extend(
            constraints.map(|(c, at)| (ObjectKey::Constraint(name.clone(), c.name.clone()), *at)),
        );
        let indexes = self.table.indexes.iter().zip(&self.index_locations);
        out.extend(indexes.map(|(i, at)| (ObjectKey::Index(name.clone(), i.name.clone()), *at)));
        out
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::lexer::lex;
    use super::super::parser::ParseError;
    use super::*;

    /// An empty permanent table `public.name`.
    pub(in super::super) fn empty_table(name: &str) -> Table {
        new_table(QualifiedName::new("public", name), Persistence::Permanent)
    }

    fn table(src: &str) -> TableDef {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        c.expect("create").unwrap();
        c.expect("table").unwrap();
        create_table(&mut c, Persistence::Permanent, Location { line: 1, column: 1 }).unwrap()
    }

    fn error(src: &str) -> ParseError {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        c.expect("create").unwrap();
        c.expect("table").unwrap();
        create_table(&mut c, Persistence::Permanent, Location { line: 1, column: 1 }).unwrap_err()
    }

    #[test]
    fn reads_column_qualifiers() {
        let def = table(
            "CREATE TABLE t (a INT8 CONSTRAINT nn NOT NULL DEFAULT 3:::INT8 ON UPDATE 4:::INT8 NOT VISIBLE, \
             b INT8 NULL AS (a + 1:::INT8) STORED, c INT8 GENERATED ALWAYS AS IDENTITY, \
             d STRING COLLATE de FAMILY f2, e INT8 AS (a) VIRTUAL CREATE FAMILY, \
             CONSTRAINT t_pkey PRIMARY KEY (a ASC))",
        );
        let t = &def.table;
        let a = t.column("a").unwrap();
        assert_eq!(a.default.as_deref(), Some("3:::INT8"));
        assert_eq!(a.cockroach.on_update.as_deref(), Some("4:::INT8"));
        assert!(a.not_null && a.cockroach.hidden);
        let b = t.column("b").unwrap().generated.clone().unwrap();
        assert_eq!((b.kind, b.expression.as_str()), (GeneratedKind::Stored, "a + 1:::INT8"));
        assert_eq!(t.column("c").unwrap().identity.as_ref().unwrap().kind, IdentityKind::Always);
        assert_eq!(t.column("d").unwrap().collation, Some(QualifiedName::new("pg_catalog", "de")));
        assert_eq!(t.column("e").unwrap().generated.as_ref().unwrap().kind, GeneratedKind::Virtual);
        let families: Vec<&str> = t.cockroach.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(families, ["f2", "fam_1_e"]);
        assert_eq!(t.column("d").unwrap().cockroach.family.as_deref(), Some("f2"));
        assert!(!def.implied_key);
    }

    #[test]
    fn inline_constraints_name_their_column() {
        let def = table(
            "CREATE TABLE t (a INT8 PRIMARY KEY USING HASH, b INT8 UNIQUE, \
             c INT8 CONSTRAINT fk REFERENCES p (x) ON UPDATE CASCADE ON UPDATE now(), \
             d INT8 CHECK (d > 0))",
        );
        let t = &def.table;
        let pk = t.constraint("t_pkey").unwrap();
        assert_eq!(pk.definition, "PRIMARY KEY (a) USING HASH");
        assert!(t.column("a").unwrap().not_null);
        assert!(t.index("t_pkey").unwrap().cockroach.hash_sharded.is_some());
        assert_eq!(t.index("t_b_key").unwrap().definition, "UNIQUE (b)");
        let fk = t.constraint("fk").unwrap();
        assert_eq!(fk.definition, "FOREIGN KEY (c) REFERENCES p (x) ON UPDATE CASCADE");
        assert_eq!(t.column("c").unwrap().cockroach.on_update.as_deref(), Some("now()"));
        let check = t.constraint("check_d").unwrap();
        assert_eq!(
            (check.definition.as_str(), check.columns.as_slice()),
            ("CHECK (d > 0)", &["d".to_owned()][..])
        );
    }

    #[test]
    fn a_table_without_primary_key_gets_the_hidden_rowid_key() {
        let def = table("CREATE TABLE t (rowid INT8, a INT8, FAMILY f (rowid, a))");
        assert!(def.implied_key);
        let hidden = def.table.column("rowid_1").unwrap();
        assert!(hidden.cockroach.hidden && hidden.not_null);
        assert_eq!(hidden.default.as_deref(), Some("unique_rowid()"));
        assert_eq!(hidden.cockroach.family.as_deref(), Some("f"));
        let pk = def.table.primary_key().unwrap();
        assert_eq!(
            (pk.name.as_str(), pk.columns.as_slice()),
            ("t_pkey", &["rowid_1".to_owned()][..])
        );
        assert_eq!(def.table.index("t_pkey").unwrap().definition, "PRIMARY KEY (rowid_1 ASC)");
    }

    #[test]
    fn keyword_named_columns_are_columns() {
        let def =
            table("CREATE TABLE t (index INT8 NULL, family GEOMETRY(POINT) NULL, INDEX (index))");
        let names: Vec<&str> = def.table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["index", "family", "rowid"]);
        assert!(def.table.index("t_index_idx").is_some());
    }

    #[test]
    fn reads_table_suffixes_in_any_order() {
        let def = table(
            "CREATE TABLE t (a INT8 PRIMARY KEY) WITH (ttl = 'on', schema_locked = true) \
             LOCALITY REGIONAL BY TABLE IN \"us-east1\" PARTITION BY LIST (a) (PARTITION p VALUES IN (1))",
        );
        assert_eq!(def.table.options, ["ttl='on'", "schema_locked=true"]);
        assert_eq!(
            def.table.cockroach.locality.as_deref(),
            Some("REGIONAL BY TABLE IN \"us-east1\"")
        );
        assert!(def.table.cockroach.partitioning.is_some());
    }

    #[test]
    fn reports_errors_where_they_are() {
        let e = error("CREATE TABLE t (a INT8 NOT NULL BOGUS)");
        assert_eq!(
            (e.location.column, e.message.as_str()),
            (33, "Expected a column qualifier, found \"BOGUS\"")
        );
        let e = error("CREATE TABLE t (a, b) AS SELECT 1, 2");
        assert!(e.message.starts_with("CREATE TABLE ... AS"), "{}", e.message);
        let e = error("CREATE TABLE t (INDEX i (a) BOGUS, a INT8)");
        assert_eq!(e.location.column, 29, "{}", e.message);
        assert!(error("CREATE TABLE t (a INT8) LOCALITY SOMEWHERE").message.contains("REGIONAL"));
    }
}
