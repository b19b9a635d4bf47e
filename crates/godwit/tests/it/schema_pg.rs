//! PostgreSQL catalog introspection, one test per object kind.
//!
//! Each test creates objects with SQL in a fresh database and checks the introspected model
//! field by field, including the server's rendering of expressions (which is qualified because
//! introspection empties `search_path`).

mod code;
mod constraints;
mod document;
mod relations;
mod security;
mod types;

use godwit::dialect::Dialect;
use godwit::schema::model::{Column, Grantee, QualifiedName, Table};
use godwit::schema::{Filter, Schema, introspect};
use godwit_test_support::{TestDb, chain, test_db};

/// A fresh database in which `sql` has run.
async fn db_with(sql: &str) -> TestDb {
    let db = test_db().await;
    db.execute_script(sql).await;
    db
}

/// Introspect every user schema of `db`.
async fn read(db: &TestDb) -> Schema {
    read_filtered(db, &Filter::all()).await
}

/// Introspect the schemas of `db` that pass `filter`.
async fn read_filtered(db: &TestDb, filter: &Filter) -> Schema {
    introspect(db.client(), Dialect::Postgres, filter)
        .await
        .unwrap_or_else(|e| panic!("introspection failed: {}", chain(&e)))
}

/// The table `public.name`.
fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    schema.table("public", name).unwrap_or_else(|| panic!("no table public.{name}"))
}

/// The column `name` of `table`.
fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    table.column(name).unwrap_or_else(|| panic!("no column {name} in {}", table.name))
}

/// A qualified name.
fn qn(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(schema, name)
}

/// A named role as a grantee.
fn role(name: &str) -> Grantee {
    Grantee::Role(name.to_owned())
}

/// A nullable, non-array, non-default column of type `data_type` with nothing else set.
fn plain_column(name: &str, ordinal: i32, data_type: &str) -> Column {
    Column::new(name, ordinal, data_type)
}

/// A strings vector, for comparisons.
fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
