//! Spelling-independent forms of types and expressions, so that the comparison reports what
//! differs and not how each server happens to print it.
//!
//! - Types are brought to PostgreSQL's `format_type` spelling in lower case: CockroachDB's
//!   `SHOW CREATE` spellings (`INT8`, `STRING(20)`, `TIMESTAMPTZ`) go through convert's
//!   CockroachDB→PostgreSQL type mapping; the lower-case text CockroachDB's own `format_type`
//!   prints is already in that spelling.
//! - Expressions (defaults, checks, index predicates and expressions) are tokenised and
//!   re-joined without insignificant white space, with casts on literals removed (PostgreSQL
//!   prints `'x'::text`, CockroachDB annotates `'x':::STRING`), `nextval` arguments qualified,
//!   `CURRENT_TIMESTAMP` spelled `now()` and redundant outer parentheses dropped. CockroachDB
//!   text is first rewritten to PostgreSQL syntax by convert's expression rewrite.
//!
//! Anything these rules do not cover stays different, and is reported: a false difference is
//! visible in the report, a false equality would hide one.

use crate::dialect::Dialect;
use crate::schema::convert::{crdb_expression_to_pg, crdb_type_to_pg};

/// `ty` as PostgreSQL's `format_type` spells it, in lower case outside quoted names.
pub(super) fn canonical_type(ty: &str, dialect: Dialect) -> String {
    let ty = ty.trim();
    let mapped = match dialect {
        Dialect::Cockroach if has_upper_outside_quotes(ty) => crdb_type_to_pg(ty),
        // `db.schema.type`: the database is not part of the type.
        Dialect::Cockroach if ty.split('.').count() == 3 && !ty.contains('"') => {
            ty.split_once('.').map_or(ty, |(_, rest)| rest).to_owned()
        }
        _ => ty.to_owned(),
    };
    lower_outside_quotes(&mapped)
}

fn has_upper_outside_quotes(text: &str) -> bool {
    let mut quoted = false;
    text.chars().any(|c| {
        if c == '"' {
            quoted = !quoted;
        }
        !quoted && c.is_ascii_uppercase()
    })
}

fn lower_outside_quotes(text: &str) -> String {
    let mut quoted = false;
    text.chars()
        .map(|c| {
            if c == '"' {
                quoted = !quoted;
            }
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect()
}

/// The type without modifiers and array brackets (`numeric(10,2)[]` → `numeric`), and the
/// number of brackets.
pub(super) fn base_and_dimensions(ty: &str) -> (String, i32) {
    let mut rest = ty.trim();
    let mut dims = 0;
    while let Some(r) = rest.strip_suffix("[]") {
        rest = r.trim_end();
        dims += 1;
    }
    let base = match rest.find('(') {
        Some(open) if !rest.starts_with('"') => {
            let close = rest.rfind(')').unwrap_or(rest.len().saturating_sub(1));
            format!("{}{}", rest[..open].trim_end(), &rest[(close + 1).min(rest.len())..])
        }
        _ => rest.to_owned(),
    };
    (base, dims)
}

/// One token of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A string literal's content, as written between the quotes.
    Lit(String),
    /// A number.
    Num(String),
    /// A keyword or unquoted (or needlessly quoted) name, lower case.
    Word(String),
    /// A quoted name that needs its quotes, with them.
    Ident(String),
    /// Anything else, one character.
    Punct(char),
}

/// The comparable form of the expression `text` of `dialect`; unqualified `nextval`
/// arguments are qualified with `schema`.
pub(super) fn expression(text: &str, dialect: Dialect, schema: &str) -> String {
    let text = match dialect {
        Dialect::Cockroach => crdb_expression_to_pg(text),
        Dialect::Postgres => text.to_owned(),
    };
    let mut toks = tokenize(&text);
    loop {
        let before = toks.len();
        toks = strip_casts(&toks);
        toks = unwrap_literals(&toks);
        if toks.len() == before {
            break;
        }
    }
    let toks = synonyms(&toks, schema);
    render(&strip_outer_parens(toks))
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let escaped_string = matches!(c, 'e' | 'E') && chars.get(i + 1) == Some(&'\'');
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || escaped_string {
            let start = if escaped_string { i + 1 } else { i };
            let end = quoted_end(&chars, start, '\'', escaped_string);
            out.push(Tok::Lit(
                chars[start + 1..end.saturating_sub(1).max(start + 1)].iter().collect(),
            ));
            i = end;
        } else if c == '"' {
            let end = quoted_end(&chars, i, '"', false);
            out.push(quoted_name(chars[i..end].iter().collect()));
            i = end;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let end = number_end(&chars, i);
            out.push(Tok::Num(chars[i..end].iter().collect()));
            i = end;
        } else if c.is_alphabetic() || c == '_' {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$'))
                .unwrap_or(chars.len());
            out.push(Tok::Word(chars[i..end].iter().collect::<String>().to_lowercase()));
            i = end;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The end (exclusive) of the quoted text starting at `start`; a doubled quote is an escape.
fn quoted_end(chars: &[char], start: usize, quote: char, backslash: bool) -> usize {
    let mut j = start + 1;
    while j < chars.len() {
        let doubled = chars[j] == quote && chars.get(j + 1) == Some(&quote);
        if (backslash && chars[j] == '\\') || doubled {
            j += 2;
        } else if chars[j] == quote {
            return j + 1;
        } else {
            j += 1;
        }
    }
    chars.len()
}

fn number_end(chars: &[char], start: usize) -> usize {
    let mut j = start;
    while j < chars.len() {
        let exponent_sign = matches!(chars[j], '+' | '-') && matches!(chars[j - 1], 'e' | 'E');
        if chars[j].is_ascii_digit() || matches!(chars[j], '.' | 'e' | 'E') || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    j
}

/// `"price"` is the same name as `price`; `"Price"` is not.
fn quoted_name(quoted: String) -> Tok {
    let inner = &quoted[1..quoted.len().saturating_sub(1).max(1)];
    let plain = inner.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && inner.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain { Tok::Word(inner.to_owned()) } else { Tok::Ident(quoted) }
}

/// Drop `::type` after a literal or number, `::regclass` anywhere and every `:::type`.
fn strip_casts(toks: &[Tok]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Tok::Punct(':') && toks.get(i + 1) == Some(&Tok::Punct(':')) {
            let triple = toks.get(i + 2) == Some(&Tok::Punct(':'));
            let start = i + if triple { 3 } else { 2 };
            let end = type_end(toks, start);
            let regclass = toks[start..end] == [Tok::Word("regclass".into())];
            let on_literal = matches!(out.last(), Some(Tok::Lit(_) | Tok::Num(_)));
            if triple || regclass || on_literal {
                i = end;
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// The end (exclusive) of a type name starting at token `i`.
fn type_end(toks: &[Tok], mut i: usize) -> usize {
    const MORE: &[&str] = &["varying", "precision", "with", "without", "time", "zone"];
    let name = |t: Option<&Tok>| matches!(t, Some(Tok::Word(_) | Tok::Ident(_)));
    if !name(toks.get(i)) {
        return i;
    }
    i += 1;
    loop {
        match toks.get(i) {
            Some(Tok::Punct('.')) if name(toks.get(i + 1)) => i += 2,
            Some(Tok::Word(w)) if MORE.contains(&w.as_str()) => i += 1,
            Some(Tok::Punct('(')) => i = close_paren(toks, i),
            Some(Tok::Punct('[')) if toks.get(i + 1) == Some(&Tok::Punct(']')) => i += 2,
            _ => return i,
        }
    }
}

fn close_paren(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// `(0)` → `0` where the parentheses are not a call's; a quoted number becomes a number.
fn unwrap_literals(toks: &[Tok]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let literal = matches!(toks.get(i + 1), Some(Tok::Lit(_) | Tok::Num(_)));
        let call = matches!(out.last(), Some(Tok::Word(_) | Tok::Ident(_)));
        if toks[i] == Tok::Punct('(')
            && literal
            && toks.get(i + 2) == Some(&Tok::Punct(')'))
            && !call
        {
            out.push(toks[i + 1].clone());
            i += 3;
            continue;
        }
        out.push(match &toks[i] {
            Tok::Lit(s) if is_number(s) => Tok::Num(s.clone()),
            t => t.clone(),
        });
        i += 1;
    }
    out
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// `CURRENT_TIMESTAMP`, `current_timestamp()` and `transaction_timestamp()` → `now()`;
/// `nextval('s')` → `nextval('schema.s')`; operators as PostgreSQL prints them (`!=` → `<>`,
/// `LIKE` → `~~`).
fn synonyms(toks: &[Tok], schema: &str) -> Vec<Tok> {
    let now = [Tok::Word("now".into()), Tok::Punct('('), Tok::Punct(')')];
    let empty_call = |i: usize| {
        toks.get(i + 1) == Some(&Tok::Punct('(')) && toks.get(i + 2) == Some(&Tok::Punct(')'))
    };
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let Some((operator, width)) = operator_at(toks, i) {
            out.extend(operator.chars().map(Tok::Punct));
            i += width;
            continue;
        }
        match &toks[i] {
            Tok::Word(w) if w == "current_timestamp" || w == "transaction_timestamp" => {
                out.extend(now.iter().cloned());
                i += if empty_call(i) { 3 } else { 1 };
            }
            Tok::Lit(s)
                if !s.contains('.')
                    && i >= 2
                    && toks[i - 1] == Tok::Punct('(')
                    && toks[i - 2] == Tok::Word("nextval".into()) =>
            {
                out.push(Tok::Lit(format!("{schema}.{s}")));
                i += 1;
            }
            t => {
                out.push(t.clone());
                i += 1;
            }
        }
    }
    out
}

/// The operator PostgreSQL prints for the spelling at token `i`, and how many tokens it spans.
fn operator_at(toks: &[Tok], i: usize) -> Option<(&'static str, usize)> {
    let word = |k: usize| match toks.get(k) {
        Some(Tok::Word(w)) => w.as_str(),
        _ => "",
    };
    match (&toks[i], toks.get(i + 1)) {
        (Tok::Punct('!'), Some(Tok::Punct('='))) => Some(("<>", 2)),
        (Tok::Word(_), _) => match (word(i), word(i + 1)) {
            ("not", "like") => Some(("!~~", 2)),
            ("not", "ilike") => Some(("!~~*", 2)),
            ("like", _) => Some(("~~", 1)),
            ("ilike", _) => Some(("~~*", 1)),
            _ => None,
        },
        _ => None,
    }
}

fn strip_outer_parens(mut toks: Vec<Tok>) -> Vec<Tok> {
    while toks.first() == Some(&Tok::Punct('(')) && close_paren(&toks, 0) == toks.len() {
        toks.pop();
        toks.remove(0);
    }
    toks
}

fn render(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut previous_wordish = false;
    for t in toks {
        let wordish = !matches!(t, Tok::Punct(_));
        if wordish && previous_wordish {
            out.push(' ');
        }
        match t {
            Tok::Lit(s) => {
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Tok::Num(s) | Tok::Word(s) | Tok::Ident(s) => out.push_str(s),
            Tok::Punct(c) => out.push(*c),
        }
        previous_wordish = wordish;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(text: &str) -> String {
        expression(text, Dialect::Postgres, "public")
    }

    fn crdb(text: &str) -> String {
        expression(text, Dialect::Cockroach, "public")
    }

    #[test]
    fn casts_on_literals_and_spacing_do_not_matter() {
        assert_eq!(pg("'x'::text"), pg("'x'"));
        assert_eq!(pg("'x'::character varying"), "'x'");
        assert_eq!(pg("'-1'::integer"), crdb("-1:::INT8"));
        assert_eq!(pg("(0)::numeric"), "0");
        assert_eq!(pg("'{}'::integer[]"), "'{}'");
        assert_eq!(
            pg("'2020-01-01 00:00:00'::timestamp without time zone"),
            "'2020-01-01 00:00:00'"
        );
        assert_eq!(crdb("'x':::STRING"), pg("'x'::text"));
        assert_eq!(pg("((qty >= 0))"), pg("qty>=0"));
        assert_eq!(pg("(price > (0)::numeric)"), crdb("price > 0:::DECIMAL"));
    }

    #[test]
    fn sequences_and_clock_functions_have_one_spelling() {
        assert_eq!(pg("nextval('s'::regclass)"), pg("nextval('public.s')"));
        assert_eq!(pg("nextval('public.s'::regclass)"), crdb("nextval('public.s'::REGCLASS)"));
        assert_eq!(pg("CURRENT_TIMESTAMP"), pg("now()"));
        assert_eq!(crdb("current_timestamp():::TIMESTAMPTZ"), pg("now()"));
        assert_eq!(crdb("now():::TIMESTAMPTZ"), "now()");
    }

    #[test]
    fn operators_have_postgresql_spellings() {
        assert_eq!(crdb("status != 'done':::STRING"), pg("(status <> 'done'::text)"));
        assert_eq!(crdb("name LIKE 'a%'"), pg("(name ~~ 'a%'::text)"));
        assert_eq!(crdb("name NOT ILIKE 'a%'"), pg("(name !~~* 'a%'::text)"));
        assert_ne!(pg("a <> b"), pg("a = b"));
    }

    #[test]
    fn real_differences_remain() {
        assert_ne!(pg("'x'::text"), pg("'y'::text"));
        assert_ne!(pg("'X'"), pg("'x'"));
        assert_ne!(pg("(a + b)::integer"), pg("a + b"));
        assert_ne!(pg("lower(name)"), pg("upper(name)"));
        assert_ne!(pg("\"Name\" > 0"), pg("name > 0"));
        assert_eq!(pg("\"name\" > 0"), pg("name > 0"));
        assert_ne!(pg("f(0)"), pg("f 0"));
        assert_eq!(pg("'it''s'::text"), "'it''s'");
    }

    #[test]
    fn types_are_spelled_as_format_type_does() {
        let c = |t| canonical_type(t, Dialect::Cockroach);
        assert_eq!(c("INT8"), "bigint");
        assert_eq!(c("INT4"), "integer");
        assert_eq!(c("integer"), "integer");
        assert_eq!(c("STRING(20)"), "character varying(20)");
        assert_eq!(c("STRING"), "text");
        assert_eq!(c("TIMESTAMPTZ(3)"), "timestamp(3) with time zone");
        assert_eq!(c("TIMESTAMP(3) WITH TIME ZONE"), "timestamp(3) with time zone");
        assert_eq!(c("timestamp(3) with time zone"), "timestamp(3) with time zone");
        assert_eq!(c("DECIMAL(10,2)"), "numeric(10,2)");
        assert_eq!(c("INT8[]"), "bigint[]");
        assert_eq!(c("db.public.mood"), "public.mood");
        assert_eq!(c("public.\"Mood\""), "public.\"Mood\"");
        assert_eq!(
            canonical_type("character varying(5)", Dialect::Postgres),
            "character varying(5)"
        );
    }

    #[test]
    fn base_types_drop_modifiers_and_brackets() {
        assert_eq!(base_and_dimensions("numeric(10,2)"), ("numeric".to_owned(), 0));
        assert_eq!(base_and_dimensions("integer[]"), ("integer".to_owned(), 1));
        assert_eq!(
            base_and_dimensions("timestamp(3) with time zone"),
            ("timestamp with time zone".to_owned(), 0)
        );
    }
}
