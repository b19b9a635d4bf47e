//! The publication godwit manages for the tables it moves.
//!
//! It names the copied tables themselves (partitions, not partitioned parents, since `fetch`
//! copies leaves), publishes every operation (insert, update, delete, truncate), and is
//! created before the slot so that pgoutput finds it for every change after the slot's
//! consistent point. Re-running with another table set replaces the list.

use tokio_postgres::Client;

use crate::dialect::{quote_ident, quote_qualified};
use crate::error::{Error, Result};

/// Make publication `name` publish exactly `tables` (`(schema, table)` pairs).
///
/// Contract: idempotent; needs the `CREATE` privilege on the database and ownership of the
/// tables (PostgreSQL's rules for `CREATE PUBLICATION ... FOR TABLE`).
pub async fn ensure(client: &Client, name: &str, tables: &[(String, String)]) -> Result<()> {
    let exists: bool = client
        .query_one(include_str!("sql/publication_exists.sql"), &[&name])
        .await
        .map_err(|e| Error::db(format!("looking up publication {name}"), e))?
        .get(0);
    let list = table_list(tables);
    let sql = match (exists, list.is_empty()) {
        (true, true) => return Ok(()),
        (true, false) => include_str!("sql/set_publication_tables.sql").replace("{tables}", &list),
        (false, true) => include_str!("sql/create_publication.sql").replace("{for_tables}", ""),
        (false, false) => include_str!("sql/create_publication.sql")
            .replace("{for_tables}", &format!(" FOR TABLE {list}")),
    };
    let sql = sql.trim_end().replace("{name}", &quote_ident(name));
    client
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::db(format!("creating publication {name} on the source"), e))
}

/// Drop publication `name` if it exists.
pub async fn drop_publication(client: &Client, name: &str) -> Result<()> {
    let sql =
        include_str!("sql/drop_publication.sql").trim_end().replace("{name}", &quote_ident(name));
    client
        .batch_execute(&sql)
        .await
        .map_err(|e| Error::db(format!("dropping publication {name}"), e))
}

fn table_list(tables: &[(String, String)]) -> String {
    let names: Vec<String> = tables.iter().map(|(s, t)| quote_qualified(s, t)).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_are_quoted() {
        let list =
            table_list(&[("Sales".into(), "Order Lines".into()), ("public".into(), "t".into())]);
        assert_eq!(list, r#""Sales"."Order Lines", "public"."t""#);
    }
}
