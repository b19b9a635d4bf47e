//! Broken input: bad statements are reported where they go wrong and cost only themselves, and
//! thousands of deterministic mutations of the fixtures never make the parser panic.

use godwit::schema::model::QualifiedName;
use godwit::schema::parse::crdb::parse;
use godwit::schema::parse::{Location, ObjectKey};

use super::{at, fixtures, table};

/// Bad statements cost only themselves, and are reported where they go wrong.
#[test]
fn bad_statements_are_reported_and_the_rest_is_read() {
    let text = "\
CREATE TABLE public.a (
    x INT8 NOT NULL,
    CONSTRAINT a_pkey PRIMARY KEY (x ASC)
);
CREATE TABLE public.b (
    y INT8 NOT NULL BOGUS,
    CONSTRAINT b_pkey PRIMARY KEY (y ASC)
);
CREATE SEQUENCE public.s START 5;
GRANT SELECT ON public.a TO bob;
CREATE TABLE public.d (q INT8 PRIMARY KEY) LOCALITY NOWHERE;
CREATE INDEX ON public.a (x) WHERE;
CREATE VIEW public.v (one) AS SELECT 1;
ALTER TABLE public.missing ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES public.a(x);
COMMENT ON TABLE public.a IS 'kept';
CREATE TABLE public.e (
    z INT8 PRIMARY KEY
);
COMMENT ON TABLE public.e IS 'never closed;
CREATE TABLE public.f (w INT8 PRIMARY KEY);
";
    let parsed = parse(text, "db");
    let found: Vec<(Location, &str, &str)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.location, d.message.as_str(), d.statement.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                at(6, 21),
                "Expected a column qualifier, found \"BOGUS\"",
                "CREATE TABLE public.b ( y INT8 NOT NULL BOGUS, CONSTRAINT b_pkey PRIMARY KEY (y "
            ),
            (
                at(10, 1),
                "Not a statement godwit reads from a schema file: GRANT",
                "GRANT SELECT ON public.a TO bob"
            ),
            (
                at(11, 53),
                "Expected REGIONAL, found \"NOWHERE\"",
                "CREATE TABLE public.d (q INT8 PRIMARY KEY) LOCALITY NOWHERE"
            ),
            (
                at(12, 35),
                "Expected a predicate, found the end of the statement",
                "CREATE INDEX ON public.a (x) WHERE"
            ),
            (
                at(14, 28),
                "Table public.missing is not defined in this file",
                "ALTER TABLE public.missing ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES public.a("
            ),
            (
                at(19, 30),
                "Unterminated string literal",
                "COMMENT ON TABLE public.e IS 'never closed; CREATE TABLE public.f (w INT8 PRIMAR"
            ),
        ]
    );
    let tables: Vec<&str> = parsed.schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tables, ["a", "e"]);
    assert_eq!(table(&parsed, "public", "a").comment.as_deref(), Some("kept"));
    assert_eq!(parsed.schema.sequence("public", "s").unwrap().start, 5);
    assert!(parsed.schema.view("public", "v").is_some());
    assert_eq!(parsed.locations[&ObjectKey::Table(QualifiedName::new("public", "e"))], at(16, 1));
}

/// A small deterministic generator (xorshift64*), so the mutation test needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Characters that matter to the lexer and parser.
const NOISE: &[char] = &[
    '\'', '"', '$', '(', ')', ';', ',', '-', '/', '*', '\\', 'e', 'E', ':', '@', '.', '[', ']',
    '\n', '\t', ' ', 'é', '0',
];

/// One random truncation, character flip, token deletion or insertion of `text`.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let at = rng.below(chars.len() + 1);
    match rng.below(4) {
        0 => chars.truncate(at),
        1 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(chars.len());
                if let Some(c) = chars.get_mut(i) {
                    *c = NOISE[rng.below(NOISE.len())];
                }
            }
        }
        2 => {
            let start = chars[..at].iter().rposition(|c| c.is_whitespace()).map_or(0, |i| i + 1);
            let end =
                chars[at..].iter().position(|c| c.is_whitespace()).map_or(chars.len(), |i| at + i);
            chars.drain(start..end);
        }
        _ => {
            let from = rng.below(chars.len());
            let len = rng.below(40).min(chars.len() - from.min(chars.len()));
            let copy: Vec<char> = chars[from..from + len].to_vec();
            chars.splice(at..at, copy);
        }
    }
    chars.into_iter().collect()
}

/// Thousands of damaged fixtures: parsing never panics and every diagnostic stays in the text.
#[test]
fn mutated_fixtures_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut parsed_count = 0;
    for (name, text) in fixtures() {
        for round in 0..80 {
            let mut damaged = mutate(&text, &mut rng);
            if round % 4 == 3 {
                damaged = mutate(&damaged, &mut rng);
            }
            let parsed = parse(&damaged, "db");
            let lines = u32::try_from(damaged.lines().count()).unwrap() + 1;
            for d in &parsed.diagnostics {
                assert!(d.location.line >= 1 && d.location.line <= lines, "{name}: {d:?}");
                assert!(d.location.column >= 1, "{name}: {d:?}");
                assert!(d.statement.chars().count() <= 80, "{name}: {d:?}");
            }
            parsed_count += 1;
        }
    }
    assert_eq!(parsed_count, 51 * 80);
}

/// Random token soup made of the words and symbols the parser looks for.
#[test]
fn token_soup_never_panics() {
    const WORDS: &[&str] = &[
        "CREATE",
        "TABLE",
        "INDEX",
        "UNIQUE",
        "INVERTED",
        "FAMILY",
        "CONSTRAINT",
        "PRIMARY",
        "KEY",
        "NOT",
        "NULL",
        "VISIBLE",
        "DEFAULT",
        "ON",
        "UPDATE",
        "AS",
        "STORED",
        "PARTITION",
        "BY",
        "LIST",
        "WITH",
        "USING",
        "HASH",
        "WHERE",
        "ALTER",
        "COMMENT",
        "IS",
        "SEQUENCE",
        "VIEW",
        "TYPE",
        "ENUM",
        "FUNCTION",
        "TRIGGER",
        "EXECUTE",
        "BEGIN",
        "ATOMIC",
        "END",
        "CASE",
        "REFERENCES",
        "t",
        "a",
        "b",
        "(",
        ")",
        ",",
        ";",
        ".",
        "@",
        "=",
        ":::",
        "1",
        "'x'",
        "$$b$$",
    ];
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let words: Vec<&str> = (0..rng.below(40)).map(|_| WORDS[rng.below(WORDS.len())]).collect();
        let _ = parse(&words.join(" "), "db");
    }
}
