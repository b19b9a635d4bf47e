//! Type names as CockroachDB prints them (and as people write them).
//!
//! The model keeps a column's type as text: `data_type` is the type as written (`STRING(200)`,
//! `DECIMAL(10,2)`, `INT8[]`, `TIMESTAMP(3) WITH TIME ZONE`), except that a `db.schema.type`
//! name loses its database (`type_test.public.test` → `public.test`); `base_type` drops the
//! modifiers and array brackets (`STRING`, `DECIMAL`, `INT8`), and `array_dimensions` counts the
//! brackets. No `typmod` is computed: its meaning is per type and the text already says it.

use super::lexer::TokenKind;
use super::parser::{Cursor, PResult, ParseError};

/// The type of a column as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TypeName {
    /// The whole type (`DECIMAL(10,2)`, `INT8[]`, `public.status`).
    pub data_type: String,
    /// Without modifiers and array brackets (`DECIMAL`, `INT8`).
    pub base_type: String,
    /// The number of `[]`.
    pub array_dimensions: i32,
}

/// Words that can follow `INTERVAL` in a type.
const INTERVAL_FIELDS: &[&str] = &["year", "month", "day", "hour", "minute", "second", "to"];

/// A type name: a possibly qualified name, modifiers, multi-word forms (`DOUBLE PRECISION`,
/// `TIMESTAMP(3) WITH TIME ZONE`, `INTERVAL DAY TO SECOND`) and array brackets.
pub(super) fn type_name(c: &mut Cursor<'_>) -> PResult<TypeName> {
    let start = c.pos();
    let parts = c.dotted("a type")?;
    let kept = match parts.as_slice() {
        [_] | [_, _] => start,
        [database, _, _] => {
            c.databases.push(database.value.clone());
            start + 2
        }
        _ => {
            let location = parts.first().map_or_else(|| c.location(), |p| p.location);
            return Err(ParseError { location, message: "Too many dotted names in a type".into() });
        }
    };
    let first = parts.last().map(|p| p.value.clone()).unwrap_or_default();
    let mut words = vec![c.text(kept..c.pos()).to_owned()];
    loop {
        let word_start = c.pos();
        if c.at_op("(") {
            c.group()?;
            continue;
        }
        let interval_field = first == "interval" && c.at_any(INTERVAL_FIELDS);
        let national = first == "national" && c.at_any(&["character", "char"]);
        if interval_field || national {
            c.advance();
        } else if !(c.eat("precision")
            || c.eat("varying")
            || c.eat_all(&["with", "time", "zone"])
            || c.eat_all(&["without", "time", "zone"]))
        {
            break;
        }
        words.push(c.text_from(word_start).to_owned());
    }
    let array_dimensions = array_brackets(c)?;
    let data_type = c.text(kept..c.pos()).to_owned();
    Ok(TypeName { data_type, base_type: words.join(" "), array_dimensions })
}

/// `[]`, `[n]` or `ARRAY [n]`, repeated: how many dimensions.
fn array_brackets(c: &mut Cursor<'_>) -> PResult<i32> {
    let mut dimensions = 0i32;
    loop {
        let keyword = c.eat("array");
        if c.eat_op("[") {
            if c.peek().is_some_and(|t| t.kind == TokenKind::Number) {
                c.advance();
            }
            c.expect_op("]")?;
        } else if !keyword {
            return Ok(dimensions);
        }
        dimensions = dimensions.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn type_of(src: &str) -> TypeName {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        let kind = type_name(&mut c).unwrap();
        c.expect_end().unwrap();
        kind
    }

    #[test]
    fn reads_types_as_written() {
        let cases = [
            ("INT8", "INT8", "INT8", 0),
            ("STRING(200)", "STRING(200)", "STRING", 0),
            ("DECIMAL(10,2)", "DECIMAL(10,2)", "DECIMAL", 0),
            ("INT8[]", "INT8[]", "INT8", 1),
            ("INT8[3][]", "INT8[3][]", "INT8", 2),
            ("GEOMETRY(GEOMETRY)", "GEOMETRY(GEOMETRY)", "GEOMETRY", 0),
            ("type_test.public.test", "public.test", "public.test", 0),
            ("public.status[]", "public.status[]", "public.status", 1),
            ("DOUBLE PRECISION", "DOUBLE PRECISION", "DOUBLE PRECISION", 0),
            ("CHARACTER VARYING(20)", "CHARACTER VARYING(20)", "CHARACTER VARYING", 0),
            (
                "TIMESTAMP(3) WITH TIME ZONE",
                "TIMESTAMP(3) WITH TIME ZONE",
                "TIMESTAMP WITH TIME ZONE",
                0,
            ),
            ("INTERVAL DAY TO SECOND", "INTERVAL DAY TO SECOND", "INTERVAL DAY TO SECOND", 0),
            ("\"char\"", "\"char\"", "\"char\"", 0),
            ("INT8 ARRAY", "INT8 ARRAY", "INT8", 1),
        ];
        for (src, data_type, base_type, dims) in cases {
            let kind = type_of(src);
            assert_eq!(
                (kind.data_type.as_str(), kind.base_type.as_str(), kind.array_dimensions),
                (data_type, base_type, dims),
                "{src}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_type() {
        for src in ["", ",", "a.b.c.d", "INT8[", "INT8[x]", "DECIMAL(10"] {
            let tokens = lex(src).tokens;
            let mut c = Cursor::new(src, &tokens);
            assert!(type_name(&mut c).is_err(), "{src}");
        }
    }
}
