//! Names: reading them out of parse-tree nodes, quoting them like the server, and resolving
//! unqualified ones through the dump's `search_path`.
//!
//! Modern dumps empty `search_path` and qualify every name outside `pg_catalog`; older ones
//! (`SET search_path = public, pg_catalog;`) write names unqualified. An unqualified name is
//! looked up the way the server would: `pg_catalog` first unless the path places it elsewhere,
//! then each schema of the path, among the objects this file defined. A name found nowhere is
//! a built-in (for types, functions and collations) or lives in the first schema of the path.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, KeywordKind, Node};

use super::state::Builder;
use crate::schema::model::QualifiedName;

/// The system schema.
pub(super) const PG_CATALOG: &str = "pg_catalog";

/// The node's content, if it has one.
pub(super) fn kind(node: &Node) -> Option<&NodeEnum> {
    node.node.as_ref()
}

/// The text of a `String` node (also the digits of an `Integer` or `Float`).
pub(super) fn string(node: &Node) -> Option<String> {
    match kind(node)? {
        NodeEnum::String(s) => Some(s.sval.clone()),
        NodeEnum::Integer(i) => Some(i.ival.to_string()),
        NodeEnum::Float(f) => Some(f.fval.clone()),
        NodeEnum::Boolean(b) => Some(b.boolval.to_string()),
        NodeEnum::AConst(c) => a_const(c),
        NodeEnum::TypeName(t) => Some(strings(&t.names).join(".")),
        NodeEnum::List(l) => Some(strings(&l.items).join(".")),
        _ => None,
    }
}

/// The value of a constant as text (`None` for NULL).
pub(super) fn a_const(c: &pb::AConst) -> Option<String> {
    use pb::a_const::Val;
    match c.val.as_ref()? {
        Val::Ival(i) => Some(i.ival.to_string()),
        Val::Fval(f) => Some(f.fval.clone()),
        Val::Boolval(b) => Some(b.boolval.to_string()),
        Val::Sval(s) => Some(s.sval.clone()),
        Val::Bsval(b) => Some(b.bsval.clone()),
    }
}

/// The texts of a list of `String` nodes (other nodes are skipped).
pub(super) fn strings(nodes: &[Node]) -> Vec<String> {
    nodes.iter().filter_map(string).collect()
}

/// The items of a `List` node (empty for anything else).
pub(super) fn list(node: &Node) -> &[Node] {
    match kind(node) {
        Some(NodeEnum::List(l)) => &l.items,
        _ => &[],
    }
}

/// `name` quoted the way `quote_ident` quotes it: bare when it is lower-case ASCII letters,
/// digits and underscores not starting with a digit, and not a reserved word.
pub(super) fn quote_ident(name: &str) -> String {
    let plain = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if plain && !is_keyword(name) {
        return name.to_owned();
    }
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether `name` is a keyword that cannot be used as a bare identifier everywhere.
fn is_keyword(name: &str) -> bool {
    let Ok(tokens) = super::tokens::scan(name) else {
        return false;
    };
    match tokens.as_slice() {
        [token] => {
            token.keyword_kind != KeywordKind::NoKeyword as i32
                && token.keyword_kind != KeywordKind::UnreservedKeyword as i32
        }
        _ => false,
    }
}

/// `schema.name` quoted for SQL, leaving `pg_catalog` out like the server does.
pub(super) fn quote_qualified(name: &QualifiedName) -> String {
    if name.schema == PG_CATALOG || name.schema.is_empty() {
        quote_ident(&name.name)
    } else {
        format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
    }
}

/// `schema.name` always qualified (relations in `pg_get_indexdef` and friends).
pub(super) fn quote_relation(name: &QualifiedName) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

impl Builder {
    /// The schema new unqualified objects are created in: the first schema of the path that is
    /// not `pg_catalog`, else `public`.
    pub fn creation_schema(&self) -> String {
        self.search_path
            .iter()
            .find(|s| s.as_str() != PG_CATALOG && !s.starts_with('$'))
            .cloned()
            .unwrap_or_else(|| "public".to_owned())
    }

    /// The schemas an unqualified name is looked up in, in order (`pg_catalog` first unless
    /// the path names it).
    pub fn lookup_path(&self) -> Vec<String> {
        let mut path: Vec<String> =
            self.search_path.iter().filter(|s| !s.starts_with('$')).cloned().collect();
        if !path.iter().any(|s| s == PG_CATALOG) {
            path.insert(0, PG_CATALOG.to_owned());
        }
        path
    }

    /// The name of an object being created: `schema.name`, or `name` in the creation schema.
    pub fn new_name(&self, schema: &str, name: &str) -> QualifiedName {
        let schema = if schema.is_empty() { self.creation_schema() } else { schema.to_owned() };
        QualifiedName::new(schema, name)
    }

    /// The object being created by a dotted name list (`[schema.]name`).
    pub fn new_name_from(&self, names: &[String]) -> QualifiedName {
        match names {
            [.., schema, name] => self.new_name(schema, name),
            [name] => self.new_name("", name),
            [] => self.new_name("", ""),
        }
    }

    /// The object of a dotted name list that refers to an existing object: qualified names as
    /// written; unqualified ones resolved with `exists(schema, name)` along the path, falling
    /// back to `fallback` (a schema) when nothing matches.
    pub fn resolve(
        &self,
        names: &[String],
        exists: impl Fn(&Builder, &str, &str) -> bool,
        fallback: &str,
    ) -> QualifiedName {
        match names {
            [.., schema, name] => QualifiedName::new(schema.as_str(), name.as_str()),
            [name] => {
                let found = self.lookup_path().into_iter().find(|s| exists(self, s, name));
                QualifiedName::new(found.unwrap_or_else(|| fallback.to_owned()), name.as_str())
            }
            [] => QualifiedName::new(fallback, ""),
        }
    }

    /// A relation (table, view, sequence) referred to by a `RangeVar`.
    pub fn relation(&self, range: &pb::RangeVar) -> QualifiedName {
        let mut names = Vec::new();
        if !range.schemaname.is_empty() {
            names.push(range.schemaname.clone());
        }
        names.push(range.relname.clone());
        self.relation_named(&names)
    }

    /// A relation referred to by a dotted name list.
    pub fn relation_named(&self, names: &[String]) -> QualifiedName {
        let fallback = self.creation_schema();
        self.resolve(names, |b, s, n| b.relation_exists(s, n), &fallback)
    }

    /// A function referred to by name: one this file defined along the path, else a built-in.
    pub fn function_named(&self, names: &[String]) -> QualifiedName {
        let exists = |b: &Builder, s: &str, n: &str| {
            b.schema.routines.iter().any(|r| r.schema == s && r.name == n)
        };
        self.resolve(names, exists, PG_CATALOG)
    }

    /// A collation, operator class or other catalog object: built-in unless qualified.
    pub fn catalog_object(&self, names: &[String]) -> QualifiedName {
        self.resolve(names, |_, _, _| false, PG_CATALOG)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_quote_ident() {
        assert_eq!(quote_ident("film_id"), "film_id");
        assert_eq!(quote_ident("zip code"), "\"zip code\"");
        assert_eq!(quote_ident("Film"), "\"Film\"");
        assert_eq!(quote_ident("bıgınt"), "\"bıgınt\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("year"), "year");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1a"), "\"1a\"");
        assert_eq!(quote_ident(""), "\"\"");
    }

    #[test]
    fn resolves_through_the_search_path() {
        let mut b = Builder::new("db");
        assert_eq!(b.creation_schema(), "public");
        b.search_path = vec!["app".into(), PG_CATALOG.into()];
        assert_eq!(b.creation_schema(), "app");
        assert_eq!(b.lookup_path(), ["app", PG_CATALOG]);
        assert_eq!(b.new_name("", "t"), QualifiedName::new("app", "t"));
        assert_eq!(b.relation_named(&["x".into(), "t".into()]), QualifiedName::new("x", "t"));
        assert_eq!(b.function_named(&["now".into()]), QualifiedName::new(PG_CATALOG, "now"));
        b.search_path.clear();
        assert_eq!(b.creation_schema(), "public");
        assert_eq!(b.lookup_path(), [PG_CATALOG]);
    }
}
