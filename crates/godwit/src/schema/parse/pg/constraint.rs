//! Table constraints, from `CREATE TABLE` (inline) and `ALTER TABLE ... ADD CONSTRAINT`.
//!
//! Each constraint gets the name the server would choose when it has none, the `definition`
//! `pg_get_constraintdef` prints (rebuilt, with referenced tables schema-qualified), and, for
//! primary keys, unique and exclusion constraints, the index that introspection reports beside
//! the constraint (`Index { constraint: Some(name), .. }`).

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ConstrType, Token};

use super::expr::column_refs;
use super::index::{IndexSpec, Key, index_columns, options};
use super::names::{kind, list, quote_ident, quote_relation, strings};
use super::naming::columns_addition;
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{
    Constraint, ConstraintKind, ForeignKey, IndexKey, IndexTarget, MatchType, QualifiedName,
    ReferentialAction,
};
use crate::schema::parse::{Location, ObjectKey};

/// Where a constraint is written: its statement, its tokens `first..=last` and its position.
#[derive(Debug, Clone, Copy)]
pub(super) struct Written<'s, 'a> {
    pub stmt: &'s Stmt<'a>,
    pub first: usize,
    pub last: usize,
    pub location: Location,
    /// Whether the constraint also goes to partitions (`ALTER TABLE` without `ONLY`).
    pub recurse: bool,
}

impl Builder {
    /// Add the constraint `c` to `table`; `column` is set for a column constraint. Not-null,
    /// default and generated "constraints" are the caller's business and are ignored here.
    pub fn add_constraint(
        &mut self,
        w: &Written<'_, '_>,
        table: &QualifiedName,
        c: &pb::Constraint,
        column: Option<&str>,
    ) -> Applied {
        if self.table(table).is_none() {
            return Err(Problem::new(format!("table \"{table}\" is not defined in this file")));
        }
        let built = match ConstrType::try_from(c.contype) {
            Ok(ConstrType::ConstrCheck) => self.check_constraint(w, table, c),
            Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique) => {
                self.key_constraint(table, c, column)
            }
            Ok(ConstrType::ConstrExclusion) => self.exclusion_constraint(w, table, c),
            Ok(ConstrType::ConstrForeign) => self.foreign_key(table, c, column),
            _ => return Ok(()),
        };
        let (constraint, index) = built?;
        self.attach_constraint(table, constraint, index, w.location, w.recurse)
    }

    /// Put a built constraint (and its index) on `table`.
    pub fn attach_constraint(
        &mut self,
        table: &QualifiedName,
        constraint: Constraint,
        index: Option<IndexSpec>,
        location: Location,
        recurse: bool,
    ) -> Applied {
        let name = constraint.name.clone();
        let primary = constraint.kind == ConstraintKind::PrimaryKey;
        let Some(t) = self.table_mut(table) else {
            return Err(Problem::new(format!("table \"{table}\" is not defined in this file")));
        };
        if t.constraint(&name).is_some() {
            return Err(Problem::new(format!(
                "constraint \"{name}\" for relation \"{table}\" already exists"
            )));
        }
        if primary {
            for col in t.columns.iter_mut().filter(|col| constraint.columns.contains(&col.name)) {
                col.not_null = true;
            }
        }
        t.constraints.push(constraint);
        if let Some(spec) = &index {
            let partitioned = t.kind == crate::schema::model::TableKind::Partitioned;
            t.indexes.push(spec.index(table, partitioned, Some((&name, primary))));
            self.register(&table.schema, &name);
            self.locate(ObjectKey::Index(table.clone(), name.clone()), location);
        }
        self.locate(ObjectKey::Constraint(table.clone(), name), location);
        match index {
            Some(spec) if recurse => self.propagate_key_constraint(table, &spec, primary, location),
            _ => {}
        }
        Ok(())
    }

    fn check_constraint(
        &self,
        w: &Written<'_, '_>,
        table: &QualifiedName,
        c: &pb::Constraint,
    ) -> Result<(Constraint, Option<IndexSpec>), Problem> {
        let t = &w.stmt.tokens;
        let inside = t
            .find(w.first, w.last + 1, Token::Check)
            .and_then(|check| t.inside(check + 1))
            .map(|text| self.qualify(text.trim()))
            .or_else(|| c.raw_expr.as_deref().and_then(deparse_expression))
            .ok_or_else(|| Problem::new("CHECK constraint without an expression"))?;
        let refs = c.raw_expr.as_deref().map(column_refs).unwrap_or_default();
        let columns = self.ordered_columns(table, refs.iter());
        let single = if refs.len() == 1 { refs.iter().next().cloned() } else { None };
        let name = match c.conname.as_str() {
            "" => self.choose_constraint_name(
                &table.schema,
                &table.name,
                single.as_deref().unwrap_or_default(),
                "check",
            ),
            name => name.to_owned(),
        };
        let mut definition = format!("CHECK ({inside})");
        if c.is_no_inherit {
            definition.push_str(" NO INHERIT");
        }
        let mut constraint = new_constraint(name, ConstraintKind::Check, columns, c);
        constraint.check = Some(inside);
        constraint.no_inherit = c.is_no_inherit;
        constraint.definition = finish_definition(definition, &constraint);
        Ok((constraint, None))
    }

    fn key_constraint(
        &mut self,
        table: &QualifiedName,
        c: &pb::Constraint,
        column: Option<&str>,
    ) -> Result<(Constraint, Option<IndexSpec>), Problem> {
        let primary = c.contype == ConstrType::ConstrPrimary as i32;
        let kind = if primary { ConstraintKind::PrimaryKey } else { ConstraintKind::Unique };
        let existing = (!c.indexname.is_empty()).then(|| self.take_index(table, &c.indexname));
        let mut columns = strings(&c.keys);
        if columns.is_empty() {
            columns.extend(column.map(str::to_owned));
        }
        if let Some(Some(index)) = &existing {
            columns = index.keys.iter().filter_map(|k| k.column().map(str::to_owned)).collect();
        }
        let name = match c.conname.as_str() {
            "" if primary => self.choose_relation_name(&table.schema, &table.name, "", "pkey"),
            "" => self.choose_relation_name(
                &table.schema,
                &table.name,
                &columns_addition(&columns),
                "key",
            ),
            name => name.to_owned(),
        };
        let include = index_columns(&c.including);
        let opts = options(&c.options);
        let definition = key_definition(primary, c.nulls_not_distinct, &columns, &include, &opts);
        let mut constraint = new_constraint(name.clone(), kind, columns.clone(), c);
        constraint.index = Some(name.clone());
        constraint.nulls_not_distinct = c.nulls_not_distinct;
        constraint.definition = finish_definition(definition, &constraint);
        let spec = IndexSpec {
            name,
            method: "btree".into(),
            unique: true,
            keys: columns.iter().map(|col| column_key(col)).collect(),
            include,
            predicate: None,
            nulls_not_distinct: c.nulls_not_distinct,
            options: opts,
        };
        Ok((constraint, Some(spec)))
    }

    /// Remove the index `name` from `table` (`ADD CONSTRAINT ... USING INDEX name`).
    fn take_index(
        &mut self,
        table: &QualifiedName,
        name: &str,
    ) -> Option<crate::schema::model::Index> {
        let t = self.table_mut(table)?;
        let position = t.indexes.iter().position(|i| i.name == name)?;
        let index = t.indexes.remove(position);
        self.unregister(&table.schema, name);
        Some(index)
    }

    fn exclusion_constraint(
        &self,
        w: &Written<'_, '_>,
        table: &QualifiedName,
        c: &pb::Constraint,
    ) -> Result<(Constraint, Option<IndexSpec>), Problem> {
        let t = &w.stmt.tokens;
        let method = if c.access_method.is_empty() { "btree" } else { c.access_method.as_str() };
        let exclude = t.find(w.first, w.last + 1, Token::Exclude);
        let open = exclude.and_then(|x| t.find_where(x, w.last + 1, |i| t.is_char(i, '(')));
        let open = open.ok_or_else(|| Problem::new("EXCLUDE constraint without a key list"))?;
        let keys = self.index_keys(w.stmt, &c.exclusions, open, method);
        let operators: Vec<String> = c
            .exclusions
            .iter()
            .filter_map(|pair| list(pair).get(1).and_then(|ops| strings(list(ops)).pop()))
            .collect();
        let after = t.close_of(open).unwrap_or(w.last);
        let predicate = t
            .find(after + 1, w.last + 1, Token::Where)
            .and_then(|at| t.inside(at + 1))
            .map(|text| self.qualify(text.trim()));
        let columns: Vec<String> =
            keys.iter().filter_map(|k| k.key.column().map(str::to_owned)).collect();
        let names: Vec<String> = keys.iter().map(|k| k.column_name.clone()).collect();
        let name = match c.conname.as_str() {
            "" => self.choose_relation_name(
                &table.schema,
                &table.name,
                &columns_addition(&names),
                "excl",
            ),
            name => name.to_owned(),
        };
        let start = if c.conname.is_empty() { w.first } else { w.first + 2 };
        let mut constraint = new_constraint(name.clone(), ConstraintKind::Exclusion, columns, c);
        constraint.index = Some(name.clone());
        constraint.exclusion_operators = operators;
        constraint.definition = self.qualify(t.slice(start, w.last).trim());
        let spec = IndexSpec {
            name,
            method: method.to_owned(),
            unique: false,
            keys,
            include: index_columns(&c.including),
            predicate,
            nulls_not_distinct: false,
            options: options(&c.options),
        };
        Ok((constraint, Some(spec)))
    }

    fn foreign_key(
        &self,
        table: &QualifiedName,
        c: &pb::Constraint,
        column: Option<&str>,
    ) -> Result<(Constraint, Option<IndexSpec>), Problem> {
        let mut columns = strings(&c.fk_attrs);
        if columns.is_empty() {
            columns.extend(column.map(str::to_owned));
        }
        let range = c.pktable.as_ref().ok_or_else(|| Problem::new("REFERENCES without a table"))?;
        let referenced = self.relation(range);
        let mut ref_columns = strings(&c.pk_attrs);
        if ref_columns.is_empty() {
            ref_columns = self.primary_key_columns(&referenced);
        }
        let name = match c.conname.as_str() {
            "" => self.choose_constraint_name(
                &table.schema,
                &table.name,
                &columns_addition(&columns),
                "fkey",
            ),
            name => name.to_owned(),
        };
        let foreign_key = ForeignKey {
            table: referenced,
            columns: ref_columns,
            match_type: match c.fk_matchtype.as_str() {
                "f" => MatchType::Full,
                "p" => MatchType::Partial,
                _ => MatchType::Simple,
            },
            on_update: action(&c.fk_upd_action),
            on_delete: action(&c.fk_del_action),
        };
        let mut constraint = new_constraint(name, ConstraintKind::ForeignKey, columns, c);
        constraint.definition =
            finish_definition(fk_definition(&constraint, &foreign_key), &constraint);
        constraint.foreign_key = Some(foreign_key);
        Ok((constraint, None))
    }

    /// The primary key columns of `table`, when the file defined it with one.
    fn primary_key_columns(&self, table: &QualifiedName) -> Vec<String> {
        self.table(table)
            .and_then(|t| t.primary_key())
            .map(|pk| pk.columns.clone())
            .unwrap_or_default()
    }

    /// `names` that are columns of `table`, in column order.
    fn ordered_columns<'n>(
        &self,
        table: &QualifiedName,
        names: impl Iterator<Item = &'n String>,
    ) -> Vec<String> {
        let names: Vec<&String> = names.collect();
        let Some(t) = self.table(table) else {
            return Vec::new();
        };
        t.columns.iter().filter(|c| names.contains(&&c.name)).map(|c| c.name.clone()).collect()
    }
}

/// A constraint with the fields common to every kind filled in from `c`.
fn new_constraint(
    name: String,
    kind: ConstraintKind,
    columns: Vec<String>,
    c: &pb::Constraint,
) -> Constraint {
    Constraint {
        name,
        kind,
        columns,
        definition: String::new(),
        index: None,
        nulls_not_distinct: false,
        foreign_key: None,
        check: None,
        exclusion_operators: Vec::new(),
        deferrable: c.deferrable,
        initially_deferred: c.initdeferred,
        validated: !c.skip_validation,
        no_inherit: false,
        inherited: false,
        comment: None,
        cockroach: Default::default(),
    }
}

/// `definition` followed by what `pg_get_constraintdef` appends to every kind.
fn finish_definition(mut definition: String, c: &Constraint) -> String {
    if c.deferrable {
        definition.push_str(" DEFERRABLE");
    }
    if c.initially_deferred {
        definition.push_str(" INITIALLY DEFERRED");
    }
    if !c.validated {
        definition.push_str(" NOT VALID");
    }
    definition
}

/// `PRIMARY KEY (a) INCLUDE (b) WITH (fillfactor=70)`, `UNIQUE NULLS NOT DISTINCT (a)`.
fn key_definition(
    primary: bool,
    nulls_not_distinct: bool,
    columns: &[String],
    include: &[String],
    options: &[String],
) -> String {
    let mut definition = format!(
        "{}{} ({})",
        if primary { "PRIMARY KEY" } else { "UNIQUE" },
        if nulls_not_distinct { " NULLS NOT DISTINCT" } else { "" },
        quoted_list(columns)
    );
    if !include.is_empty() {
        definition.push_str(&format!(" INCLUDE ({})", quoted_list(include)));
    }
    if !options.is_empty() {
        definition.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    definition
}

/// `FOREIGN KEY (a) REFERENCES public.t(b) MATCH FULL ON UPDATE CASCADE ...`.
fn fk_definition(c: &Constraint, fk: &ForeignKey) -> String {
    let mut definition = format!(
        "FOREIGN KEY ({}) REFERENCES {}({})",
        quoted_list(&c.columns),
        quote_relation(&fk.table),
        quoted_list(&fk.columns)
    );
    match fk.match_type {
        MatchType::Full => definition.push_str(" MATCH FULL"),
        MatchType::Partial => definition.push_str(" MATCH PARTIAL"),
        MatchType::Simple => {}
    }
    for (what, action) in [("UPDATE", fk.on_update), ("DELETE", fk.on_delete)] {
        let shown = match action {
            ReferentialAction::NoAction => continue,
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        };
        definition.push_str(&format!(" ON {what} {shown}"));
    }
    definition
}

/// A referential action from its one-letter code.
fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// Column names quoted and joined with `, `.
pub(super) fn quoted_list(names: &[String]) -> String {
    names.iter().map(|n| quote_ident(n)).collect::<Vec<_>>().join(", ")
}

/// A plain ascending key on a column.
pub(super) fn column_key(column: &str) -> Key {
    Key {
        key: IndexKey {
            target: IndexTarget::Column(column.to_owned()),
            opclass: None,
            collation: None,
            descending: false,
            nulls_first: false,
        },
        shown: quote_ident(column),
        column_name: column.to_owned(),
    }
}

/// The server's text for an expression node, when it cannot be cut out of the statement.
pub(super) fn deparse_expression(node: &pb::Node) -> Option<String> {
    let target = pb::ResTarget {
        name: String::new(),
        indirection: vec![],
        val: Some(Box::new(node.clone())),
        location: -1,
    };
    let select = pb::SelectStmt {
        target_list: vec![pb::Node { node: Some(NodeEnum::ResTarget(Box::new(target))) }],
        // Every enum must hold a real value: libpg_query aborts the process on 0 (undefined).
        op: pb::SetOperation::SetopNone as i32,
        limit_option: pb::LimitOption::Default as i32,
        ..Default::default()
    };
    let tree = pb::ParseResult {
        version: 0,
        stmts: vec![pb::RawStmt {
            stmt: Some(Box::new(pb::Node { node: Some(NodeEnum::SelectStmt(Box::new(select))) })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    let text = pg_query::deparse(&tree, Default::default()).ok()?;
    text.strip_prefix("SELECT ").map(str::to_owned)
}

/// The model's view of an index key's column.
trait KeyColumn {
    fn column(&self) -> Option<&str>;
}

impl KeyColumn for IndexKey {
    fn column(&self) -> Option<&str> {
        match &self.target {
            IndexTarget::Column(c) => Some(c),
            IndexTarget::Expression(_) => None,
        }
    }
}

/// Whether a constraint node is a deferrability attribute of the constraint before it.
pub(super) fn apply_attribute(target: &mut pb::Constraint, attr: &pb::Constraint) -> bool {
    match ConstrType::try_from(attr.contype) {
        Ok(ConstrType::ConstrAttrDeferrable) => target.deferrable = true,
        Ok(ConstrType::ConstrAttrNotDeferrable) => target.deferrable = false,
        Ok(ConstrType::ConstrAttrDeferred) => target.initdeferred = true,
        Ok(ConstrType::ConstrAttrImmediate) => target.initdeferred = false,
        Ok(ConstrType::ConstrAttrEnforced | ConstrType::ConstrAttrNotEnforced) => {}
        _ => return false,
    }
    true
}

/// The `Constraint` nodes of a list.
pub(super) fn constraints(nodes: &[pb::Node]) -> impl Iterator<Item = &pb::Constraint> {
    nodes.iter().filter_map(|n| match kind(n) {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    })
}
