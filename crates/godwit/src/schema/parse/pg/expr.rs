//! Expression text: qualifying names the way the server prints them, and finding the columns
//! an expression uses.
//!
//! Introspection prints expressions with an empty `search_path`, so a sequence in
//! `nextval('seq'::regclass)`, a user type in a cast and a user function in a call all come back
//! schema-qualified. Modern dumps already write them that way; older ones (written with
//! `search_path = public, pg_catalog`) do not. [`Builder::qualify`] rewrites exactly those three
//! token patterns, for names this file defined, and leaves everything else as written.

use std::collections::BTreeSet;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, Token};

use super::names::{PG_CATALOG, kind, quote_relation, strings};
use super::state::Builder;
use super::tokens::Tokens;

impl Builder {
    /// `text` (an expression as written in the dump) with unqualified references to objects of
    /// this file qualified like the server would print them.
    pub fn qualify(&self, text: &str) -> String {
        if self.search_path.is_empty() {
            return text.to_owned();
        }
        let tokens = Tokens::new(text);
        let mut out = String::with_capacity(text.len() + 16);
        let mut at = 0;
        for i in 0..tokens.len() {
            let Some(replacement) = self.qualified_token(&tokens, i) else {
                continue;
            };
            out.push_str(text.get(at..tokens.start(i)).unwrap_or_default());
            out.push_str(&replacement);
            at = tokens.end(i);
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }

    /// The qualified spelling of token `i`, when it needs one.
    fn qualified_token(&self, t: &Tokens<'_>, i: usize) -> Option<String> {
        let after_dot = i > 0 && t.is_char(i - 1, '.');
        let before_dot = t.is_char(i + 1, '.');
        if t.is(i, Token::Sconst) && t.is(i + 1, Token::Typecast) && t.text(i + 2) == "regclass" {
            return self.qualified_regclass(t.text(i));
        }
        if !t.is_name(i) || after_dot || before_dot {
            return None;
        }
        let name = identifier(t.text(i));
        if i > 0 && t.is(i - 1, Token::Typecast) {
            let resolved = self.type_name(std::slice::from_ref(&name));
            return (resolved.schema != PG_CATALOG && self.type_exists(&resolved.schema, &name))
                .then(|| quote_relation(&resolved));
        }
        if t.is_char(i + 1, '(') && !(i > 0 && t.is(i - 1, Token::Typecast)) {
            let resolved = self.function_named(std::slice::from_ref(&name));
            return (resolved.schema != PG_CATALOG).then(|| quote_relation(&resolved));
        }
        None
    }

    /// `'public.seq'` for the literal `'seq'` when the file defined `seq` along the path.
    fn qualified_regclass(&self, literal: &str) -> Option<String> {
        let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?.replace("''", "'");
        if inner.contains('.') || inner.contains('"') {
            return None;
        }
        let name = inner.to_lowercase();
        let resolved = self.relation_named(std::slice::from_ref(&name));
        if resolved.schema == PG_CATALOG || !self.relation_exists(&resolved.schema, &name) {
            return None;
        }
        Some(format!("'{}'", quote_relation(&resolved).replace('\'', "''")))
    }
}

/// An identifier token's name: unquoted (doubled quotes undone) or folded to lower case.
pub(super) fn identifier(token: &str) -> String {
    match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => token.to_lowercase(),
    }
}

/// The distinct column names an expression refers to (the last field of each column
/// reference), for naming constraints the way the server does.
pub(super) fn column_refs(node: &Node) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect(node, &mut found, 0);
    found
}

fn collect(node: &Node, found: &mut BTreeSet<String>, depth: usize) {
    if depth > 200 {
        return;
    }
    let mut visit = |n: &Node| collect(n, found, depth + 1);
    let Some(node) = kind(node) else {
        return;
    };
    match node {
        NodeEnum::ColumnRef(c) => {
            if let Some(last) = strings(&c.fields).pop() {
                found.insert(last);
            }
        }
        NodeEnum::AExpr(e) => e.lexpr.iter().chain(e.rexpr.iter()).for_each(|n| visit(n)),
        NodeEnum::BoolExpr(e) => e.args.iter().for_each(visit),
        NodeEnum::FuncCall(f) => f.args.iter().for_each(visit),
        NodeEnum::TypeCast(c) => c.arg.iter().for_each(|n| visit(n)),
        NodeEnum::NullTest(t) => t.arg.iter().for_each(|n| visit(n)),
        NodeEnum::BooleanTest(t) => t.arg.iter().for_each(|n| visit(n)),
        NodeEnum::List(l) => l.items.iter().for_each(visit),
        NodeEnum::CollateClause(c) => c.arg.iter().for_each(|n| visit(n)),
        NodeEnum::CoalesceExpr(c) => c.args.iter().for_each(visit),
        NodeEnum::MinMaxExpr(m) => m.args.iter().for_each(visit),
        NodeEnum::NullIfExpr(n) => n.args.iter().for_each(visit),
        NodeEnum::AArrayExpr(a) => a.elements.iter().for_each(visit),
        NodeEnum::RowExpr(r) => r.args.iter().for_each(visit),
        NodeEnum::AIndirection(a) => a.arg.iter().for_each(|n| visit(n)),
        NodeEnum::CaseExpr(c) => {
            c.arg.iter().chain(c.defresult.iter()).for_each(|n| visit(n));
            c.args.iter().for_each(visit);
        }
        NodeEnum::CaseWhen(w) => w.expr.iter().chain(w.result.iter()).for_each(|n| visit(n)),
        NodeEnum::SubLink(s) => s.testexpr.iter().for_each(|n| visit(n)),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::model::{EnumType, Sequence};
    use crate::schema::parse::pg::names::quote_ident;

    fn expression(sql: &str) -> Node {
        let parsed = pg_query::parse(&format!("SELECT {sql}"), 0).unwrap();
        let stmt = parsed.protobuf.stmts[0].stmt.as_ref().unwrap();
        let Some(NodeEnum::SelectStmt(select)) = stmt.node.as_ref() else { panic!() };
        let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.as_ref() else {
            panic!()
        };
        *target.val.clone().unwrap()
    }

    #[test]
    fn collects_distinct_column_references() {
        let refs = column_refs(&expression("((a >= 1) AND (t.a < f(b, 2)::int)) OR c IS NULL"));
        assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert!(column_refs(&expression("VALUE > 0")).contains("value"));
    }

    #[test]
    fn qualifies_names_of_this_file_in_old_dumps() {
        let mut b = Builder::new("db");
        b.register("public", "s");
        b.schema.sequences.push(Sequence::with_defaults("public", "s"));
        b.schema.types.enums.push(EnumType {
            schema: "public".into(),
            name: "mood".into(),
            labels: vec![],
            owner: String::new(),
            comment: None,
            privileges: None,
        });
        b.search_path = vec!["public".into(), PG_CATALOG.into()];
        assert_eq!(b.qualify("nextval('s'::regclass)"), "nextval('public.s'::regclass)");
        assert_eq!(b.qualify("nextval('other'::regclass)"), "nextval('other'::regclass)");
        assert_eq!(b.qualify("'x'::mood"), "'x'::public.mood");
        assert_eq!(b.qualify("('now'::text)::date"), "('now'::text)::date");
        assert_eq!(b.qualify("mood.x"), "mood.x");
        b.search_path.clear();
        assert_eq!(b.qualify("nextval('s'::regclass)"), "nextval('s'::regclass)");
    }

    #[test]
    fn folds_identifiers() {
        assert_eq!(identifier("Foo"), "foo");
        assert_eq!(identifier("\"Foo\"\"x\""), "Foo\"x");
        assert_eq!(quote_ident(&identifier("\"Foo\"")), "\"Foo\"");
    }
}
