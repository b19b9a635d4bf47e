//! `CREATE VIEW` and `CREATE MATERIALIZED VIEW`.
//!
//! The `definition` is the query as written after `AS`. `pg_dump` writes `pg_get_viewdef`'s
//! output there (minus its final `;`), so the text is put back into that function's shape:
//! a leading space, the trailing `WITH ... CHECK OPTION` or `WITH [NO] DATA` removed, and a
//! final `;`. Output columns are not listed: their types need the catalog.

use pg_query::protobuf::{self as pb, ObjectType, Token, ViewCheckOption};

use super::index::options;
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{CheckOption, QualifiedName, View};
use crate::schema::parse::ObjectKey;

impl Builder {
    /// `CREATE [OR REPLACE] VIEW`.
    pub fn create_view(&mut self, stmt: &Stmt<'_>, s: &pb::ViewStmt) -> Applied {
        let range = s.view.as_ref().ok_or_else(|| Problem::new("CREATE VIEW without a name"))?;
        let name = self.new_name(&range.schemaname, &range.relname);
        let check_option = match ViewCheckOption::try_from(s.with_check_option) {
            Ok(ViewCheckOption::LocalCheckOption) => Some(CheckOption::Local),
            Ok(ViewCheckOption::CascadedCheckOption) => Some(CheckOption::Cascaded),
            _ => None,
        };
        let mut opts = options(&s.options);
        if let Some(option) = check_option {
            let value = if option == CheckOption::Local { "local" } else { "cascaded" };
            opts.retain(|o| !o.starts_with("check_option="));
            opts.push(format!("check_option={value}"));
        }
        let check_option = check_option.or_else(|| match option_value(&opts, "check_option") {
            Some("local") => Some(CheckOption::Local),
            Some(_) => Some(CheckOption::Cascaded),
            None => None,
        });
        let definition = definition(stmt, range.location);
        let view = new_view(&name, false, definition, true, check_option, opts);
        if s.replace {
            self.schema.views.retain(|v| !(v.schema == name.schema && v.name == name.name));
        }
        self.add_view(stmt, view)
    }

    /// `CREATE MATERIALIZED VIEW ... [WITH [NO] DATA]` (and `CREATE TABLE AS`, which needs the
    /// query's output types and is reported instead).
    pub fn create_table_as(&mut self, stmt: &Stmt<'_>, s: &pb::CreateTableAsStmt) -> Applied {
        if s.objtype != ObjectType::ObjectMatview as i32 {
            return Err(Problem::new(
                "CREATE TABLE AS is not supported: its columns need the catalog",
            ));
        }
        let into = s
            .into
            .as_deref()
            .ok_or_else(|| Problem::new("CREATE MATERIALIZED VIEW without a name"))?;
        let range = into
            .rel
            .as_ref()
            .ok_or_else(|| Problem::new("CREATE MATERIALIZED VIEW without a name"))?;
        let name = self.new_name(&range.schemaname, &range.relname);
        let definition = definition(stmt, range.location);
        let view = new_view(&name, true, definition, !into.skip_data, None, options(&into.options));
        self.add_view(stmt, view)
    }

    fn add_view(&mut self, stmt: &Stmt<'_>, view: View) -> Applied {
        let name = view.qualified_name();
        if self.relation_exists(&name.schema, &name.name) {
            return Err(Problem::new(format!("relation \"{name}\" already exists")));
        }
        self.register(&name.schema, &name.name);
        self.schema.views.push(view);
        self.ensure_schema(&name.schema);
        self.locate(ObjectKey::View(name), stmt.location());
        Ok(())
    }
}

/// A view with the given properties and no owner, columns or indexes yet.
fn new_view(
    name: &QualifiedName,
    materialized: bool,
    definition: String,
    populated: bool,
    check_option: Option<CheckOption>,
    options: Vec<String>,
) -> View {
    View {
        schema: name.schema.clone(),
        name: name.name.clone(),
        materialized,
        definition,
        populated,
        check_option,
        security_barrier: flag(&options, "security_barrier"),
        security_invoker: flag(&options, "security_invoker"),
        options,
        owner: String::new(),
        comment: None,
        privileges: None,
        columns: Vec::new(),
        indexes: Vec::new(),
    }
}

/// The value of option `name` in `name=value` options.
fn option_value<'o>(options: &'o [String], name: &str) -> Option<&'o str> {
    options.iter().find_map(|o| o.strip_prefix(name)?.strip_prefix('='))
}

/// A boolean option, read the way the server reads booleans.
fn flag(options: &[String], name: &str) -> bool {
    matches!(
        option_value(options, name).map(str::to_ascii_lowercase).as_deref(),
        Some("true" | "on" | "yes" | "1")
    )
}

/// The query after `AS`, in `pg_get_viewdef`'s shape.
fn definition(stmt: &Stmt<'_>, name_at: i32) -> String {
    let t = &stmt.tokens;
    let end = t.body_end();
    let Some(as_token) = t.find(t.at(name_at), end, Token::As) else {
        return String::new();
    };
    let tail = t.find_where(as_token + 1, end, |i| {
        t.is(i, Token::With)
            && (t.is(i + 1, Token::Check)
                || t.is(i + 1, Token::Cascaded)
                || t.is(i + 1, Token::Local)
                || t.is(i + 1, Token::No)
                || t.is(i + 1, Token::DataP))
            && t.find(i + 1, end, Token::Select).is_none()
    });
    let stop = tail.map_or_else(|| t.start(end), |i| t.start(i));
    let query = stmt.text.get(t.end(as_token)..stop).unwrap_or_default().trim_end();
    match query.strip_prefix('\n') {
        Some(rest) => format!("{rest};"),
        None => format!(" {};", query.trim_start()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_boolean_options() {
        let opts = vec!["security_barrier=true".to_owned(), "check_option=local".to_owned()];
        assert!(flag(&opts, "security_barrier"));
        assert!(!flag(&opts, "security_invoker"));
        assert_eq!(option_value(&opts, "check_option"), Some("local"));
    }
}
