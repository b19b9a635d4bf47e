//! Cutting a `pg_dump` file into statements, with byte offsets and line:column positions.
//!
//! The splitter follows psql's own rules: a statement ends at a `;` outside quotes, comments,
//! dollar-quoted bodies and parentheses (so the actions of `CREATE RULE ... DO INSTEAD (a; b)`
//! stay together), and outside a `BEGIN ... END` block of `CREATE FUNCTION|PROCEDURE ... BEGIN
//! ATOMIC` (psql's heuristic: count `BEGIN`, `CASE` and `END` words in such statements).
//!
//! psql meta-commands (`\restrict KEY`, `\connect db`) are not SQL: a line whose first
//! non-blank character is a backslash outside any quote is blanked out (replaced by spaces, so
//! that every byte keeps its offset and every statement its line number) and reported
//! separately.

use crate::schema::parse::Location;

/// The input with meta-commands blanked out, and a map from byte offsets to positions.
#[derive(Debug)]
pub(super) struct Source {
    /// The text, same length as the input, with meta-command lines replaced by spaces.
    pub text: String,
    /// Byte offsets where each line starts.
    line_starts: Vec<usize>,
    /// Meta-commands found, with their byte offsets.
    pub meta_commands: Vec<(usize, String)>,
    /// Statements in file order.
    pub statements: Vec<Span>,
}

/// One statement: `start` is its first significant character (leading comments skipped),
/// `end` is just past its terminating `;` (or the end of the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    /// Byte offset of the first token.
    pub start: usize,
    /// Byte offset just past the statement (including its `;`, if any).
    pub end: usize,
}

impl Source {
    /// Split `input` into statements.
    pub fn new(input: &str) -> Source {
        let mut scanner = Scanner::new(input);
        scanner.run();
        let line_starts = std::iter::once(0)
            .chain(input.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
            .collect();
        let text = blank(input, &scanner.meta);
        let meta_commands = scanner
            .meta
            .iter()
            .map(|&(start, end)| (start, input.get(start..end).unwrap_or_default().to_owned()))
            .collect();
        Source { text, line_starts, meta_commands, statements: scanner.statements }
    }

    /// The text of a statement (or any byte range), empty if the range is not valid.
    pub fn slice(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count());
        Location {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// `input` with the byte ranges in `ranges` replaced by spaces (newlines are never inside).
fn blank(input: &str, ranges: &[(usize, usize)]) -> String {
    if ranges.is_empty() {
        return input.to_owned();
    }
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for &(start, end) in ranges {
        out.push_str(input.get(at..start).unwrap_or_default());
        out.extend(std::iter::repeat_n(' ', end.saturating_sub(start)));
        at = end;
    }
    out.push_str(input.get(at..).unwrap_or_default());
    out
}

/// A byte-level scanner that knows just enough SQL lexing to find statement ends.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where the current statement's first significant byte is, once seen.
    start: Option<usize>,
    paren_depth: i32,
    begin_depth: i32,
    /// Lower-cased first words of the statement (up to four), for the BEGIN ATOMIC heuristic.
    words: Vec<String>,
    statements: Vec<Span>,
    meta: Vec<(usize, usize)>,
}

impl<'a> Scanner<'a> {
    fn new(input: &'a str) -> Self {
        Scanner {
            bytes: input.as_bytes(),
            at: 0,
            start: None,
            paren_depth: 0,
            begin_depth: 0,
            words: Vec::new(),
            statements: Vec::new(),
            meta: Vec::new(),
        }
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn run(&mut self) {
        while let Some(b) = self.byte(self.at) {
            let next = self.byte(self.at + 1);
            match (b, next) {
                (b'-', Some(b'-')) => self.at = self.find(self.at, b"\n").unwrap_or(self.len()),
                (b'/', Some(b'*')) => self.at = self.block_comment_end(self.at),
                (b'\\', _) if self.at_line_start() => self.meta_command(),
                _ if b.is_ascii_whitespace() => self.at += 1,
                _ => self.significant(b),
            }
        }
        if let Some(start) = self.start.take() {
            self.statements.push(Span { start, end: self.len() });
        }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Handle a byte that belongs to a statement.
    fn significant(&mut self, b: u8) {
        if self.start.is_none() {
            self.start = Some(self.at);
            self.paren_depth = 0;
            self.begin_depth = 0;
            self.words.clear();
        }
        match b {
            b'\'' => self.at = self.quoted_end(self.at, b'\'', self.escape_string()),
            b'"' => self.at = self.quoted_end(self.at, b'"', false),
            b'$' => self.dollar(),
            b'(' | b'[' => {
                self.paren_depth += 1;
                self.at += 1;
            }
            b')' | b']' => {
                self.paren_depth -= 1;
                self.at += 1;
            }
            b';' if self.paren_depth <= 0 && self.begin_depth <= 0 => {
                self.at += 1;
                if let Some(start) = self.start.take() {
                    self.statements.push(Span { start, end: self.at });
                }
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => self.word(),
            _ => self.at += 1,
        }
    }

    /// Whether only blanks precede `at` on its line.
    fn at_line_start(&self) -> bool {
        let line = self.bytes.get(..self.at).unwrap_or_default();
        line.iter().rev().take_while(|b| **b != b'\n').all(|b| *b == b' ' || *b == b'\t')
    }

    /// Record a psql meta-command running to the end of the line.
    fn meta_command(&mut self) {
        let end = self.find(self.at, b"\n").unwrap_or(self.len());
        let end = if end > self.at && self.byte(end - 1) == Some(b'\r') { end - 1 } else { end };
        self.meta.push((self.at, end));
        self.at = end;
    }

    /// An identifier or keyword; tracks `BEGIN`/`CASE`/`END` inside function bodies.
    fn word(&mut self) {
        let start = self.at;
        while self
            .byte(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80)
        {
            self.at += 1;
        }
        let word = String::from_utf8_lossy(self.bytes.get(start..self.at).unwrap_or_default())
            .to_ascii_lowercase();
        if self.words.len() < 4 {
            self.words.push(word.clone());
        }
        if !self.in_routine_definition() || self.paren_depth > 0 {
            return;
        }
        match word.as_str() {
            "begin" => self.begin_depth += 1,
            "case" if self.begin_depth >= 1 => self.begin_depth += 1,
            "end" if self.begin_depth > 0 => self.begin_depth -= 1,
            _ => {}
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, as psql recognises it.
    fn in_routine_definition(&self) -> bool {
        let w = |i: usize| self.words.get(i).map(String::as_str);
        let routine = |s: Option<&str>| matches!(s, Some("function" | "procedure"));
        w(0) == Some("create")
            && (routine(w(1)) || (w(1) == Some("or") && w(2) == Some("replace") && routine(w(3))))
    }

    /// Whether the quote at `self.at` opens an `E'...'` string (backslash escapes).
    fn escape_string(&self) -> bool {
        let Some(prev) = self.at.checked_sub(1).and_then(|i| self.byte(i)) else {
            return false;
        };
        if prev != b'e' && prev != b'E' {
            return false;
        }
        let before = self.at.checked_sub(2).and_then(|i| self.byte(i));
        !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
    }

    /// The offset just past the string or identifier opened at `start` (doubled quotes and,
    /// in escape strings, backslashes escape).
    fn quoted_end(&self, start: usize, quote: u8, backslash: bool) -> usize {
        let mut i = start + 1;
        while let Some(b) = self.byte(i) {
            if backslash && b == b'\\' {
                i += 2;
            } else if b == quote {
                if self.byte(i + 1) == Some(quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i += 1;
            }
        }
        self.len()
    }

    /// A dollar-quoted body (`$$...$$`, `$tag$...$tag$`), or a lone `$` (parameter `$1`).
    fn dollar(&mut self) {
        match self.dollar_tag(self.at) {
            Some(tag_len) => {
                let tag = self.bytes.get(self.at..self.at + tag_len).unwrap_or_default().to_vec();
                let body = self.at + tag_len;
                self.at = self.find(body, &tag).map_or(self.len(), |end| end + tag_len);
            }
            None => self.at += 1,
        }
    }

    /// The length of the dollar-quote tag starting at `start`, if one does.
    fn dollar_tag(&self, start: usize) -> Option<usize> {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        if start > 0 && self.byte(start - 1).is_some_and(|b| ident(b) || b == b'$') {
            return None;
        }
        if self.byte(start + 1).is_some_and(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut end = start + 1;
        while self.byte(end).is_some_and(ident) {
            end += 1;
        }
        (self.byte(end) == Some(b'$')).then_some(end + 1 - start)
    }

    /// The offset just past a (possibly nested) block comment starting at `start`.
    fn block_comment_end(&self, start: usize) -> usize {
        let mut depth = 0;
        let mut i = start;
        while i < self.len() {
            match (self.byte(i), self.byte(i + 1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => i += 1,
            }
        }
        self.len()
    }

    /// The offset of `needle` at or after `from`.
    fn find(&self, from: usize, needle: &[u8]) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        self.bytes.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        let source = Source::new(input);
        source.statements.iter().map(|s| source.slice(s.start, s.end).to_owned()).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let input = "-- header; not a statement\nSET a = 'x;y';\n\n--\n-- Name: f\n--\n\
                     CREATE FUNCTION f() RETURNS int AS $_$ select 1; $_$ LANGUAGE sql;\n\
                     CREATE TABLE \"a;b\" (c text DEFAULT 'it''s;');\n\
                     /* block; /* nested; */ comment */ SELECT $1::int, $$x;$$, E'\\';';\n\
                     CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); \
                     INSERT INTO b VALUES (2));\n-- trailing comment\n";
        assert_eq!(
            texts(input),
            [
                "SET a = 'x;y';",
                "CREATE FUNCTION f() RETURNS int AS $_$ select 1; $_$ LANGUAGE sql;",
                "CREATE TABLE \"a;b\" (c text DEFAULT 'it''s;');",
                "SELECT $1::int, $$x;$$, E'\\';';",
                "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); \
                 INSERT INTO b VALUES (2));",
            ]
        );
    }

    #[test]
    fn keeps_begin_atomic_bodies_together() {
        let input = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; \
                     SELECT CASE WHEN true THEN 2 END; END; SELECT 3;";
        let got = texts(input);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END; END;"), "{got:?}");
        assert_eq!(texts("BEGIN; SELECT 1; END;").len(), 3);
    }

    #[test]
    fn blanks_meta_commands_and_keeps_positions() {
        let input = "\\restrict abc\nSET a = 1;\n  \\unrestrict abc\r\nSELECT '\n\\x';";
        let source = Source::new(input);
        assert_eq!(source.text.len(), input.len());
        assert_eq!(source.meta_commands.len(), 2);
        assert_eq!(source.meta_commands[0], (0, "\\restrict abc".to_owned()));
        assert_eq!(source.meta_commands[1].1, "\\unrestrict abc");
        let spans = &source.statements;
        assert_eq!(spans.len(), 2);
        assert_eq!(source.location(spans[0].start), Location { line: 2, column: 1 });
        assert_eq!(source.location(spans[1].start), Location { line: 4, column: 1 });
        assert_eq!(source.slice(spans[1].start, spans[1].end), "SELECT '\n\\x';");
    }

    #[test]
    fn locations_count_characters() {
        let source = Source::new("é\tx\nab");
        assert_eq!(source.location(0), Location { line: 1, column: 1 });
        assert_eq!(source.location(3), Location { line: 1, column: 3 });
        assert_eq!(source.location(5), Location { line: 2, column: 1 });
        assert_eq!(source.location(99), Location { line: 2, column: 3 });
    }

    #[test]
    fn unterminated_input_is_one_statement() {
        assert_eq!(texts("SELECT 'abc"), ["SELECT 'abc"]);
        assert_eq!(texts("SELECT $x$ abc"), ["SELECT $x$ abc"]);
        assert_eq!(texts("/* open"), Vec::<String>::new());
        assert!(texts("").is_empty());
    }
}
