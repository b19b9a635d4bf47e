//! Reading catalog rows, the same way for every backend.
//!
//! Both backends cast every catalog value in SQL to `text`, `int4`, `int8`, `bool`, `text[]` or
//! `jsonb`, so these few helpers are all a decoder needs: typed column access that turns a
//! surprise into an [`crate::ErrorKind::Internal`] error naming the column, single-character
//! code tables, optional qualified names, and the object key shared by the comment and grant
//! queries. None of them panics on unexpected catalog content.

use serde::de::DeserializeOwned;
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Row};

use super::assemble::ObjectRef;
use crate::schema::model::QualifiedName;
use crate::{Error, Result};

/// Run one catalog query whose only parameter (`$1`) is the list of selected schemas.
pub(super) async fn query(
    client: &Client,
    sql: &str,
    what: &str,
    schemas: &[String],
) -> Result<Vec<Row>> {
    client
        .query(sql, &[&schemas])
        .await
        .map_err(|e| Error::db(format!("Reading {what} from the catalog"), e))
}

/// One column of a catalog row, or an internal error naming the column.
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> Result<T> {
    row.try_get(column).map_err(|e| {
        Error::internal(format!("Unexpected value in catalog column \"{column}\"")).with_source(e)
    })
}

/// A `jsonb` column of a catalog row, decoded into `T`.
pub(super) fn get_json<T: DeserializeOwned>(row: &Row, column: &str) -> Result<T> {
    let value: serde_json::Value = get(row, column)?;
    serde_json::from_value(value).map_err(|e| {
        Error::internal(format!("Unexpected JSON in catalog column \"{column}\"")).with_source(e)
    })
}

/// Decode a catalog code with a lookup table; an unknown code is an internal error naming it.
pub(super) fn decode<T: Copy>(what: &str, code: &str, table: &[(&str, T)]) -> Result<T> {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, value)| *value)
        .ok_or_else(|| unknown_code(what, code))
}

/// The error for a catalog code this version of godwit does not know.
pub(super) fn unknown_code(what: &str, code: &str) -> Error {
    Error::internal(format!("Unknown {what} code \"{code}\" in the catalog"))
}

/// A name from a nullable (schema, name) column pair: both or neither.
pub(super) fn qualified(row: &Row, schema: &str, name: &str) -> Result<Option<QualifiedName>> {
    let schema: Option<String> = get(row, schema)?;
    let name: Option<String> = get(row, name)?;
    Ok(schema.zip(name).map(|(schema, name)| QualifiedName { schema, name }))
}

/// The object a comment or grant row is about, from its `kind`, `schema`, `parent`, `name`
/// and `detail` columns (`parent` is the table, view or domain an object belongs to, `detail`
/// a routine's identity arguments).
pub(super) fn object_ref(row: &Row) -> Result<ObjectRef> {
    let kind: String = get(row, "kind")?;
    let schema: Option<String> = get(row, "schema")?;
    let parent: Option<String> = get(row, "parent")?;
    let name: String = get(row, "name")?;
    let detail: Option<String> = get(row, "detail")?;
    object_ref_from(&kind, schema, parent, name, detail)
}

/// [`object_ref`] on plain values.
fn object_ref_from(
    kind: &str,
    schema: Option<String>,
    parent: Option<String>,
    name: String,
    detail: Option<String>,
) -> Result<ObjectRef> {
    let missing = || Error::internal(format!("A catalog {kind} row lacks its schema or parent"));
    let owner =
        schema.clone().zip(parent).map(|(schema, parent)| QualifiedName { schema, name: parent });
    let own = schema.map(|schema| QualifiedName::new(schema, &name));
    Ok(match kind {
        "schema" => ObjectRef::Schema(name),
        "extension" => ObjectRef::Extension(name),
        "relation" => ObjectRef::Relation(own.ok_or_else(missing)?),
        "type" => ObjectRef::Type(own.ok_or_else(missing)?),
        "routine" => ObjectRef::Routine(own.ok_or_else(missing)?, detail.unwrap_or_default()),
        "column" => ObjectRef::Column(owner.ok_or_else(missing)?, name),
        "index" => ObjectRef::Index(owner.ok_or_else(missing)?, name),
        "constraint" => ObjectRef::Constraint(owner.ok_or_else(missing)?, name),
        "domain_constraint" => ObjectRef::DomainConstraint(owner.ok_or_else(missing)?, name),
        "trigger" => ObjectRef::Trigger(owner.ok_or_else(missing)?, name),
        "rule" => ObjectRef::Rule(owner.ok_or_else(missing)?, name),
        "policy" => ObjectRef::Policy(owner.ok_or_else(missing)?, name),
        other => {
            return Err(Error::internal(format!("Unknown catalog object kind \"{other}\"")));
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn decodes_known_codes_and_rejects_others() {
        let table = [("a", 1), ("b", 2)];
        assert_eq!(decode("test", "b", &table).unwrap(), 2);
        let err = decode("relkind", "z", &table).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(err.message().contains("relkind"), "{}", err.message());
    }

    #[test]
    fn builds_object_refs_from_names() {
        let s = |v: &str| Some(v.to_owned());
        let table = QualifiedName::new("public", "t");
        assert_eq!(
            object_ref_from("column", s("public"), s("t"), "c".into(), None).unwrap(),
            ObjectRef::Column(table.clone(), "c".into())
        );
        assert_eq!(
            object_ref_from("relation", s("public"), None, "t".into(), None).unwrap(),
            ObjectRef::Relation(table)
        );
        assert_eq!(
            object_ref_from("routine", s("public"), None, "f".into(), s("int8")).unwrap(),
            ObjectRef::Routine(QualifiedName::new("public", "f"), "int8".into())
        );
        assert!(object_ref_from("index", s("public"), None, "i".into(), None).is_err());
        assert!(object_ref_from("cast", None, None, "x".into(), None).is_err());
    }
}
