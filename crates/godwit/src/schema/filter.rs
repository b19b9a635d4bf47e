//! Which schemas an introspection looks at.
//!
//! The filter works on schema names only, and it is applied once, in Rust, to the list of
//! schemas the catalog reports. Every later catalog query receives the resulting name list as a
//! `text[]` parameter, so the include/exclude rules live in one place and do not depend on the
//! dialect.
//!
//! System schemas are always excluded, whatever the filter says:
//!
//! - every name starting with `pg_`. PostgreSQL reserves that prefix (`CREATE SCHEMA pg_x` fails
//!   with "unacceptable schema name"), so it covers `pg_catalog`, `pg_toast`, `pg_temp_N`,
//!   `pg_toast_temp_N` and CockroachDB's `pg_extension`;
//! - `information_schema`;
//! - CockroachDB's `crdb_internal`;
//! - `_godwit`, where godwit keeps its own state on a target.

/// The schemas to introspect: all user schemas, or the named ones, minus exclusions.
///
/// Names are matched exactly and case-sensitively, as stored in the catalog (an unquoted
/// `CREATE SCHEMA Sales` is stored as `sales`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Schemas to include. Empty means every user schema.
    pub include_schemas: Vec<String>,
    /// Schemas to leave out, applied after `include_schemas`.
    pub exclude_schemas: Vec<String>,
}

/// Schemas that are never user data, whatever the filter says (see the module docs).
const SYSTEM_SCHEMAS: &[&str] = &["information_schema", "crdb_internal", "_godwit"];

impl Filter {
    /// A filter that keeps every user schema.
    pub fn all() -> Self {
        Self::default()
    }

    /// A filter that keeps only the named schemas.
    pub fn only<I, S>(schemas: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Filter { include_schemas: schemas.into_iter().map(Into::into).collect(), ..Self::default() }
    }

    /// Whether `name` is a system schema that is never introspected.
    pub fn is_system_schema(name: &str) -> bool {
        name.starts_with("pg_") || SYSTEM_SCHEMAS.contains(&name)
    }

    /// Whether the schema called `name` is introspected.
    pub fn includes_schema(&self, name: &str) -> bool {
        if Self::is_system_schema(name) {
            return false;
        }
        let included =
            self.include_schemas.is_empty() || self.include_schemas.iter().any(|s| s == name);
        included && !self.exclude_schemas.iter().any(|s| s == name)
    }

    /// The entries of `include_schemas` that are not in `existing` (typos, dropped schemas).
    pub fn missing_schemas<'a>(&'a self, existing: &[String]) -> Vec<&'a str> {
        self.include_schemas
            .iter()
            .filter(|wanted| !existing.contains(wanted))
            .map(String::as_str)
            .collect()
    }
}

/// Which tables of the introspected schemas a command works on (`--tables`,
/// `--exclude-tables`): regular expressions that must match a table's whole bare name
/// (`orders`) or its whole qualified name (`sales.orders`), so `--tables 'orders|customers'`
/// means exactly those two tables in any schema, and `--tables 'sales\..*'` every table of
/// `sales`. Names are matched as stored (case-sensitively).
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    include: Option<regex::Regex>,
    exclude: Option<regex::Regex>,
}

impl TableFilter {
    /// A filter from the two optional patterns; a pattern that is not a valid regular
    /// expression is a configuration error naming the flag.
    pub fn new(include: Option<&str>, exclude: Option<&str>) -> crate::Result<Self> {
        let compile = |flag: &str, pattern: Option<&str>| {
            pattern
                .map(|p| {
                    regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                        crate::Error::config(format!(
                            "{flag} {p:?} is not a regular expression: {e}"
                        ))
                    })
                })
                .transpose()
        };
        Ok(TableFilter {
            include: compile("--tables", include)?,
            exclude: compile("--exclude-tables", exclude)?,
        })
    }

    /// Whether table `schema.name` is selected.
    pub fn selects(&self, schema: &str, name: &str) -> bool {
        let qualified = format!("{schema}.{name}");
        let matches = |r: &regex::Regex| r.is_match(name) || r.is_match(&qualified);
        self.include.as_ref().is_none_or(matches) && !self.exclude.as_ref().is_some_and(matches)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn system_schemas_are_always_excluded() {
        let everything = Filter::only(["pg_catalog", "information_schema", "pg_toast", "public"]);
        for name in [
            "pg_catalog",
            "pg_toast",
            "pg_toast_temp_3",
            "pg_temp_3",
            "pg_extension",
            "information_schema",
            "crdb_internal",
            "_godwit",
        ] {
            assert!(Filter::is_system_schema(name), "{name}");
            assert!(!everything.includes_schema(name), "{name}");
            assert!(!Filter::all().includes_schema(name), "{name}");
        }
        assert!(everything.includes_schema("public"));
    }

    #[test]
    fn empty_include_means_all_user_schemas() {
        let filter = Filter { exclude_schemas: vec!["audit".into()], ..Filter::all() };
        assert!(filter.includes_schema("public"));
        assert!(filter.includes_schema("Sales"));
        assert!(!filter.includes_schema("audit"));
    }

    #[test]
    fn include_is_exact_and_exclude_wins() {
        let filter = Filter {
            include_schemas: vec!["app".into(), "audit".into()],
            exclude_schemas: vec!["audit".into()],
        };
        assert!(filter.includes_schema("app"));
        assert!(!filter.includes_schema("App"));
        assert!(!filter.includes_schema("audit"));
        assert!(!filter.includes_schema("public"));
    }

    #[test]
    fn reports_missing_included_schemas() {
        let filter = Filter::only(["app", "typo"]);
        assert_eq!(filter.missing_schemas(&["app".to_owned(), "public".to_owned()]), ["typo"]);
        assert!(Filter::all().missing_schemas(&[]).is_empty());
    }

    #[test]
    fn table_patterns_match_whole_bare_or_qualified_names() {
        let f = TableFilter::new(Some("orders|sales\\..*"), Some("sales\\.tmp_.*")).unwrap();
        assert!(f.selects("public", "orders"));
        assert!(!f.selects("public", "orders_archive"), "anchored");
        assert!(f.selects("sales", "lines"));
        assert!(!f.selects("sales", "tmp_x"), "excluded");
        assert!(!f.selects("public", "customers"));
        assert!(TableFilter::default().selects("any", "thing"));
        let err = TableFilter::new(Some("("), None).unwrap_err();
        assert!(err.to_string().contains("--tables"), "{err}");
    }
}
