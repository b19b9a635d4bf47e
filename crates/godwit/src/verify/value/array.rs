//! PostgreSQL array text: `{1,2,NULL}`, nested `{{1,2},{3,4}}`, quoted elements with
//! backslash escapes (`"NULL"` is a string, unquoted `NULL` is NULL), and explicit bounds
//! `[0:2]={7,8,9}`: the bounds are part of the value (CockroachDB arrays are always 1-based).
//!
//! The canonical form is the dimensions (lower bound and length each), then every element in
//! row-major order: 0 for NULL, 1 and the element's canonical form otherwise.

use super::{Family, ValueError};

/// PostgreSQL's `MAXDIM`.
const MAX_DIMS: usize = 6;

/// A parsed array level: sub-arrays or elements (unescaped text, `None` for NULL).
#[derive(Debug)]
enum Node {
    List(Vec<Node>),
    Item(Option<Vec<u8>>),
}

type Res<T> = Result<T, &'static str>;

/// Explicit `[lower:upper]` bounds, one pair per dimension.
type Bounds = Vec<(i64, i64)>;

/// Appends the canonical form of an array of `elem` values.
pub(super) fn canonical(elem: &Family, text: &[u8], out: &mut Vec<u8>) -> Result<(), ValueError> {
    let family = Family::Array(Box::new(elem.clone()));
    let err = |problem| ValueError::new(&family, problem);
    let (bounds, body) = split_bounds(text.trim_ascii()).map_err(err)?;
    let mut parser = Parser { text: body, at: 0 };
    let root = parser.list(0).map_err(err)?;
    if parser.at != body.len() {
        return Err(err("trailing characters"));
    }
    let dims = shape(&root).map_err(err)?;
    let lowers = match bounds {
        Some(bounds) => check_bounds(&bounds, &dims).map_err(err)?,
        None => vec![1; dims.len()],
    };
    out.push(u8::try_from(dims.len()).unwrap_or(u8::MAX));
    for (lower, len) in lowers.iter().zip(&dims) {
        out.extend_from_slice(&lower.to_be_bytes());
        out.extend_from_slice(&u32::try_from(*len).unwrap_or(u32::MAX).to_be_bytes());
    }
    write_items(elem, &root, out)
}

/// Splits `[l:u][l:u]=` off the front.
fn split_bounds(text: &[u8]) -> Res<(Option<Bounds>, &[u8])> {
    if text.first() != Some(&b'[') {
        return Ok((None, text));
    }
    let eq = text.iter().position(|c| *c == b'=').ok_or("bounds without =")?;
    let mut bounds = Vec::new();
    for part in text[..eq].trim_ascii().split(|c| *c == b']') {
        if part.is_empty() {
            continue;
        }
        let inner = part.strip_prefix(b"[").ok_or("bad bounds")?;
        let inner = std::str::from_utf8(inner).map_err(|_| "bad bounds")?;
        let (lower, upper) = inner.split_once(':').ok_or("bad bounds")?;
        let lower: i64 = lower.trim().parse().map_err(|_| "bad lower bound")?;
        let upper: i64 = upper.trim().parse().map_err(|_| "bad upper bound")?;
        bounds.push((lower, upper));
    }
    Ok((Some(bounds), text[eq + 1..].trim_ascii()))
}

/// The lower bounds, after checking that the bounds match the dimensions.
fn check_bounds(bounds: &[(i64, i64)], dims: &[usize]) -> Res<Vec<i32>> {
    if bounds.len() != dims.len() {
        return Err("bounds do not match the dimensions");
    }
    let mut lowers = Vec::with_capacity(bounds.len());
    for ((lower, upper), len) in bounds.iter().zip(dims) {
        let want = i64::try_from(*len).map_err(|_| "too long")?;
        if upper.checked_sub(*lower).and_then(|d| d.checked_add(1)) != Some(want) {
            return Err("bounds do not match the dimensions");
        }
        lowers.push(i32::try_from(*lower).map_err(|_| "bound out of range")?);
    }
    Ok(lowers)
}

/// The lengths of each dimension; `{}` has none. Every sub-array must have the same shape.
fn shape(root: &Node) -> Res<Vec<usize>> {
    let mut dims = Vec::new();
    let mut node = root;
    while let Node::List(children) = node {
        if children.is_empty() {
            break;
        }
        dims.push(children.len());
        node = &children[0];
    }
    if dims.is_empty() || check_shape(root, &dims) {
        Ok(dims)
    } else {
        Err("sub-arrays of different shapes")
    }
}

fn check_shape(node: &Node, dims: &[usize]) -> bool {
    match (node, dims.split_first()) {
        (Node::Item(_), None) => true,
        (Node::List(children), Some((len, rest))) => {
            children.len() == *len && children.iter().all(|c| check_shape(c, rest))
        }
        _ => false,
    }
}

/// Elements in row-major order.
fn write_items(elem: &Family, node: &Node, out: &mut Vec<u8>) -> Result<(), ValueError> {
    match node {
        Node::List(children) => children.iter().try_for_each(|c| write_items(elem, c, out)),
        Node::Item(None) => {
            out.push(0);
            Ok(())
        }
        Node::Item(Some(text)) => {
            out.push(1);
            super::canonical_text(elem, text, out)
        }
    }
}

/// A cursor over the `{…}` part.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// `{ item, item }` at the cursor.
    fn list(&mut self, depth: usize) -> Res<Node> {
        if depth >= MAX_DIMS {
            return Err("more than 6 dimensions");
        }
        self.skip_ws();
        if self.text.get(self.at) != Some(&b'{') {
            return Err("expected {");
        }
        self.at += 1;
        let mut children = Vec::new();
        self.skip_ws();
        if self.text.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(Node::List(children));
        }
        loop {
            self.skip_ws();
            let child = match self.text.get(self.at) {
                Some(b'{') => self.list(depth + 1)?,
                Some(b'"') => Node::Item(Some(self.quoted()?)),
                Some(_) => self.unquoted()?,
                None => return Err("unterminated array"),
            };
            children.push(child);
            self.skip_ws();
            match self.text.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Node::List(children));
                }
                _ => return Err("expected , or }"),
            }
        }
    }

    /// `"…"` with backslash escapes.
    fn quoted(&mut self) -> Res<Vec<u8>> {
        self.at += 1;
        let mut bytes = Vec::new();
        loop {
            match *self.text.get(self.at).ok_or("unterminated quote")? {
                b'"' => {
                    self.at += 1;
                    return Ok(bytes);
                }
                b'\\' => {
                    bytes.push(*self.text.get(self.at + 1).ok_or("unterminated escape")?);
                    self.at += 2;
                }
                c => {
                    bytes.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// An unquoted element up to `,` or `}`: trimmed, `NULL` (any case, unescaped) is NULL.
    fn unquoted(&mut self) -> Res<Node> {
        let mut bytes = Vec::new();
        let mut escaped_len = 0;
        loop {
            match *self.text.get(self.at).ok_or("unterminated array")? {
                b',' | b'}' => break,
                b'{' | b'"' => return Err("unexpected character"),
                b'\\' => {
                    bytes.push(*self.text.get(self.at + 1).ok_or("unterminated escape")?);
                    self.at += 2;
                    escaped_len = bytes.len();
                }
                c => {
                    bytes.push(c);
                    self.at += 1;
                }
            }
        }
        // Trailing whitespace goes unless escaped.
        while bytes.len() > escaped_len && bytes.last().is_some_and(u8::is_ascii_whitespace) {
            bytes.pop();
        }
        if escaped_len == 0 && bytes.eq_ignore_ascii_case(b"null") {
            return Ok(Node::Item(None));
        }
        Ok(Node::Item(Some(bytes)))
    }
}
