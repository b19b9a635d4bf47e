//! The names PostgreSQL gives unnamed constraints, indexes and implicit sequences.
//!
//! Mirrors `makeObjectName`, `ChooseRelationName` and `ChooseConstraintName` in the server's
//! `commands/indexcmds.c` and `catalog/pg_constraint.c`: `table_col1_col2_label`, cut to 63
//! bytes by shortening the longer of the two name parts first, with a number appended to the
//! label until the name is free.

use super::state::Builder;

/// `NAMEDATALEN - 1`: the longest identifier, in bytes.
const MAX_IDENTIFIER: usize = 63;

/// `name1_name2_label`, shortened to fit in an identifier (`makeObjectName`).
pub(super) fn object_name(name1: &str, name2: &str, label: &str) -> String {
    let mut overhead = 0;
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    if !name2.is_empty() {
        overhead += 1;
    }
    let available = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut name = clip(name1, n1).to_owned();
    if !name2.is_empty() {
        name.push('_');
        name.push_str(clip(name2, n2));
    }
    if !label.is_empty() {
        name.push('_');
        name.push_str(label);
    }
    name
}

/// The longest prefix of `s` of at most `len` bytes that ends on a character boundary.
fn clip(s: &str, len: usize) -> &str {
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// `col1_col2` for a list of key column names (`expr` for expressions), as
/// `ChooseIndexNameAddition` and `ChooseForeignKeyConstraintNameAddition` build it.
pub(super) fn columns_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(column);
        if out.len() >= MAX_IDENTIFIER {
            break;
        }
    }
    clip(&out, MAX_IDENTIFIER).to_owned()
}

impl Builder {
    /// A relation name (index, sequence) not yet used in `schema` (`ChooseRelationName`).
    pub fn choose_relation_name(
        &self,
        schema: &str,
        name1: &str,
        name2: &str,
        label: &str,
    ) -> String {
        self.choose(name1, name2, label, |name| self.relation_exists(schema, name))
    }

    /// A constraint name not yet used in `schema` (`ChooseConstraintName`).
    pub fn choose_constraint_name(
        &self,
        schema: &str,
        table: &str,
        column: &str,
        label: &str,
    ) -> String {
        self.choose(table, column, label, |name| self.constraint_exists(schema, name))
    }

    fn choose(
        &self,
        name1: &str,
        name2: &str,
        label: &str,
        taken: impl Fn(&str) -> bool,
    ) -> String {
        let mut candidate = object_name(name1, name2, label);
        let mut pass = 0;
        while taken(&candidate) && pass < 10_000 {
            pass += 1;
            candidate = object_name(name1, name2, &format!("{label}{pass}"));
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_names_like_the_server() {
        assert_eq!(object_name("payment", "", "pkey"), "payment_pkey");
        assert_eq!(object_name("t", "a_b", "key"), "t_a_b_key");
        let long = "a".repeat(60);
        let name = object_name(&long, "column_name", "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_column_name_fkey"), "{name}");
        assert_eq!(object_name(&"é".repeat(40), "", "seq").len(), 62);
        assert_eq!(columns_addition(&["a".into(), "b".into()]), "a_b");
    }

    #[test]
    fn appends_numbers_to_taken_names() {
        let b = Builder::new("db");
        assert_eq!(b.choose("t", "", "check", |n| n == "t_check"), "t_check1");
        assert_eq!(b.choose("t", "", "check", |n| n == "t_check" || n == "t_check1"), "t_check2");
    }
}
