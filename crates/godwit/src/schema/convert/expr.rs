//! Rewriting expression text between dialects, at token level.
//!
//! Expressions (defaults, computed columns, checks, index predicates) are carried as the text
//! the source printed. CockroachDB prints type annotations (`3:::INT8`, `'x':::STRING`),
//! `current_timestamp()` with parentheses and CockroachDB type names inside casts; PostgreSQL
//! accepts none of these. The rewrite walks the text once, copying string literals, quoted
//! identifiers and dollar-quoted bodies untouched, so a `:::` inside a string is never changed.

/// Turn a CockroachDB expression into PostgreSQL syntax.
pub fn crdb_to_pg(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = literal_end(&chars, i) {
            out.extend(&chars[i..end]);
            i = end;
        } else if starts_with(&chars, i, ":::") {
            i = skip_type(&chars, i + 3);
        } else if starts_with(&chars, i, "::") {
            let end = skip_type(&chars, i + 2);
            let ty: String = chars[i + 2..end].iter().collect();
            out.push_str("::");
            out.push_str(&map_crdb_type_name(ty.trim()));
            i = end;
        } else if let Some((word, end)) = word_at(&chars, i) {
            out.push_str(&rewrite_word(&word));
            i = end;
            if matches!(
                word.to_ascii_lowercase().as_str(),
                "current_timestamp" | "current_date" | "localtimestamp"
            ) && starts_with(&chars, i, "()")
            {
                i += 2;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Keywords CockroachDB prints as calls: `current_timestamp()` becomes `CURRENT_TIMESTAMP`
/// (the caller drops the parentheses).
fn rewrite_word(word: &str) -> String {
    match word.to_ascii_lowercase().as_str() {
        "current_timestamp" => "CURRENT_TIMESTAMP".to_owned(),
        _ => word.to_owned(),
    }
}

/// The end (exclusive) of a string literal, quoted identifier or dollar-quoted body at `i`.
fn literal_end(chars: &[char], i: usize) -> Option<usize> {
    let c = chars[i];
    let prefixed = matches!(c, 'e' | 'E' | 'b' | 'B' | 'x' | 'X')
        && chars.get(i + 1) == Some(&'\'')
        && (i == 0 || !is_word(chars[i - 1]));
    if c == '\'' || prefixed {
        let start = if prefixed { i + 1 } else { i };
        let escapes = prefixed && matches!(c, 'e' | 'E');
        return Some(quoted_end(chars, start, '\'', escapes));
    }
    if c == '"' {
        return Some(quoted_end(chars, i, '"', false));
    }
    if c == '$' {
        return dollar_end(chars, i);
    }
    None
}

fn quoted_end(chars: &[char], start: usize, quote: char, escapes: bool) -> usize {
    let mut j = start + 1;
    while j < chars.len() {
        if escapes && chars[j] == '\\' {
            j += 2;
            continue;
        }
        if chars[j] == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

fn dollar_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    if chars.get(j) != Some(&'$') || chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        return None;
    }
    let tag: String = chars[i..=j].iter().collect();
    let body: String = chars[j + 1..].iter().collect();
    let close = body.find(&tag)?;
    Some(j + 1 + body[..close].chars().count() + tag.chars().count())
}

fn starts_with(chars: &[char], i: usize, s: &str) -> bool {
    s.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn word_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    if !(chars[i].is_alphabetic() || chars[i] == '_') || (i > 0 && is_word(chars[i - 1])) {
        return None;
    }
    let mut j = i;
    while j < chars.len() && is_word(chars[j]) {
        j += 1;
    }
    Some((chars[i..j].iter().collect(), j))
}

/// Skip a type name after `::` or `:::`: words, dots, quoted names, `(args)` and `[]`.
fn skip_type(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    loop {
        match chars.get(i) {
            Some(&c) if is_word(c) || c == '.' => i += 1,
            Some('"') => i = quoted_end(chars, i, '"', false),
            Some('(') => i = close_paren(chars, i),
            Some('[') if chars.get(i + 1) == Some(&']') => i += 2,
            _ => return i,
        }
    }
}

fn close_paren(chars: &[char], i: usize) -> usize {
    let mut depth = 0;
    for (j, &c) in chars.iter().enumerate().skip(i) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    chars.len()
}

/// A CockroachDB type name as PostgreSQL spells it (`STRING` → `text`, `INT8` → `bigint`).
/// Unknown names (user types, names both share) are returned unchanged.
pub fn map_crdb_type_name(ty: &str) -> String {
    super::types::crdb_to_pg(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_annotations() {
        assert_eq!(crdb_to_pg("3:::INT8"), "3");
        assert_eq!(crdb_to_pg("'def':::STRING"), "'def'");
        assert_eq!(crdb_to_pg("b IN (1:::INT8, 2:::INT8)"), "b IN (1, 2)");
        assert_eq!(crdb_to_pg("'00:10:00':::INTERVAL"), "'00:10:00'");
        assert_eq!(crdb_to_pg("ARRAY['a':::public.e]:::public.e[]"), "ARRAY['a']");
    }

    #[test]
    fn rewrites_current_timestamp_and_casts() {
        assert_eq!(
            crdb_to_pg("current_timestamp():::TIMESTAMPTZ + '30 days':::INTERVAL"),
            "CURRENT_TIMESTAMP + '30 days'"
        );
        assert_eq!(crdb_to_pg("nextval('public.s'::REGCLASS)"), "nextval('public.s'::regclass)");
        assert_eq!(crdb_to_pg("x::STRING"), "x::text");
        assert_eq!(crdb_to_pg("now():::TIMESTAMPTZ"), "now()");
    }

    #[test]
    fn leaves_literals_alone() {
        assert_eq!(crdb_to_pg("'a:::b'"), "'a:::b'");
        assert_eq!(crdb_to_pg("e'it\\'s:::x'"), "e'it\\'s:::x'");
        assert_eq!(crdb_to_pg("\"col:::x\" > 0"), "\"col:::x\" > 0");
        assert_eq!(crdb_to_pg("$$ 1:::INT8 $$"), "$$ 1:::INT8 $$");
    }
}
