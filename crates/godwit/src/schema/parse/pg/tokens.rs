//! The tokens of one statement, for cutting expression text out of it.
//!
//! `pg_dump` writes every expression the way the server prints it (`pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`), which is exactly the text introspection reports.
//! The parse tree only tells where some nodes start, so expressions are cut out of the statement
//! with the real PostgreSQL scanner (`pg_query::scan_tokens`): quotes, dollar bodies and
//! comments are never mistaken for parentheses or keywords.

use pg_query::protobuf::{KeywordKind, ScanToken, Token};

/// The significant tokens (comments dropped) of one statement.
#[derive(Debug)]
pub(super) struct Tokens<'a> {
    /// The statement text the token offsets refer to.
    pub sql: &'a str,
    toks: Vec<ScanToken>,
}

/// `pg_query::scan_tokens`, except that input with no token at all (empty or only
/// PostgreSQL whitespace) is answered here: pg_query 18.1 builds a slice from the NULL token
/// array it gets back for such input, which aborts debug builds and is undefined behaviour in
/// release builds (found by fuzzing; `fuzz/regressions/pg_dump/`).
pub(super) fn scan(sql: &str) -> pg_query::Result<Vec<ScanToken>> {
    if sql.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')) {
        return Ok(Vec::new());
    }
    pg_query::scan_tokens(sql)
}

impl<'a> Tokens<'a> {
    /// Scan `sql`; a statement the scanner rejects has no tokens.
    pub fn new(sql: &'a str) -> Tokens<'a> {
        let comment = |t: &ScanToken| {
            t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32
        };
        let toks = scan(sql)
            .map(|toks| toks.into_iter().filter(|t| !comment(t)).collect())
            .unwrap_or_default();
        Tokens { sql, toks }
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.toks.len()
    }

    /// Whether token `i` is `kind`.
    pub fn is(&self, i: usize, kind: Token) -> bool {
        self.toks.get(i).is_some_and(|t| t.token == kind as i32)
    }

    /// Whether token `i` is the single character `c` (`(`, `,`, `.`, ...).
    pub fn is_char(&self, i: usize, c: char) -> bool {
        self.toks.get(i).is_some_and(|t| u32::try_from(t.token).ok() == Some(u32::from(c)))
    }

    /// Whether token `i` is an identifier or a non-reserved keyword (usable as a name).
    pub fn is_name(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| {
            t.token == Token::Ident as i32
                || (t.keyword_kind != KeywordKind::NoKeyword as i32
                    && t.keyword_kind != KeywordKind::ReservedKeyword as i32)
        })
    }

    /// The byte offset where token `i` starts (the end of the text past the last token).
    pub fn start(&self, i: usize) -> usize {
        self.toks.get(i).map_or(self.sql.len(), |t| offset(t.start))
    }

    /// The byte offset just past token `i`.
    pub fn end(&self, i: usize) -> usize {
        self.toks.get(i).map_or(self.sql.len(), |t| offset(t.end))
    }

    /// The source text of token `i`.
    pub fn text(&self, i: usize) -> &'a str {
        self.sql.get(self.start(i)..self.end(i)).unwrap_or_default()
    }

    /// The index of the first token starting at or after byte `at` (a node's `location`).
    pub fn at(&self, at: i32) -> usize {
        let at = offset(at);
        self.toks.partition_point(|t| offset(t.start) < at)
    }

    /// The source text from the start of token `first` to the end of token `last`.
    pub fn slice(&self, first: usize, last: usize) -> &'a str {
        if first > last {
            return "";
        }
        self.sql.get(self.start(first)..self.end(last)).unwrap_or_default()
    }

    /// The text strictly between the bracket at `open` and its match, as written.
    pub fn inside(&self, open: usize) -> Option<&'a str> {
        let close = self.close_of(open)?;
        self.sql.get(self.end(open)..self.start(close))
    }

    /// The index of the `)` or `]` that closes the bracket at `open`.
    pub fn close_of(&self, open: usize) -> Option<usize> {
        let mut depth = 0i32;
        for i in open..self.len() {
            depth += self.bracket(i);
            if depth == 0 {
                return (i > open).then_some(i);
            }
        }
        None
    }

    /// +1 for an opening bracket, -1 for a closing one, else 0.
    fn bracket(&self, i: usize) -> i32 {
        if self.is_char(i, '(') || self.is_char(i, '[') {
            1
        } else if self.is_char(i, ')') || self.is_char(i, ']') {
            -1
        } else {
            0
        }
    }

    /// The first token of `kind` in `from..to` at the bracket depth of `from`.
    pub fn find(&self, from: usize, to: usize, kind: Token) -> Option<usize> {
        self.find_where(from, to, |i| self.is(i, kind))
    }

    /// The first token in `from..to`, at the bracket depth of `from`, that `pred` accepts.
    pub fn find_where(
        &self,
        from: usize,
        to: usize,
        pred: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut depth = 0i32;
        for i in from..to.min(self.len()) {
            if depth == 0 && pred(i) {
                return Some(i);
            }
            depth += self.bracket(i);
            if depth < 0 {
                return None;
            }
        }
        None
    }

    /// The token ranges (`first..=last`) of the comma-separated items in `from..to`, at the
    /// bracket depth of `from`. Stops at a closing bracket that has no opening one.
    pub fn items(&self, from: usize, to: usize) -> Vec<(usize, usize)> {
        let mut items = Vec::new();
        let (mut depth, mut first) = (0i32, from);
        let to = to.min(self.len());
        for i in from..to {
            depth += self.bracket(i);
            if depth < 0 {
                if i > first {
                    items.push((first, i - 1));
                }
                return items;
            }
            if depth == 0 && self.is_char(i, ',') {
                items.push((first, i.saturating_sub(1)));
                first = i + 1;
            }
        }
        if to > first {
            items.push((first, to - 1));
        }
        items
    }

    /// The index past the last token, not counting a final `;`.
    pub fn body_end(&self) -> usize {
        let n = self.len();
        if n > 0 && self.is_char(n - 1, ';') { n - 1 } else { n }
    }
}

/// A scanner or node offset as an index (negative offsets, meaning "unknown", become 0).
pub(super) fn offset(at: i32) -> usize {
    usize::try_from(at).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_brackets_items_and_keywords() {
        let sql = "CHECK ((a > 0) AND (b = 'x)')) /* ( */ NOT VALID;";
        let t = Tokens::new(sql);
        assert!(t.is(0, Token::Check));
        assert_eq!(t.inside(1), Some("(a > 0) AND (b = 'x)')"));
        let close = t.close_of(1).unwrap_or_default();
        assert!(t.is(close + 1, Token::Not));
        assert_eq!(t.find(0, t.len(), Token::Not), Some(close + 1));
        assert_eq!(t.body_end(), t.len() - 1);
        assert_eq!(t.at(15), 7);

        let t = Tokens::new("(a, f(b, c), d[1]) tail");
        let items: Vec<&str> = t.items(1, t.len()).iter().map(|&(a, b)| t.slice(a, b)).collect();
        assert_eq!(items, ["a", "f(b, c)", "d[1]"]);
        assert!(t.is_name(15) && !t.is_name(2));
    }

    #[test]
    fn bad_input_has_no_tokens() {
        let t = Tokens::new("a\0b");
        assert_eq!(t.len(), 0);
        assert_eq!(t.inside(0), None);
        assert_eq!(t.slice(0, 0), "");
    }
}
