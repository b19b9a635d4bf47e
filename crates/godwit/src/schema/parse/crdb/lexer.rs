//! Tokens of CockroachDB SQL, each with its place in the source.
//!
//! The rules follow CockroachDB's scanner (`pkg/sql/scanner/scan.go`), which follows
//! PostgreSQL's:
//!
//! - unquoted identifiers and keywords are folded to lower case; `"quoted"` identifiers keep
//!   their case, with `""` standing for one `"`;
//! - `'strings'` double a quote to escape it and take backslashes literally; `e'...'` strings
//!   also read backslash escapes (`\n`, `\'`, `\x41`, `\101`, `\u00e9`); `b'...'` is a bytes
//!   literal (with the same escapes), `B'...'` a bit string, `x'...'` hex bytes;
//! - `$$ ... $$` and `$tag$ ... $tag$` enclose a body verbatim, `$1` is a placeholder;
//! - `--` comments run to the end of the line, `/* ... */` comments nest;
//! - operators are read longest first, so `:::` (a type annotation) is never `::` plus `:`.
//!
//! The lexer never fails: input it cannot read (an unterminated string, a bad escape) becomes
//! an [`TokenKind::Error`] token whose value is the message, and the statement holding it is
//! reported by the parser.

use crate::schema::parse::Location;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An unquoted identifier or keyword; the value is folded to lower case.
    Ident,
    /// A `"quoted"` identifier; the value is its content with `""` undoubled.
    QuotedIdent,
    /// A string literal; the value is the decoded content (raw digits for `B'...'`, `x'...'`).
    String(StringKind),
    /// A numeric literal, as written.
    Number,
    /// A placeholder such as `$1`.
    Placeholder,
    /// A dollar-quoted body; the value is the text between the delimiters.
    DollarBody,
    /// An operator or punctuation; the value is its text.
    Op,
    /// Input that could not be read; the value is the message.
    Error,
}

/// The flavour of a string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringKind {
    /// `'...'`.
    Plain,
    /// `e'...'`, with backslash escapes.
    Escape,
    /// `b'...'`, a bytes literal with backslash escapes.
    Bytes,
    /// `B'...'`, a bit string.
    Bits,
    /// `x'...'`, bytes as hex digits.
    Hex,
}

/// One token: its kind, its value and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// The folded, unescaped or decoded value (see [`TokenKind`]).
    pub value: String,
    /// Byte offset of the first character in the source.
    pub start: usize,
    /// Byte offset just past the last character in the source.
    pub end: usize,
    /// Line and column of the first character.
    pub location: Location,
}

/// A comment, which the lexer keeps apart from the tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Where it starts.
    pub location: Location,
    /// The comment as written, delimiters included.
    pub text: String,
}

/// Everything the lexer read.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    /// The tokens in source order.
    pub tokens: Vec<Token>,
    /// The comments in source order.
    pub comments: Vec<Comment>,
}

/// Operators of more than one character, longest first.
const OPERATORS: &[&str] = &[
    "!~~*", ":::", "->>", "#>>", "~~*", "!~~", "!~*", "<->", "<<=", ">>=", "::", "->", "#>", "#-",
    "@>", "<@", "||", "<=", ">=", "<>", "!=", "<<", ">>", "&&", "~~", "~*", "!~", "//", ":=", "=>",
    "?|", "?&", "@@",
];

/// Split `src` into tokens and comments.
pub(crate) fn lex(src: &str) -> Lexed {
    let mut scanner = Scanner { src, pos: 0, line: 1, column: 1 };
    let mut lexed = Lexed::default();
    loop {
        scanner.skip_whitespace();
        let (start, location) = (scanner.pos, scanner.location());
        let Some(c) = scanner.peek() else { break };
        let next = scanner.peek_second();
        let kind = match c {
            '-' if next == Some('-') => {
                scanner.line_comment();
                lexed.comments.push(Comment { location, text: src[start..scanner.pos].into() });
                continue;
            }
            '/' if next == Some('*') => match scanner.block_comment() {
                Ok(()) => {
                    let text = src[start..scanner.pos].into();
                    lexed.comments.push(Comment { location, text });
                    continue;
                }
                Err(message) => Err(message),
            },
            '\'' => scanner.string(StringKind::Plain),
            '"' => scanner.quoted_ident(),
            'e' | 'E' | 'b' | 'B' | 'x' | 'X' if next == Some('\'') => {
                scanner.bump();
                scanner.string(string_kind(c))
            }
            c if is_ident_start(c) => Ok(scanner.ident()),
            c if c.is_ascii_digit() => Ok(scanner.number()),
            '.' if next.is_some_and(|n| n.is_ascii_digit()) => Ok(scanner.number()),
            '$' => Ok(scanner.dollar()),
            _ => Ok(scanner.operator()),
        };
        let (kind, value) = match kind {
            Ok(pair) => pair,
            Err(message) => (TokenKind::Error, message),
        };
        lexed.tokens.push(Token { kind, value, start, end: scanner.pos, location });
    }
    lexed
}

fn string_kind(prefix: char) -> StringKind {
    match prefix {
        'e' | 'E' => StringKind::Escape,
        'b' => StringKind::Bytes,
        'B' => StringKind::Bits,
        _ => StringKind::Hex,
    }
}

/// Whether `c` can start an identifier: a letter, `_`, or any other non-ASCII character.
pub(crate) fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic() || (!c.is_ascii() && !c.is_whitespace())
}

/// Whether `c` can continue an identifier.
pub(crate) fn is_ident_char(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == '$'
}

/// A position in the source that knows its line and column.
struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    column: u32,
}

impl Scanner<'_> {
    fn location(&self) -> Location {
        Location { line: self.line, column: self.column }
    }

    fn rest(&self) -> &str {
        self.src.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    /// Move past `text`, which must be what comes next.
    fn bump_str(&mut self, text: &str) {
        for _ in text.chars() {
            self.bump();
        }
    }

    /// Move past the rest of the input.
    fn bump_to_end(&mut self) {
        while self.bump().is_some() {}
    }

    fn bump_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
    }

    fn skip_whitespace(&mut self) {
        self.bump_while(|c| c.is_whitespace() || c == '\u{feff}');
    }

    fn line_comment(&mut self) {
        self.bump_while(|c| c != '\n');
    }

    /// A `/* ... */` comment, which may contain nested comments.
    fn block_comment(&mut self) -> Result<(), String> {
        self.bump_str("/*");
        let mut depth = 1u32;
        while depth > 0 {
            let rest = self.rest();
            if rest.starts_with("/*") {
                depth += 1;
                self.bump_str("/*");
            } else if rest.starts_with("*/") {
                depth -= 1;
                self.bump_str("*/");
            } else if self.bump().is_none() {
                return Err("Unterminated /* comment".into());
            }
        }
        Ok(())
    }

    /// A string literal starting at its opening quote (after any prefix letter).
    fn string(&mut self, kind: StringKind) -> Result<(TokenKind, String), String> {
        let escapes = matches!(kind, StringKind::Escape | StringKind::Bytes);
        let raw = self.quoted('\'', escapes).ok_or("Unterminated string literal")?;
        let value = match kind {
            StringKind::Escape | StringKind::Bytes => decode_escapes(&raw)?,
            _ => raw.replace("''", "'"),
        };
        Ok((TokenKind::String(kind), value))
    }

    fn quoted_ident(&mut self) -> Result<(TokenKind, String), String> {
        let raw = self.quoted('"', false).ok_or("Unterminated quoted identifier")?;
        if raw.is_empty() {
            return Err("Empty quoted identifier \"\"".into());
        }
        Ok((TokenKind::QuotedIdent, raw.replace("\"\"", "\"")))
    }

    /// The raw text between `quote`s (a doubled quote does not end it); `None`, with the rest of
    /// the input consumed, when the closing quote is missing.
    fn quoted(&mut self, quote: char, escapes: bool) -> Option<String> {
        self.bump();
        let start = self.pos;
        loop {
            match self.bump() {
                None => return None,
                Some('\\') if escapes => {
                    self.bump();
                }
                Some(c) if c == quote => {
                    if self.peek() == Some(quote) {
                        self.bump();
                    } else {
                        let end = self.pos - quote.len_utf8();
                        return self.src.get(start..end).map(str::to_owned);
                    }
                }
                Some(_) => {}
            }
        }
    }

    fn ident(&mut self) -> (TokenKind, String) {
        let start = self.pos;
        self.bump_while(is_ident_char);
        (TokenKind::Ident, self.src[start..self.pos].to_lowercase())
    }

    fn number(&mut self) -> (TokenKind, String) {
        let start = self.pos;
        if self.rest().starts_with("0x") || self.rest().starts_with("0X") {
            self.bump_str("0x");
            self.bump_while(|c| c.is_ascii_hexdigit());
            return (TokenKind::Number, self.src[start..self.pos].into());
        }
        self.bump_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') && self.peek_second() != Some('.') {
            self.bump();
            self.bump_while(|c| c.is_ascii_digit());
        }
        let mut exponent = self.rest().chars();
        if matches!(exponent.next(), Some('e' | 'E')) {
            let sign = exponent.next();
            let digit = if matches!(sign, Some('+' | '-')) { exponent.next() } else { sign };
            if digit.is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
                if matches!(sign, Some('+' | '-')) {
                    self.bump();
                }
                self.bump_while(|c| c.is_ascii_digit());
            }
        }
        (TokenKind::Number, self.src[start..self.pos].into())
    }

    /// `$1`, `$$body$$`, `$tag$body$tag$`, or a lone `$` operator.
    fn dollar(&mut self) -> (TokenKind, String) {
        let rest = self.rest();
        let after = &rest[1..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            let text = rest[..=digits].to_owned();
            self.bump_str(&text);
            return (TokenKind::Placeholder, text);
        }
        let tag_len: usize =
            after.chars().take_while(|&c| c != '$' && is_ident_char(c)).map(char::len_utf8).sum();
        let starts_well = after.chars().next().is_some_and(|c| c == '$' || is_ident_start(c));
        if !starts_well || !after[tag_len..].starts_with('$') {
            self.bump();
            return (TokenKind::Op, "$".into());
        }
        let delimiter = rest[..tag_len + 2].to_owned();
        self.bump_str(&delimiter);
        match self.rest().find(delimiter.as_str()) {
            Some(len) => {
                let body = self.rest()[..len].to_owned();
                self.bump_str(&body);
                self.bump_str(&delimiter);
                (TokenKind::DollarBody, body)
            }
            None => {
                self.bump_to_end();
                (TokenKind::Error, format!("Unterminated dollar-quoted body {delimiter}"))
            }
        }
    }

    fn operator(&mut self) -> (TokenKind, String) {
        let rest = self.rest();
        let text = match OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => (*op).to_owned(),
            None => rest.chars().next().map(String::from).unwrap_or_default(),
        };
        self.bump_str(&text);
        (TokenKind::Op, text)
    }
}

/// Decode the backslash escapes of an `e'...'` or `b'...'` literal's raw content.
fn decode_escapes(raw: &str) -> Result<String, String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        let decoded = match c {
            '\'' => {
                chars.next_if_eq(&'\'');
                '\''
            }
            '\\' => match chars.next() {
                None => return Err("A string ends with a lone backslash".into()),
                Some('x') => {
                    out.push(radix_byte(&mut chars, 16, 2)?);
                    continue;
                }
                Some(d @ '0'..='7') => {
                    let mut digits = String::from(d);
                    while digits.len() < 3 && chars.peek().is_some_and(|c| ('0'..='7').contains(c))
                    {
                        digits.extend(chars.next());
                    }
                    let value = u32::from_str_radix(&digits, 8).unwrap_or(0);
                    out.push(u8::try_from(value).map_err(|_| "Octal escape out of range")?);
                    continue;
                }
                Some('u') => unicode(&mut chars, 4)?,
                Some('U') => unicode(&mut chars, 8)?,
                Some(e) => simple_escape(e),
            },
            c => c,
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn simple_escape(e: char) -> char {
    match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'v' => '\u{b}',
        'a' => '\u{7}',
        other => other,
    }
}

/// One byte from up to `max` digits in `radix` (at least one digit).
fn radix_byte(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    radix: u32,
    max: usize,
) -> Result<u8, String> {
    let mut digits = String::new();
    while digits.len() < max && chars.peek().is_some_and(|c| c.is_digit(radix)) {
        digits.extend(chars.next());
    }
    u8::from_str_radix(&digits, radix).map_err(|_| "Invalid \\x escape in a string".into())
}

/// A `\uXXXX` or `\UXXXXXXXX` escape: exactly `len` hex digits naming a code point.
fn unicode(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    len: usize,
) -> Result<char, String> {
    let digits: String = (0..len).filter_map(|_| chars.next_if(char::is_ascii_hexdigit)).collect();
    let value = u32::from_str_radix(&digits, 16).ok().filter(|_| digits.len() == len);
    value.and_then(char::from_u32).ok_or_else(|| "Invalid unicode escape in a string".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_values(src: &str) -> Vec<(TokenKind, String)> {
        lex(src).tokens.into_iter().map(|t| (t.kind, t.value)).collect()
    }

    fn values(src: &str) -> Vec<String> {
        lex(src).tokens.into_iter().map(|t| t.value).collect()
    }

    fn loc(line: u32, column: u32) -> Location {
        Location { line, column }
    }

    #[test]
    fn folds_unquoted_identifiers_and_keeps_quoted_ones() {
        let tokens = kinds_and_values(r#"CREATE Table "MixedCase" "a""b" ÉTÉ x$1"#);
        assert_eq!(
            tokens,
            [
                (TokenKind::Ident, "create".into()),
                (TokenKind::Ident, "table".into()),
                (TokenKind::QuotedIdent, "MixedCase".into()),
                (TokenKind::QuotedIdent, "a\"b".into()),
                (TokenKind::Ident, "été".into()),
                (TokenKind::Ident, "x$1".into()),
            ]
        );
    }

    #[test]
    fn reads_every_string_flavour() {
        let tokens = kinds_and_values(r"'it''s' e'a\'b\n' E'\x41\101\u00e9' b'\x00' B'101' x'ff'");
        assert_eq!(
            tokens,
            [
                (TokenKind::String(StringKind::Plain), "it's".into()),
                (TokenKind::String(StringKind::Escape), "a'b\n".into()),
                (TokenKind::String(StringKind::Escape), "AAé".into()),
                (TokenKind::String(StringKind::Bytes), "\0".into()),
                (TokenKind::String(StringKind::Bits), "101".into()),
                (TokenKind::String(StringKind::Hex), "ff".into()),
            ]
        );
    }

    #[test]
    fn plain_strings_take_backslashes_literally() {
        assert_eq!(values(r"'a\' 'b'"), [r"a\", "b"]);
    }

    #[test]
    fn escape_strings_decode_the_fixture_comments() {
        let v = values(r"e'i \' just \' love \' quotes'");
        assert_eq!(v, ["i ' just ' love ' quotes"]);
        assert_eq!(values(r"e'\\' e'\t\r\f\b\v\a\z'"), ["\\", "\t\r\u{c}\u{8}\u{b}\u{7}z"]);
        assert_eq!(values(r"e'\xc3\xa9'"), ["é"]);
    }

    #[test]
    fn bad_escapes_are_error_tokens() {
        assert_eq!(lex(r"e'\u12'").tokens[0].kind, TokenKind::Error);
        assert_eq!(lex(r"e'\xzz'").tokens[0].kind, TokenKind::Error);
        assert_eq!(lex(r"e'\777'").tokens[0].kind, TokenKind::Error);
        assert_eq!(lex(r"e'\UFFFFFFFF'").tokens[0].kind, TokenKind::Error);
    }

    #[test]
    fn a_prefix_letter_needs_the_quote_right_after_it() {
        let tokens = kinds_and_values("e 'x' ex'y'");
        assert_eq!(tokens[0], (TokenKind::Ident, "e".into()));
        assert_eq!(tokens[1].0, TokenKind::String(StringKind::Plain));
        assert_eq!(tokens[2], (TokenKind::Ident, "ex".into()));
    }

    #[test]
    fn reads_dollar_bodies_and_placeholders() {
        let tokens = kinds_and_values("$$ a; 'b' $$ $fn$ $$ $fn$ $1 $ $a");
        assert_eq!(
            tokens,
            [
                (TokenKind::DollarBody, " a; 'b' ".into()),
                (TokenKind::DollarBody, " $$ ".into()),
                (TokenKind::Placeholder, "$1".into()),
                (TokenKind::Op, "$".into()),
                (TokenKind::Op, "$".into()),
                (TokenKind::Ident, "a".into()),
            ]
        );
    }

    #[test]
    fn reads_numbers() {
        assert_eq!(
            values("1 10.5 .5 1e10 2.5E-3 0x1F 1..2 -9"),
            ["1", "10.5", ".5", "1e10", "2.5E-3", "0x1F", "1", ".", ".2", "-", "9"]
        );
        assert_eq!(values("3e"), ["3", "e"]);
    }

    #[test]
    fn reads_operators_longest_first() {
        let v = values("3:::INT8 a::b j->>'k' j->'k' j@>k a||b a<>b a<=b x // y ( ) , ; . [ ] @");
        assert_eq!(
            v,
            [
                "3", ":::", "int8", "a", "::", "b", "j", "->>", "k", "j", "->", "k", "j", "@>",
                "k", "a", "||", "b", "a", "<>", "b", "a", "<=", "b", "x", "//", "y", "(", ")", ",",
                ";", ".", "[", "]", "@"
            ]
        );
    }

    #[test]
    fn keeps_comments_apart_and_nests_block_comments() {
        let lexed = lex("a -- one\n/* two /* three */ still */ b");
        assert_eq!(lexed.tokens.len(), 2);
        assert_eq!(lexed.comments.len(), 2);
        assert_eq!(lexed.comments[0].text, "-- one");
        assert_eq!(lexed.comments[1].text, "/* two /* three */ still */");
        assert_eq!(lexed.comments[1].location, loc(2, 1));
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let tokens = lex("CREATE TABLE\n\t\"é\" (\n  a INT8\r\n)").tokens;
        let at: Vec<Location> = tokens.iter().map(|t| t.location).collect();
        assert_eq!(
            at,
            [loc(1, 1), loc(1, 8), loc(2, 2), loc(2, 6), loc(3, 3), loc(3, 5), loc(4, 1)]
        );
        assert_eq!((tokens[2].start, tokens[2].end), (14, 18));
    }

    #[test]
    fn unterminated_input_becomes_one_error_token_to_the_end() {
        for src in ["x 'abc", "x \"abc", "x $$ abc", "x /* abc", "x e'abc\\'"] {
            let tokens = lex(src).tokens;
            assert_eq!(tokens.len(), 2, "{src}");
            assert_eq!(tokens[1].kind, TokenKind::Error, "{src}");
            assert_eq!(tokens[1].end, src.len(), "{src}");
        }
        assert_eq!(lex("\"\"").tokens[0].kind, TokenKind::Error);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for src in ["$", "$$", "e'", "\\", "'\\", "0x", "\u{feff}a", "é'", "$é$x$é$", "/*/", "-"]
        {
            let _ = lex(src);
        }
    }
}
