//! Type names rendered the way `format_type` prints them.
//!
//! The grammar turns SQL-standard spellings into internal names (`integer` is
//! `pg_catalog.int4`, `character varying(20)` is `pg_catalog.varchar` with modifier 20); this
//! module turns them back, computes `atttypmod` for the built-in types whose modifier encoding
//! is known, and qualifies user-defined types with their schema.

use pg_query::NodeEnum;
use pg_query::protobuf as pb;

use super::names::{PG_CATALOG, a_const, kind, quote_qualified, strings};
use super::state::Builder;
use crate::schema::model::QualifiedName;

/// A column's type, field by field as introspection reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ColumnType {
    /// `format_type(atttypid, atttypmod)`.
    pub data_type: String,
    /// The element type without modifiers.
    pub base_type: String,
    /// `atttypmod`, when known.
    pub typmod: Option<i32>,
    /// Declared array dimensions.
    pub array_dimensions: i32,
    /// The (element) type's resolved name.
    pub name: QualifiedName,
}

/// Internal names of built-in types and how `format_type` prints them.
const RENAMED: &[(&str, &str)] = &[
    ("bool", "boolean"),
    ("bpchar", "character"),
    ("char", "\"char\""),
    ("float4", "real"),
    ("float8", "double precision"),
    ("int2", "smallint"),
    ("int4", "integer"),
    ("int8", "bigint"),
    ("time", "time without time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("timetz", "time with time zone"),
    ("varbit", "bit varying"),
    ("varchar", "character varying"),
];

/// Built-in type names an unqualified name may mean (besides those in [`RENAMED`]).
const BUILTIN: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anyelement",
    "anyenum",
    "anynonarray",
    "anyrange",
    "bit",
    "box",
    "bytea",
    "cid",
    "cidr",
    "circle",
    "cstring",
    "date",
    "daterange",
    "datemultirange",
    "event_trigger",
    "gtsvector",
    "inet",
    "int4range",
    "int4multirange",
    "int8range",
    "int8multirange",
    "internal",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "language_handler",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "numrange",
    "nummultirange",
    "oid",
    "oidvector",
    "path",
    "pg_lsn",
    "pg_node_tree",
    "pg_snapshot",
    "point",
    "polygon",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "text",
    "tid",
    "trigger",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "unknown",
    "uuid",
    "void",
    "xid",
    "xid8",
    "xml",
];

const VARHDRSZ: i32 = 4;
const INTERVAL_FULL_RANGE: i32 = 0x7FFF;
const INTERVAL_FULL_PRECISION: i32 = 0xFFFF;

impl Builder {
    /// The type of a column (or domain, or composite attribute) as introspection reports it.
    pub fn column_type(&self, t: &pb::TypeName) -> ColumnType {
        let name = self.type_name(&strings(&t.names));
        let mods = modifiers(t);
        let typmod = typmod(&name, &mods);
        let element = render(&name, &mods, typmod, true);
        let dims = i32::try_from(t.array_bounds.len()).unwrap_or(i32::MAX);
        let data_type = if dims > 0 { format!("{element}[]") } else { element };
        let base_type = render(&name, &[], None, false);
        ColumnType { data_type, base_type, typmod, array_dimensions: dims, name }
    }

    /// The type as `format_type_be` prints it (no modifiers): routine arguments and results.
    pub fn type_text(&self, t: &pb::TypeName) -> String {
        if t.pct_type {
            return self.percent_type(t);
        }
        let name = self.type_name(&strings(&t.names));
        let text = render(&name, &[], None, false);
        if t.array_bounds.is_empty() { text } else { format!("{text}[]") }
    }

    /// `table.column%TYPE`: the column's type when the file defined it.
    fn percent_type(&self, t: &pb::TypeName) -> String {
        let names = strings(&t.names);
        let found = names.split_last().and_then(|(column, table)| {
            let table = self.relation_named(table);
            let column = self.table(&table)?.column(column)?;
            let base = column.base_type.clone();
            Some(if column.array_dimensions > 0 { format!("{base}[]") } else { base })
        });
        found.unwrap_or_else(|| format!("{}%TYPE", names.join(".")))
    }

    /// Resolve a type name: qualified as written, built-ins in `pg_catalog`, otherwise a type
    /// this file defined along the path, else the creation schema.
    pub fn type_name(&self, names: &[String]) -> QualifiedName {
        match names {
            [.., schema, name] => QualifiedName::new(schema.as_str(), name.as_str()),
            [name] => {
                let path = self.lookup_path();
                let found = path.iter().find(|s| {
                    if s.as_str() == PG_CATALOG {
                        is_builtin(name)
                    } else {
                        self.type_exists(s, name)
                    }
                });
                let schema = match found {
                    Some(schema) => schema.clone(),
                    None if is_builtin(name) || self.search_path.is_empty() => PG_CATALOG.into(),
                    None => self.creation_schema(),
                };
                QualifiedName::new(schema, name.as_str())
            }
            [] => QualifiedName::new(PG_CATALOG, "unknown"),
        }
    }

    /// Whether the file defined a type (or a relation, whose row type it is) `schema.name`.
    pub fn type_exists(&self, schema: &str, name: &str) -> bool {
        let t = &self.schema.types;
        let hit = |s: &String, n: &String| s == schema && n == name;
        t.enums.iter().any(|e| hit(&e.schema, &e.name))
            || t.domains.iter().any(|d| hit(&d.schema, &d.name))
            || t.composites.iter().any(|c| hit(&c.schema, &c.name))
            || t.ranges.iter().any(|r| hit(&r.schema, &r.name))
            || self.schema.tables.iter().any(|r| hit(&r.schema, &r.name))
            || self.schema.views.iter().any(|r| hit(&r.schema, &r.name))
    }
}

/// A resolved type as `format_type` prints it without modifiers (`integer`, `public.mood`).
pub(super) fn render_plain(name: &QualifiedName) -> String {
    render(name, &[], None, false)
}

/// Whether `name` is a built-in type's internal name.
fn is_builtin(name: &str) -> bool {
    RENAMED.iter().any(|(internal, _)| *internal == name) || BUILTIN.contains(&name)
}

/// A type modifier as written: a number, or a word (`Point` in `geometry(Point, 4326)`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Modifier {
    Number(i32),
    Word(String),
}

fn modifiers(t: &pb::TypeName) -> Vec<Modifier> {
    t.typmods
        .iter()
        .filter_map(|m| match kind(m)? {
            NodeEnum::AConst(c) => {
                let text = a_const(c)?;
                Some(text.parse().map_or(Modifier::Word(text), Modifier::Number))
            }
            NodeEnum::ColumnRef(c) => Some(Modifier::Word(strings(&c.fields).join("."))),
            _ => None,
        })
        .collect()
}

/// The built-in type's internal name, if `name` is one.
fn builtin(name: &QualifiedName) -> Option<&str> {
    (name.schema == PG_CATALOG).then_some(name.name.as_str())
}

/// `atttypmod` for the modifiers `mods` of type `name`.
fn typmod(name: &QualifiedName, mods: &[Modifier]) -> Option<i32> {
    let numbers: Option<Vec<i32>> = mods
        .iter()
        .map(|m| match m {
            Modifier::Number(n) => Some(*n),
            Modifier::Word(_) => None,
        })
        .collect();
    let numbers = numbers?;
    match (builtin(name), numbers.as_slice()) {
        (_, []) => None,
        (Some("varchar" | "bpchar"), [n]) => n.checked_add(VARHDRSZ),
        (Some("numeric"), [p]) => (p << 16).checked_add(VARHDRSZ),
        (Some("numeric"), [p, s]) => ((p << 16) | (s & 0x7ff)).checked_add(VARHDRSZ),
        (Some("interval"), [range]) => Some((range & INTERVAL_FULL_RANGE) << 16 | 0xFFFF),
        (Some("interval"), [range, precision]) => {
            Some((range & INTERVAL_FULL_RANGE) << 16 | (precision & 0xFFFF))
        }
        (_, [n]) => Some(*n),
        _ => None,
    }
}

/// The type as `format_type` prints it; `given` says whether a modifier was supplied (only
/// matters for `bpchar`, which prints as `bpchar` with no length but `character` otherwise).
fn render(name: &QualifiedName, mods: &[Modifier], typmod: Option<i32>, given: bool) -> String {
    let Some(internal) = builtin(name) else {
        return format!("{}{}", quote_qualified(name), user_modifiers(mods));
    };
    let plain = RENAMED.iter().find(|(i, _)| *i == internal).map_or_else(
        || if is_builtin(internal) { internal.to_owned() } else { quote_qualified(name) },
        |(_, shown)| (*shown).to_owned(),
    );
    let Some(typmod) = typmod else {
        return if internal == "bpchar" && given && mods.is_empty() {
            "bpchar".into()
        } else {
            plain
        };
    };
    match internal {
        "varchar" | "bpchar" => format!("{plain}({})", typmod - VARHDRSZ),
        "numeric" => {
            let t = typmod - VARHDRSZ;
            format!("numeric({},{})", (t >> 16) & 0xffff, ((t & 0x7ff) ^ 1024) - 1024)
        }
        "timestamp" | "timestamptz" | "time" | "timetz" => {
            let (head, zone) = plain.split_once(' ').unwrap_or((plain.as_str(), ""));
            format!("{head}({typmod}) {zone}")
        }
        "interval" => format!("interval{}", interval_fields(typmod)),
        _ => format!("{plain}({typmod})"),
    }
}

/// `(a,b)` for a user-defined type's modifiers, as its `typmodout` would print them.
fn user_modifiers(mods: &[Modifier]) -> String {
    if mods.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = mods
        .iter()
        .map(|m| match m {
            Modifier::Number(n) => n.to_string(),
            Modifier::Word(w) => w.clone(),
        })
        .collect();
    format!("({})", parts.join(","))
}

/// What `intervaltypmodout` prints: ` day to second(3)`.
fn interval_fields(typmod: i32) -> String {
    const YEAR: i32 = 1 << 2;
    const MONTH: i32 = 1 << 1;
    const DAY: i32 = 1 << 3;
    const HOUR: i32 = 1 << 10;
    const MINUTE: i32 = 1 << 11;
    const SECOND: i32 = 1 << 12;
    let fields = match (typmod >> 16) & INTERVAL_FULL_RANGE {
        YEAR => " year",
        MONTH => " month",
        DAY => " day",
        HOUR => " hour",
        MINUTE => " minute",
        SECOND => " second",
        r if r == YEAR | MONTH => " year to month",
        r if r == DAY | HOUR => " day to hour",
        r if r == DAY | HOUR | MINUTE => " day to minute",
        r if r == DAY | HOUR | MINUTE | SECOND => " day to second",
        r if r == HOUR | MINUTE => " hour to minute",
        r if r == HOUR | MINUTE | SECOND => " hour to second",
        r if r == MINUTE | SECOND => " minute to second",
        _ => "",
    };
    match typmod & 0xFFFF {
        INTERVAL_FULL_PRECISION => fields.to_owned(),
        precision => format!("{fields}({precision})"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The column type of `sql_type` as a column of a table.
    fn column(b: &Builder, sql_type: &str) -> ColumnType {
        let sql = format!("CREATE TABLE t (c {sql_type})");
        let parsed = pg_query::parse(&sql, 0).unwrap();
        let stmt = parsed.protobuf.stmts[0].stmt.as_ref().unwrap();
        let Some(NodeEnum::CreateStmt(create)) = stmt.node.as_ref() else { panic!() };
        let Some(NodeEnum::ColumnDef(def)) = create.table_elts[0].node.as_ref() else { panic!() };
        b.column_type(def.type_name.as_ref().unwrap())
    }

    fn shown(b: &Builder, sql_type: &str) -> (String, String, Option<i32>, i32) {
        let c = column(b, sql_type);
        (c.data_type, c.base_type, c.typmod, c.array_dimensions)
    }

    #[test]
    fn renders_builtin_types_like_format_type() {
        let b = Builder::new("db");
        let s = |t: &str| shown(&b, t);
        assert_eq!(s("integer"), ("integer".into(), "integer".into(), None, 0));
        assert_eq!(s("int4"), ("integer".into(), "integer".into(), None, 0));
        assert_eq!(
            s("character varying(255)"),
            ("character varying(255)".into(), "character varying".into(), Some(259), 0)
        );
        assert_eq!(s("varchar"), ("character varying".into(), "character varying".into(), None, 0));
        assert_eq!(s("char"), ("character(1)".into(), "character".into(), Some(5), 0));
        assert_eq!(s("bpchar"), ("bpchar".into(), "character".into(), None, 0));
        assert_eq!(s("numeric(10,2)"), ("numeric(10,2)".into(), "numeric".into(), Some(655366), 0));
        assert_eq!(s("numeric(5)").0, "numeric(5,0)");
        assert_eq!(s("decimal").0, "numeric");
        assert_eq!(s("timestamp without time zone").0, "timestamp without time zone");
        assert_eq!(s("timestamp(3) with time zone").0, "timestamp(3) with time zone");
        assert_eq!(s("timestamptz(3)").2, Some(3));
        assert_eq!(s("time with time zone").0, "time with time zone");
        assert_eq!(s("double precision").0, "double precision");
        assert_eq!(s("float(10)").0, "real");
        assert_eq!(s("bit").0, "bit(1)");
        assert_eq!(s("bit varying(5)").0, "bit varying(5)");
        assert_eq!(s("\"char\"").0, "\"char\"");
        assert_eq!(s("int[][]"), ("integer[]".into(), "integer".into(), None, 2));
        assert_eq!(s("varchar(20)[]").0, "character varying(20)[]");
        assert_eq!(s("interval").0, "interval");
        assert_eq!(s("interval(3)").0, "interval(3)");
        assert_eq!(s("interval day to second(2)").0, "interval day to second(2)");
        assert_eq!(s("interval year to month").0, "interval year to month");
        assert_eq!(s("text").0, "text");
        assert_eq!(s("pg_catalog.text").0, "text");
    }

    #[test]
    fn qualifies_user_types() {
        let mut b = Builder::new("db");
        assert_eq!(s_of(&b, "public.mood"), "public.mood");
        assert_eq!(s_of(&b, "public.vector(20)"), "public.vector(20)");
        assert_eq!(column(&b, "public.vector(20)").typmod, Some(20));
        // Modifier words are folded like identifiers (PostGIS itself prints `Point`).
        assert_eq!(s_of(&b, "public.geometry(Point,4326)"), "public.geometry(point,4326)");
        assert_eq!(column(&b, "public.geometry(Point,4326)").typmod, None);
        assert_eq!(s_of(&b, "public.\"bıgınt\""), "public.\"bıgınt\"");
        assert_eq!(s_of(&b, "public.mood[]"), "public.mood[]");
        assert_eq!(column(&b, "public.mood[]").base_type, "public.mood");
        // An old dump: unqualified names, search_path = public, pg_catalog.
        b.search_path = vec!["public".into(), PG_CATALOG.into()];
        assert_eq!(s_of(&b, "mpaa_rating"), "public.mpaa_rating");
        assert_eq!(s_of(&b, "text"), "text");
        // A modern dump: empty path, unqualified means pg_catalog.
        b.search_path.clear();
        assert_eq!(s_of(&b, "citext"), "citext");
    }

    fn s_of(b: &Builder, t: &str) -> String {
        column(b, t).data_type
    }
}
