//! `ALTER TABLE|INDEX|PARTITION|DATABASE|RANGE` and `COMMENT ON`.
//!
//! `SHOW CREATE ALL TABLES` adds foreign keys after all tables (`ALTER TABLE ... ADD CONSTRAINT
//! ... FOREIGN KEY ...` then `ALTER TABLE ... VALIDATE CONSTRAINT ...`), zone configurations are
//! `ALTER ... CONFIGURE ZONE USING ...` statements, and comments follow their object as
//! `COMMENT ON ...`. These statements only name their targets; the builder finds the objects
//! once the whole file has been read. Database- and range-level statements are understood and
//! skipped: they are not part of a schema.

use super::constraint::{TableConstraint, table_constraint};
use super::parser::{Cursor, PResult};
use super::routine::identity_arguments;
use crate::schema::model::{QualifiedName, RoutineKind};
use crate::schema::parse::Location;

/// An index named as `table@index`, `schema.index` or `index`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct IndexRef {
    /// The table, when written with `@`.
    pub table: Option<QualifiedName>,
    /// The schema to search when no table is given.
    pub schema: String,
    /// The index name (`*` for `table@*`).
    pub name: String,
}

/// What an `ALTER TABLE` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AlterAction {
    /// `ADD [CONSTRAINT name] ...`.
    AddConstraint(TableConstraint),
    /// `VALIDATE CONSTRAINT name`.
    Validate(String),
    /// `OWNER TO role`.
    Owner(String),
    /// `ENABLE` (true) or `DISABLE` (false) `ROW LEVEL SECURITY`.
    RowSecurity(bool),
    /// `FORCE` (true) or `NO FORCE` (false) `ROW LEVEL SECURITY`.
    ForceRowSecurity(bool),
}

/// What a zone configuration applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ZoneTarget {
    /// A table, or one of its partitions.
    Table(QualifiedName),
    /// An index, or one of its partitions.
    Index(IndexRef),
}

/// An `ALTER` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Alter {
    /// `ALTER TABLE` with its actions.
    Table(QualifiedName, Vec<(AlterAction, Location)>),
    /// `... CONFIGURE ZONE ...` on a table, an index or a partition.
    Zone(ZoneTarget),
    /// Database- or range-level: not part of a schema.
    Skipped,
}

/// `ALTER ...` after `ALTER`.
pub(super) fn alter(c: &mut Cursor<'_>) -> PResult<Alter> {
    if c.eat("table") {
        c.eat_all(&["if", "exists"]);
        c.eat("only");
        let table = c.qualified("a table name")?;
        if c.at_all(&["configure", "zone"]) {
            c.rest();
            return Ok(Alter::Zone(ZoneTarget::Table(table)));
        }
        let mut actions = vec![alter_action(c, &table)?];
        while c.eat_op(",") {
            actions.push(alter_action(c, &table)?);
        }
        c.expect_end()?;
        Ok(Alter::Table(table, actions))
    } else if c.eat("index") {
        c.eat_all(&["if", "exists"]);
        let index = index_ref(c)?;
        configure_zone(c)?;
        Ok(Alter::Zone(ZoneTarget::Index(index)))
    } else if c.eat("partition") {
        c.ident("a partition name")?;
        c.expect("of")?;
        let target = if c.eat("table") {
            ZoneTarget::Table(c.qualified("a table name")?)
        } else {
            c.expect("index")?;
            match index_ref(c)? {
                IndexRef { table: Some(table), name, .. } if name == "*" => {
                    ZoneTarget::Table(table)
                }
                index => ZoneTarget::Index(index),
            }
        };
        configure_zone(c)?;
        Ok(Alter::Zone(target))
    } else if c.at_any(&["database", "range"]) {
        c.rest();
        Ok(Alter::Skipped)
    } else {
        Err(c.unexpected("TABLE, INDEX, PARTITION, DATABASE or RANGE"))
    }
}

/// `CONFIGURE ZONE ...` to the end of the statement.
fn configure_zone(c: &mut Cursor<'_>) -> PResult<()> {
    c.expect_all(&["configure", "zone"])?;
    c.rest();
    Ok(())
}

fn alter_action(c: &mut Cursor<'_>, table: &QualifiedName) -> PResult<(AlterAction, Location)> {
    let at = c.location();
    let action = if c.eat("add") {
        let name =
            if c.eat("constraint") { c.ident("a constraint name")?.value } else { String::new() };
        if name.is_empty() && !c.at_any(&["primary", "unique", "check", "foreign"]) {
            return Err(c.error("ALTER TABLE ... ADD COLUMN is not supported; only ADD CONSTRAINT"));
        }
        AlterAction::AddConstraint(table_constraint(c, name, table)?)
    } else if c.eat_all(&["validate", "constraint"]) {
        AlterAction::Validate(c.ident("a constraint name")?.value)
    } else if c.eat_all(&["owner", "to"]) {
        AlterAction::Owner(c.ident("a role")?.value)
    } else if c.at_any(&["enable", "disable", "force", "no"]) {
        row_security(c)?
    } else {
        return Err(
            c.unexpected("ADD CONSTRAINT, VALIDATE CONSTRAINT, OWNER TO or ROW LEVEL SECURITY")
        );
    };
    Ok((action, at))
}

/// `ENABLE | DISABLE | FORCE | NO FORCE ROW LEVEL SECURITY` (CockroachDB v25.2+).
fn row_security(c: &mut Cursor<'_>) -> PResult<AlterAction> {
    let action = if c.eat("enable") {
        AlterAction::RowSecurity(true)
    } else if c.eat("disable") {
        AlterAction::RowSecurity(false)
    } else if c.eat("force") {
        AlterAction::ForceRowSecurity(true)
    } else {
        c.expect_all(&["no", "force"])?;
        AlterAction::ForceRowSecurity(false)
    };
    c.expect_all(&["row", "level", "security"])?;
    Ok(action)
}

/// `table@index`, `table@*`, or `[schema.]index`.
pub(super) fn index_ref(c: &mut Cursor<'_>) -> PResult<IndexRef> {
    let at = c.location();
    let parts = c.dotted("an index name")?;
    if c.eat_op("@") {
        let table = c.resolve(parts, at)?;
        let name = if c.eat_op("*") { "*".to_owned() } else { c.ident("an index name")?.value };
        return Ok(IndexRef { schema: table.schema.clone(), table: Some(table), name });
    }
    let name = c.resolve(parts, at)?;
    Ok(IndexRef { table: None, schema: name.schema, name: name.name })
}

/// What a `COMMENT ON` statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CommentTarget {
    /// `COMMENT ON DATABASE`: not part of a schema.
    Database,
    /// `COMMENT ON SCHEMA`.
    Schema(String),
    /// `COMMENT ON TABLE`.
    Table(QualifiedName),
    /// `COMMENT ON COLUMN table.column`.
    Column(QualifiedName, String),
    /// `COMMENT ON INDEX`.
    Index(IndexRef),
    /// `COMMENT ON CONSTRAINT name ON table`.
    Constraint(QualifiedName, String),
    /// `COMMENT ON TYPE`.
    Type(QualifiedName),
    /// `COMMENT ON [MATERIALIZED] VIEW`.
    View(QualifiedName),
    /// `COMMENT ON SEQUENCE`.
    Sequence(QualifiedName),
    /// A function or procedure, with its identity arguments when written.
    Routine(QualifiedName, Option<String>),
    /// `COMMENT ON TRIGGER name ON table`.
    Trigger(QualifiedName, String),
}

/// `COMMENT ON ... IS 'text' | NULL` after `COMMENT`.
pub(super) fn comment(c: &mut Cursor<'_>) -> PResult<(CommentTarget, Option<String>)> {
    c.expect("on")?;
    let target = comment_target(c)?;
    c.expect("is")?;
    let text = if c.eat("null") { None } else { Some(c.string("a comment string or NULL")?) };
    c.expect_end()?;
    Ok((target, text))
}

fn comment_target(c: &mut Cursor<'_>) -> PResult<CommentTarget> {
    Ok(if c.eat("database") {
        c.ident("a database name")?;
        CommentTarget::Database
    } else if c.eat("schema") {
        let mut parts = c.dotted("a schema name")?;
        CommentTarget::Schema(parts.pop().map(|p| p.value).unwrap_or_default())
    } else if c.eat("table") {
        CommentTarget::Table(c.qualified("a table name")?)
    } else if c.eat("column") {
        let at = c.location();
        let mut parts = c.dotted("a column name")?;
        let column = parts.pop().map(|p| p.value).unwrap_or_default();
        if parts.is_empty() {
            return Err(c.error("COMMENT ON COLUMN needs table.column"));
        }
        CommentTarget::Column(c.resolve(parts, at)?, column)
    } else if c.eat("index") {
        CommentTarget::Index(index_ref(c)?)
    } else if c.eat("constraint") {
        let name = c.ident("a constraint name")?.value;
        c.expect("on")?;
        CommentTarget::Constraint(c.qualified("a table name")?, name)
    } else if c.eat("type") {
        CommentTarget::Type(c.qualified("a type name")?)
    } else if c.eat("view") || c.eat_all(&["materialized", "view"]) {
        CommentTarget::View(c.qualified("a view name")?)
    } else if c.eat("sequence") {
        CommentTarget::Sequence(c.qualified("a sequence name")?)
    } else if c.at("function") || c.at("procedure") {
        let kind = if c.eat("function") { RoutineKind::Function } else { RoutineKind::Procedure };
        c.eat("procedure");
        let name = c.qualified("a routine name")?;
        let arguments = if c.at_op("(") {
            let range = c.group()?;
            Some(identity_arguments(c, range, kind))
        } else {
            None
        };
        CommentTarget::Routine(name, arguments)
    } else if c.eat("trigger") {
        let name = c.ident("a trigger name")?.value;
        c.expect("on")?;
        CommentTarget::Trigger(c.qualified("a table name")?, name)
    } else {
        return Err(c.unexpected("an object kind (TABLE, COLUMN, INDEX, CONSTRAINT, ...)"));
    })
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn with<T>(src: &str, f: impl FnOnce(&mut Cursor<'_>) -> PResult<T>) -> PResult<T> {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        f(&mut c)
    }

    fn qn(schema: &str, name: &str) -> QualifiedName {
        QualifiedName::new(schema, name)
    }

    #[test]
    fn reads_alter_table_actions() {
        let Alter::Table(table, actions) = with(
            "TABLE public.full_test ADD CONSTRAINT test_fk FOREIGN KEY (x) REFERENCES public.parent(x) \
             ON DELETE CASCADE, VALIDATE CONSTRAINT test_fk, OWNER TO bob, ENABLE ROW LEVEL SECURITY, \
             NO FORCE ROW LEVEL SECURITY",
            alter,
        )
        .unwrap() else {
            panic!("not an ALTER TABLE")
        };
        assert_eq!(table, qn("public", "full_test"));
        assert!(
            matches!(&actions[0].0, AlterAction::AddConstraint(TableConstraint::Other(c)) if c.name == "test_fk")
        );
        assert_eq!(actions[1].0, AlterAction::Validate("test_fk".into()));
        assert_eq!(actions[2].0, AlterAction::Owner("bob".into()));
        assert_eq!(actions[3].0, AlterAction::RowSecurity(true));
        assert_eq!(actions[4].0, AlterAction::ForceRowSecurity(false));
        assert_eq!(actions[1].1, Location { line: 1, column: 110 });
        assert!(
            with("TABLE t ADD COLUMN a INT8", alter).unwrap_err().message.contains("ADD COLUMN")
        );
        assert!(with("TABLE t RENAME TO u", alter).is_err());
    }

    #[test]
    fn reads_zone_configuration_targets() {
        let zone = |src| match with(src, alter).unwrap() {
            Alter::Zone(target) => target,
            other => panic!("not a zone configuration: {other:?}"),
        };
        assert_eq!(
            zone("TABLE t CONFIGURE ZONE USING num_replicas = 5"),
            ZoneTarget::Table(qn("public", "t"))
        );
        let index =
            IndexRef { table: Some(qn("public", "t")), schema: "public".into(), name: "i".into() };
        assert_eq!(
            zone("INDEX t@i CONFIGURE ZONE USING gc.ttlseconds = 600"),
            ZoneTarget::Index(index.clone())
        );
        assert_eq!(
            zone("PARTITION p1 OF INDEX t@i CONFIGURE ZONE USING x = 1"),
            ZoneTarget::Index(index)
        );
        assert_eq!(
            zone("PARTITION p1 OF INDEX s.t@* CONFIGURE ZONE DISCARD"),
            ZoneTarget::Table(qn("s", "t"))
        );
        assert_eq!(
            zone("PARTITION p1 OF TABLE t CONFIGURE ZONE USING x = 1"),
            ZoneTarget::Table(qn("public", "t"))
        );
        let bare = IndexRef { table: None, schema: "s".into(), name: "i".into() };
        assert_eq!(zone("INDEX s.i CONFIGURE ZONE USING x = 1"), ZoneTarget::Index(bare));
        assert_eq!(with("DATABASE d CONFIGURE ZONE USING x = 1", alter).unwrap(), Alter::Skipped);
        assert!(with("INDEX t@i RENAME TO j", alter).is_err());
    }

    #[test]
    fn reads_comment_targets() {
        let comment_on = |src| with(src, comment).unwrap();
        assert_eq!(
            comment_on(r#"ON COLUMN public."t   t"."x'" IS e'i \' love'"#),
            (CommentTarget::Column(qn("public", "t   t"), "x'".into()), Some("i ' love".into()))
        );
        let (target, _) = comment_on(r#"ON INDEX public."t   t"@"t   t_pkey" IS 'x'"#);
        assert_eq!(
            target,
            CommentTarget::Index(IndexRef {
                table: Some(qn("public", "t   t")),
                schema: "public".into(),
                name: "t   t_pkey".into()
            })
        );
        assert_eq!(
            comment_on("ON CONSTRAINT ckb ON public.t IS NULL"),
            (CommentTarget::Constraint(qn("public", "t"), "ckb".into()), None)
        );
        assert_eq!(
            comment_on("ON COLUMN t.c IS 'x'").0,
            CommentTarget::Column(qn("public", "t"), "c".into())
        );
        assert_eq!(
            comment_on("ON FUNCTION f(x INT8, OUT y INT8) IS 'x'").0,
            CommentTarget::Routine(qn("public", "f"), Some("x INT8".into()))
        );
        assert_eq!(comment_on("ON SCHEMA public IS 'x'").0, CommentTarget::Schema("public".into()));
        assert_eq!(comment_on("ON DATABASE d IS 'x'").0, CommentTarget::Database);
        assert!(with("ON COLUMN c IS 'x'", comment).is_err());
        assert!(with("ON TABLE t IS 42", comment).is_err());
        assert!(with("ON RULE r IS 'x'", comment).is_err());
    }
}
