//! `CREATE [UNLOGGED] TABLE`: columns, inline constraints, inheritance and partitioning.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ConstrType, Node, PartitionStrategy, Token};

use super::constraint::{Written, apply_attribute, constraints};
use super::index::options;
use super::names::{kind, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{
    Column, Generated, GeneratedKind, Identity, IdentityKind, PartitionOf, Persistence,
    QualifiedName, ReplicaIdentity, Table, TableKind,
};
use crate::schema::parse::ObjectKey;

impl Builder {
    /// `CREATE TABLE` (also the base of `CREATE FOREIGN TABLE`, with its server).
    pub fn create_table(
        &mut self,
        stmt: &Stmt<'_>,
        s: &pb::CreateStmt,
        server: Option<&str>,
    ) -> Applied {
        let range =
            s.relation.as_ref().ok_or_else(|| Problem::new("CREATE TABLE without a name"))?;
        let name = self.new_name(&range.schemaname, &range.relname);
        if self.relation_exists(&name.schema, &name.name) {
            if s.if_not_exists {
                return Ok(());
            }
            return Err(Problem::new(format!("relation \"{name}\" already exists")));
        }
        if s.of_typename.is_some()
            || s.table_elts.iter().any(|e| matches!(kind(e), Some(NodeEnum::TableLikeClause(_))))
        {
            return Err(Problem::new("CREATE TABLE ... OF type and LIKE are not supported"));
        }
        let parents: Vec<QualifiedName> = s
            .inh_relations
            .iter()
            .filter_map(|n| match kind(n) {
                Some(NodeEnum::RangeVar(r)) => Some(self.relation(r)),
                _ => None,
            })
            .collect();
        let table = self.new_table(stmt, s, &name, &parents, server)?;
        self.push_table(table);
        self.ensure_schema(&name.schema);
        self.locate(ObjectKey::Table(name.clone()), stmt.location());
        self.table_elements(stmt, s, &name)?;
        if s.partbound.is_none() {
            for parent in &parents {
                self.inherit_checks(parent, &name);
            }
        } else if let Some(parent) = parents.first() {
            self.clone_into_partition(parent, &name, stmt.location());
        }
        Ok(())
    }

    /// The table without its constraints: kind, persistence, hierarchy and columns.
    fn new_table(
        &self,
        stmt: &Stmt<'_>,
        s: &pb::CreateStmt,
        name: &QualifiedName,
        parents: &[QualifiedName],
        server: Option<&str>,
    ) -> Result<Table, Problem> {
        let partition_of = match (&s.partbound, parents.first()) {
            (Some(bound), Some(parent)) => {
                Some(PartitionOf { parent: parent.clone(), bound: partition_bound(stmt, bound) })
            }
            _ => None,
        };
        let mut columns = self.inherited_columns(parents);
        let merge = match (&partition_of, parents.is_empty()) {
            (Some(_), _) => Merge::PartitionOptions,
            (None, false) => Merge::Inherited,
            (None, true) => Merge::None,
        };
        for def in s.table_elts.iter().filter_map(column_def) {
            self.merge_column(&mut columns, def, merge);
        }
        Ok(Table {
            schema: name.schema.clone(),
            name: name.name.clone(),
            kind: table_kind(s, server),
            persistence: persistence(s.relation.as_ref()),
            inherits: if partition_of.is_some() { Vec::new() } else { parents.to_vec() },
            partition_of,
            partition_key: s.partspec.as_ref().map(|p| partition_key(stmt, p)),
            foreign_server: server.map(str::to_owned),
            owner: String::new(),
            estimated_rows: None,
            total_bytes: None,
            replica_identity: ReplicaIdentity::Default,
            row_security: false,
            force_row_security: false,
            options: options(&s.options),
            comment: None,
            privileges: None,
            columns,
            constraints: Vec::new(),
            indexes: Vec::new(),
            cockroach: Default::default(),
        })
    }

    /// Copies of the parents' columns, merged by name, marked inherited.
    fn inherited_columns(&self, parents: &[QualifiedName]) -> Vec<Column> {
        let mut columns: Vec<Column> = Vec::new();
        for parent in parents.iter().filter_map(|p| self.table(p)) {
            for column in &parent.columns {
                if columns.iter().any(|c| c.name == column.name) {
                    continue;
                }
                let ordinal = i32::try_from(columns.len() + 1).unwrap_or(i32::MAX);
                columns.push(Column {
                    ordinal,
                    inherited: true,
                    identity: None,
                    comment: None,
                    privileges: None,
                    ..column.clone()
                });
            }
        }
        columns
    }

    /// Add a declared column, or merge it into the inherited column of the same name.
    fn merge_column(&self, columns: &mut Vec<Column>, def: &pb::ColumnDef, merge: Merge) {
        let ordinal = i32::try_from(columns.len() + 1).unwrap_or(i32::MAX);
        let fresh = self.declared_column(def, ordinal);
        match columns.iter_mut().find(|c| c.name == def.colname && merge != Merge::None) {
            Some(existing) => {
                // A redeclared inherited column is also local; a partition's never is.
                existing.inherited = merge == Merge::PartitionOptions;
                existing.not_null |= fresh.not_null;
                existing.collation = fresh.collation.or(existing.collation.take());
            }
            None => columns.push(fresh),
        }
    }

    /// A declared column's name and type (defaults and constraints come later).
    pub fn declared_column(&self, def: &pb::ColumnDef, ordinal: i32) -> Column {
        let serial = def.type_name.as_ref().and_then(serial_type);
        let t = match serial {
            Some(integer) => Some(self.column_type(&plain_type(integer))),
            None => def.type_name.as_ref().map(|t| self.column_type(t)),
        };
        let collation =
            def.coll_clause.as_ref().map(|c| self.catalog_object(&strings(&c.collname)));
        Column {
            name: def.colname.clone(),
            ordinal,
            data_type: t.as_ref().map(|t| t.data_type.clone()).unwrap_or_default(),
            base_type: t.as_ref().map(|t| t.base_type.clone()).unwrap_or_default(),
            typmod: t.as_ref().and_then(|t| t.typmod),
            array_dimensions: t.as_ref().map_or(0, |t| t.array_dimensions),
            collation,
            not_null: def.is_not_null,
            default: None,
            identity: None,
            generated: None,
            inherited: false,
            comment: None,
            privileges: None,
            cockroach: Default::default(),
        }
    }

    /// Apply column constraints and table constraints, in the order they are written.
    fn table_elements(
        &mut self,
        stmt: &Stmt<'_>,
        s: &pb::CreateStmt,
        table: &QualifiedName,
    ) -> Applied {
        let t = &stmt.tokens;
        for element in &s.table_elts {
            let location = match kind(element) {
                Some(NodeEnum::ColumnDef(d)) => d.location,
                Some(NodeEnum::Constraint(c)) => c.location,
                _ => continue,
            };
            let first = t.at(location);
            let last = t.items(first, t.len()).first().map_or(first, |&(_, last)| last);
            let w =
                Written { stmt, first, last, location: stmt.location_of(location), recurse: true };
            match kind(element) {
                Some(NodeEnum::ColumnDef(def)) => {
                    self.locate(ObjectKey::Column(table.clone(), def.colname.clone()), w.location);
                    self.serial(table, def, w.location);
                    self.column_constraints(&w, table, def)?;
                }
                Some(NodeEnum::Constraint(c)) => self.add_constraint(&w, table, c, None)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// The constraints written after a column's type, each spanning up to the next one.
    pub fn column_constraints(
        &mut self,
        w: &Written<'_, '_>,
        table: &QualifiedName,
        def: &pb::ColumnDef,
    ) -> Applied {
        let t = &w.stmt.tokens;
        let list: Vec<&pb::Constraint> = constraints(&def.constraints).collect();
        let mut pending: Option<(pb::Constraint, Written<'_, '_>)> = None;
        for (i, c) in list.iter().enumerate() {
            let first = t.at(c.location);
            let last = list.get(i + 1).map_or(w.last, |next| t.at(next.location).saturating_sub(1));
            let here = Written { first, last, location: w.stmt.location_of(c.location), ..*w };
            if let Some((target, _)) = pending.as_mut() {
                if apply_attribute(target, c) {
                    continue;
                }
            }
            if let Some((target, at)) = pending.take() {
                self.add_constraint(&at, table, &target, Some(&def.colname))?;
            }
            if !self.column_property(&here, table, &def.colname, c)? {
                pending = Some(((*c).clone(), here));
            }
        }
        if let Some((target, at)) = pending {
            self.add_constraint(&at, table, &target, Some(&def.colname))?;
        }
        Ok(())
    }

    /// Apply NOT NULL, NULL, DEFAULT, identity or a generation expression to the column;
    /// false when `c` is a real constraint (check, key, foreign key) instead.
    fn column_property(
        &mut self,
        w: &Written<'_, '_>,
        table: &QualifiedName,
        column: &str,
        c: &pb::Constraint,
    ) -> Result<bool, Problem> {
        let t = &w.stmt.tokens;
        let contype = ConstrType::try_from(c.contype).unwrap_or(ConstrType::Undefined);
        let identity = match contype {
            ConstrType::ConstrIdentity => Some(self.identity(table, column, c, w.location)?),
            _ => None,
        };
        let expression = match contype {
            ConstrType::ConstrDefault => t
                .find(w.first, w.last + 1, Token::Default)
                .map(|d| self.qualify(t.slice(d + 1, w.last).trim())),
            ConstrType::ConstrGenerated => t
                .find(w.first, w.last + 1, Token::As)
                .and_then(|a| t.inside(a + 1))
                .map(|e| self.qualify(e.trim())),
            _ => None,
        };
        let Some(col) =
            self.table_mut(table).and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
        else {
            return Err(Problem::new(format!("column \"{column}\" of \"{table}\" is not defined")));
        };
        match contype {
            ConstrType::ConstrNotnull => col.not_null = true,
            ConstrType::ConstrNull => col.not_null = false,
            ConstrType::ConstrDefault => col.default = expression,
            ConstrType::ConstrIdentity => {
                col.identity = identity;
                col.not_null = true;
            }
            ConstrType::ConstrGenerated => {
                let kind = if c.generated_kind == "v" {
                    GeneratedKind::Virtual
                } else {
                    GeneratedKind::Stored
                };
                col.generated = expression.map(|expression| Generated { kind, expression });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [(options)]`: the identity and its
    /// implicit sequence.
    pub fn identity(
        &mut self,
        table: &QualifiedName,
        column: &str,
        c: &pb::Constraint,
        at: crate::schema::parse::Location,
    ) -> Result<Identity, Problem> {
        let kind =
            if c.generated_when == "d" { IdentityKind::ByDefault } else { IdentityKind::Always };
        let data_type = self
            .table(table)
            .and_then(|t| t.column(column))
            .map(|c| c.data_type.clone())
            .unwrap_or_else(|| "integer".into());
        let sequence = self.identity_sequence(table, column, &data_type, &c.options, at)?;
        Ok(Identity { kind, sequence: Some(sequence) })
    }
}

/// How declared columns combine with the columns a table gets from its parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// No parents: every declared column is new.
    None,
    /// `INHERITS`: a declared column with a parent column's name is merged, and local.
    Inherited,
    /// `PARTITION OF`: declared columns only add options to the parent's columns.
    PartitionOptions,
}

/// Permanent, unlogged or temporary, from the relation's `relpersistence`.
fn persistence(range: Option<&pb::RangeVar>) -> Persistence {
    match range.map(|r| r.relpersistence.as_str()) {
        Some("u") => Persistence::Unlogged,
        Some("t") => Persistence::Temporary,
        _ => Persistence::Permanent,
    }
}

/// Regular, partitioned or (with a server) foreign.
fn table_kind(s: &pb::CreateStmt, server: Option<&str>) -> TableKind {
    match (server, &s.partspec) {
        (Some(_), _) => TableKind::Foreign,
        (None, Some(_)) => TableKind::Partitioned,
        (None, None) => TableKind::Regular,
    }
}

impl Builder {
    /// `serial`, `bigserial`, `smallserial`: the sequence, default and NOT NULL the server
    /// creates for them (the column's type is already the integer type).
    pub fn serial(
        &mut self,
        table: &QualifiedName,
        def: &pb::ColumnDef,
        at: crate::schema::parse::Location,
    ) {
        let Some(integer) = def.type_name.as_ref().and_then(serial_type) else {
            return;
        };
        let name = self.choose_relation_name(&table.schema, &table.name, &def.colname, "seq");
        let sequence = QualifiedName::new(table.schema.as_str(), name);
        let data_type =
            super::typename::render_plain(&QualifiedName::new(super::names::PG_CATALOG, integer));
        let owner = self.table(table).map(|t| t.owner.clone()).unwrap_or_default();
        self.add_serial_sequence(&sequence, &data_type, table, &def.colname, owner, at);
        let default = format!(
            "nextval('{}'::regclass)",
            super::names::quote_relation(&sequence).replace('\'', "''")
        );
        if let Some(column) =
            self.table_mut(table).and_then(|t| t.columns.iter_mut().find(|c| c.name == def.colname))
        {
            column.default = Some(default);
            column.not_null = true;
        }
    }
}

/// The integer type behind a `serial` pseudo-type, if `t` is one.
fn serial_type(t: &pb::TypeName) -> Option<&'static str> {
    let names = strings(&t.names);
    let name = match names.as_slice() {
        [name] => name.as_str(),
        [schema, name] if schema == super::names::PG_CATALOG => name.as_str(),
        _ => return None,
    };
    match name {
        "serial" | "serial4" => Some("int4"),
        "bigserial" | "serial8" => Some("int8"),
        "smallserial" | "serial2" => Some("int2"),
        _ => None,
    }
}

/// The type name `pg_catalog.<internal>`.
fn plain_type(internal: &str) -> pb::TypeName {
    let name = |s: &str| Node { node: Some(NodeEnum::String(pb::String { sval: s.to_owned() })) };
    pb::TypeName {
        names: vec![name(super::names::PG_CATALOG), name(internal)],
        ..Default::default()
    }
}

/// The `ColumnDef` of a table element, if it is one.
fn column_def(node: &Node) -> Option<&pb::ColumnDef> {
    match kind(node)? {
        NodeEnum::ColumnDef(d) => Some(d),
        _ => None,
    }
}

/// `FOR VALUES ...` or `DEFAULT`, as written (which is how `pg_get_expr` prints a bound).
pub(super) fn partition_bound(stmt: &Stmt<'_>, bound: &pb::PartitionBoundSpec) -> String {
    if bound.is_default {
        return "DEFAULT".into();
    }
    let t = &stmt.tokens;
    let at = t.at(bound.location);
    let first = (at.saturating_sub(2)..=at).find(|&i| t.is(i, Token::For)).unwrap_or(at);
    let stop = |i: usize| {
        [Token::Partition, Token::With, Token::Tablespace, Token::Using, Token::On]
            .into_iter()
            .any(|k| t.is(i, k))
            || t.is_char(i, ',')
    };
    let end = t.find_where(first, t.body_end(), stop).unwrap_or(t.body_end());
    t.slice(first, end.saturating_sub(1)).trim().to_owned()
}

/// `RANGE (col)`, as `pg_get_partkeydef` prints the key of a partitioned table.
fn partition_key(stmt: &Stmt<'_>, spec: &pb::PartitionSpec) -> String {
    let strategy = match PartitionStrategy::try_from(spec.strategy) {
        Ok(PartitionStrategy::List) => "LIST",
        Ok(PartitionStrategy::Hash) => "HASH",
        _ => "RANGE",
    };
    let t = &stmt.tokens;
    let at = t.at(spec.location);
    let open = t.find_where(at, t.len(), |i| t.is_char(i, '('));
    let inside = open.and_then(|o| t.inside(o)).unwrap_or_default();
    format!("{strategy} ({})", inside.trim())
}
