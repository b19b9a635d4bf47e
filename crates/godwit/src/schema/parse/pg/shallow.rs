//! A second chance for statements whose parse tree is too deep to come back from `pg_query`.
//!
//! `pg_query` returns the tree as protobuf and the decoder refuses more than 100 levels, which a
//! view with some 45 chained `||` reaches. The reader never needs the tree inside an
//! expression body (it cuts the text out of the statement instead), so the statement is parsed
//! again with those bodies replaced by a placeholder of the same byte length: node locations
//! outside the bodies stay valid for the original text.

use pg_query::protobuf::Token;

use super::tokens::Tokens;

/// `sql` with view queries and the bodies of `CHECK (...)`, `WHERE (...)`, `WHEN (...)`,
/// `USING (...)` and `GENERATED ALWAYS AS (...)` replaced by placeholders, or `None` when there
/// is nothing to replace.
pub(super) fn shallow(sql: &str) -> Option<String> {
    let t = Tokens::new(sql);
    let mut ranges: Vec<(usize, usize, &str)> = match view_query(&t) {
        Some(range) => vec![range],
        None => Vec::new(),
    };
    for open in (1..t.len()).filter(|&i| t.is_char(i, '(') && is_body(&t, i)) {
        let Some(close) = t.close_of(open) else {
            continue;
        };
        let (start, end) = (t.end(open), t.start(close));
        if ranges.iter().all(|&(s, e, _)| end <= s || start >= e) {
            ranges.push((start, end, "true"));
        }
    }
    ranges.retain(|&(start, end, placeholder)| end >= start + placeholder.len());
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (start, end, placeholder) in ranges {
        out.push_str(sql.get(at..start)?);
        out.push_str(placeholder);
        out.extend(std::iter::repeat_n(' ', end - start - placeholder.len()));
        at = end;
    }
    out.push_str(sql.get(at..)?);
    Some(out)
}

/// Whether the parenthesis at `open` starts an expression body the reader cuts out as text.
fn is_body(t: &Tokens<'_>, open: usize) -> bool {
    let before = open - 1;
    [Token::Check, Token::Where, Token::When, Token::Using].into_iter().any(|k| t.is(before, k))
        || (t.is(before, Token::As) && before > 0 && t.is(before - 1, Token::Always))
}

/// The byte range of the query of `CREATE [MATERIALIZED] VIEW ... AS query`, with a `SELECT`
/// placeholder.
fn view_query(t: &Tokens<'_>) -> Option<(usize, usize, &'static str)> {
    if !t.is(0, Token::Create) {
        return None;
    }
    let view = t.find(0, t.len().min(8), Token::View)?;
    let end = t.body_end();
    let as_token = t.find(view, end, Token::As)?;
    let tail = t.find_where(as_token + 1, end, |i| {
        t.is(i, Token::With)
            && [Token::Check, Token::Cascaded, Token::Local, Token::No, Token::DataP]
                .into_iter()
                .any(|k| t.is(i + 1, k))
    });
    let stop = tail.map_or_else(|| t.start(end), |i| t.start(i));
    Some((t.end(as_token), stop, " SELECT 1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_bodies_and_keeps_offsets() {
        let sql =
            "CREATE TABLE t (a int CHECK ((a > 0)), b int GENERATED ALWAYS AS ((a * 2)) STORED);";
        let out = shallow(sql).unwrap_or_default();
        assert_eq!(out.len(), sql.len());
        assert_eq!(
            out,
            "CREATE TABLE t (a int CHECK (true   ), b int GENERATED ALWAYS AS (true   ) STORED);"
        );
        let view = "CREATE VIEW v AS\n SELECT a || b FROM t\n  WITH LOCAL CHECK OPTION;";
        let out = shallow(view).unwrap_or_default();
        assert!(out.starts_with("CREATE VIEW v AS SELECT 1 "), "{out}");
        assert!(out.ends_with("  WITH LOCAL CHECK OPTION;"), "{out}");
        assert_eq!(shallow("CREATE TABLE t (a int)"), None);
    }
}
