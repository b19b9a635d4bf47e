//! `CREATE FUNCTION`, `CREATE PROCEDURE` and `CREATE TRIGGER`.
//!
//! A routine's `definition` is the whole `CREATE` statement as written, body included; its
//! `arguments` are the identity arguments on one line: parameters as written without their
//! defaults, and, for functions, without `OUT` parameters (which do not identify a function),
//! so `COMMENT ON FUNCTION f(x INT8)` finds `public.f(x INT8)`. Volatility defaults to
//! `VOLATILE`, null handling to `CALLED ON NULL INPUT`, security to `INVOKER`, as in CockroachDB
//! (whose `SHOW CREATE` prints all three anyway).

use std::ops::Range;

use super::datatype::type_name;
use super::lexer::TokenKind;
use super::parser::{Cursor, PResult, compact, is_keyword, is_op};
use crate::schema::model::{
    Enablement, QualifiedName, Routine, RoutineKind, Trigger, TriggerEvent, TriggerLevel,
    TriggerTiming, Volatility,
};

/// Words that start a routine option (and so end a `SET name = value` option).
const OPTION_WORDS: &[&str] = &[
    "as",
    "begin",
    "called",
    "cost",
    "external",
    "immutable",
    "language",
    "leakproof",
    "not",
    "parallel",
    "return",
    "returns",
    "rows",
    "security",
    "set",
    "stable",
    "strict",
    "volatile",
    "window",
];

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE ...` after the keyword.
pub(super) fn create_routine(c: &mut Cursor<'_>, kind: RoutineKind) -> PResult<Routine> {
    let name = c.qualified("a routine name")?;
    let parameters = c.group()?;
    let mut routine = Routine {
        schema: name.schema,
        name: name.name,
        kind,
        arguments: identity_arguments(c, parameters, kind),
        result: None,
        language: "sql".to_owned(),
        volatility: Volatility::Volatile,
        strict: false,
        security_definer: false,
        returns_set: false,
        returns_trigger: false,
        definition: None,
        owner: String::new(),
        comment: None,
        privileges: None,
    };
    while !c.is_done() {
        routine_option(c, &mut routine)?;
    }
    routine.definition = Some(c.text(0..c.pos()).to_owned());
    Ok(routine)
}

/// The identity arguments of the parameters in `range` (see the module documentation).
pub(super) fn identity_arguments(c: &Cursor<'_>, range: Range<usize>, kind: RoutineKind) -> String {
    let mut arguments = Vec::new();
    for parameter in split_commas(c, range) {
        let tokens = c.tokens(parameter.clone());
        if kind == RoutineKind::Function && tokens.first().is_some_and(|t| is_keyword(t, "out")) {
            continue;
        }
        let default = tokens.iter().position(|t| is_keyword(t, "default") || is_op(t, "="));
        let end = default.map_or(parameter.end, |n| parameter.start + n);
        let text = compact(c, parameter.start..end);
        if !text.is_empty() {
            arguments.push(text);
        }
    }
    arguments.join(", ")
}

/// The ranges between commas at parenthesis depth 0 in `range`.
fn split_commas(c: &Cursor<'_>, range: Range<usize>) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let (mut start, mut depth) = (range.start, 0usize);
    for (i, token) in c.tokens(range.clone()).iter().enumerate() {
        let at = range.start + i;
        if token.kind != TokenKind::Op {
            continue;
        }
        match token.value.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                parts.push(start..at);
                start = at + 1;
            }
            _ => {}
        }
    }
    if start < range.end {
        parts.push(start..range.end);
    }
    parts
}

fn routine_option(c: &mut Cursor<'_>, routine: &mut Routine) -> PResult<()> {
    if c.eat_all(&["returns", "null", "on", "null", "input"]) || c.eat("strict") {
        routine.strict = true;
    } else if c.eat_all(&["called", "on", "null", "input"]) {
        routine.strict = false;
    } else if c.eat("returns") {
        result(c, routine)?;
    } else if c.eat("language") {
        let language = match c.peek().map(|t| t.kind) {
            Some(TokenKind::String(_)) => c.string("a language")?,
            _ => c.ident("a language")?.value,
        };
        routine.language = language.to_lowercase();
    } else if c.eat("immutable") {
        routine.volatility = Volatility::Immutable;
    } else if c.eat("stable") {
        routine.volatility = Volatility::Stable;
    } else if c.eat("volatile") {
        routine.volatility = Volatility::Volatile;
    } else if c.eat_all(&["not", "leakproof"]) || c.eat("leakproof") || c.eat("window") {
    } else if c.at("security") || c.at_all(&["external", "security"]) {
        c.eat("external");
        c.expect("security")?;
        routine.security_definer = c.eat("definer");
        if !routine.security_definer {
            c.expect("invoker")?;
        }
    } else if c.eat("parallel") {
        c.ident("SAFE, RESTRICTED or UNSAFE")?;
    } else if c.eat("cost") || c.eat("rows") {
        c.expr("a number", |c| c.at_any(OPTION_WORDS))?;
    } else if c.eat("set") {
        set_option(c)?;
    } else if c.eat("as") {
        body(c)?;
    } else if c.eat_all(&["begin", "atomic"]) || c.eat("return") {
        c.rest();
    } else {
        return Err(c.unexpected("a routine option"));
    }
    Ok(())
}

/// `SET name { TO | = } value [, ...]` or `SET name FROM CURRENT` after `SET`.
fn set_option(c: &mut Cursor<'_>) -> PResult<()> {
    c.dotted("a setting")?;
    if c.eat_all(&["from", "current"]) {
        return Ok(());
    }
    if !(c.eat("to") || c.eat_op("=")) {
        return Err(c.unexpected("TO or \"=\""));
    }
    let start = c.pos();
    while !c.is_done() && !c.at_any(OPTION_WORDS) {
        c.advance();
    }
    if c.pos() == start {
        return Err(c.unexpected("a value"));
    }
    Ok(())
}

/// `RETURNS [SETOF] type` or `RETURNS TABLE (...)`.
fn result(c: &mut Cursor<'_>, routine: &mut Routine) -> PResult<()> {
    let start = c.pos();
    if c.eat("table") {
        c.group()?;
        routine.returns_set = true;
    } else {
        routine.returns_set = c.eat("setof");
        type_name(c)?;
    }
    let result = compact(c, start..c.pos());
    routine.returns_trigger = result.eq_ignore_ascii_case("trigger");
    routine.result = Some(result);
    Ok(())
}

/// `AS $$body$$` or `AS 'body' [, 'link symbol']`.
fn body(c: &mut Cursor<'_>) -> PResult<()> {
    match c.peek().map(|t| t.kind) {
        Some(TokenKind::DollarBody) => {
            c.advance();
        }
        Some(TokenKind::String(_)) => {
            c.string("a body")?;
            if c.eat_op(",") {
                c.string("a link symbol")?;
            }
        }
        _ => return Err(c.unexpected("a body ($$...$$ or a string)")),
    }
    Ok(())
}

/// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER ...` after `TRIGGER`.
pub(super) fn create_trigger(c: &mut Cursor<'_>, constraint: bool) -> PResult<Trigger> {
    let name = c.ident("a trigger name")?.value;
    let timing = if c.eat("before") {
        TriggerTiming::Before
    } else if c.eat("after") {
        TriggerTiming::After
    } else {
        c.expect_all(&["instead", "of"])?;
        TriggerTiming::InsteadOf
    };
    let (events, update_columns) = trigger_events(c)?;
    c.expect("on")?;
    let table = c.qualified("a table name")?;
    let mut trigger = new_trigger(table, name, timing, constraint);
    (trigger.events, trigger.update_columns) = (events, update_columns);
    while !c.at("execute") {
        trigger_clause(c, &mut trigger)?;
    }
    c.expect("execute")?;
    if !c.eat("function") {
        c.expect("procedure")?;
    }
    trigger.function = c.qualified("a function name")?;
    trigger.arguments = trigger_arguments(c)?;
    c.expect_end()?;
    trigger.definition = c.text(0..c.pos()).to_owned();
    Ok(trigger)
}

/// A trigger with no events, statement-level, enabled, calling no function yet.
fn new_trigger(
    table: QualifiedName,
    name: String,
    timing: TriggerTiming,
    constraint: bool,
) -> Trigger {
    Trigger {
        schema: table.schema,
        table: table.name,
        name,
        timing,
        events: Vec::new(),
        update_columns: Vec::new(),
        level: TriggerLevel::Statement,
        function: QualifiedName::new("", ""),
        arguments: Vec::new(),
        condition: None,
        old_table: None,
        new_table: None,
        enabled: Enablement::Origin,
        constraint,
        inherited: false,
        definition: String::new(),
        comment: None,
    }
}

/// `(arg, ...)` of the trigger function: strings by value, anything else as written.
fn trigger_arguments(c: &mut Cursor<'_>) -> PResult<Vec<String>> {
    let arguments = c.group()?;
    let arguments =
        split_commas(c, arguments).into_iter().map(|range| match c.tokens(range.clone()) {
            [token] if matches!(token.kind, TokenKind::String(_)) => token.value.clone(),
            _ => compact(c, range),
        });
    Ok(arguments.collect())
}

/// `event [OR event ...]`, in the model's order (insert, update, delete, truncate), and the
/// columns of `UPDATE OF`.
fn trigger_events(c: &mut Cursor<'_>) -> PResult<(Vec<TriggerEvent>, Vec<String>)> {
    let mut events = Vec::new();
    let mut columns = Vec::new();
    loop {
        let event = if c.eat("insert") {
            TriggerEvent::Insert
        } else if c.eat("update") {
            if c.eat("of") {
                columns.push(c.ident("a column name")?.value);
                while c.eat_op(",") {
                    columns.push(c.ident("a column name")?.value);
                }
            }
            TriggerEvent::Update
        } else if c.eat("delete") {
            TriggerEvent::Delete
        } else if c.eat("truncate") {
            TriggerEvent::Truncate
        } else {
            return Err(c.unexpected("INSERT, UPDATE, DELETE or TRUNCATE"));
        };
        events.push(event);
        if !c.eat("or") {
            break;
        }
    }
    let rank = |e: &TriggerEvent| match e {
        TriggerEvent::Insert => 0,
        TriggerEvent::Update => 1,
        TriggerEvent::Delete => 2,
        TriggerEvent::Truncate => 3,
    };
    events.sort_by_key(rank);
    events.dedup();
    Ok((events, columns))
}

/// One clause between the table and `EXECUTE`.
fn trigger_clause(c: &mut Cursor<'_>, trigger: &mut Trigger) -> PResult<()> {
    if c.eat("from") {
        c.qualified("a table name")?;
    } else if c.eat_all(&["not", "deferrable"])
        || c.eat("deferrable")
        || c.eat_all(&["initially", "deferred"])
        || c.eat_all(&["initially", "immediate"])
    {
    } else if c.eat("referencing") {
        while c.at_any(&["old", "new"]) {
            let old = c.eat("old");
            c.eat("new");
            if !(c.eat("table") || c.eat("row")) {
                return Err(c.unexpected("TABLE or ROW"));
            }
            c.eat("as");
            let name = Some(c.ident("a transition table name")?.value);
            if old { trigger.old_table = name } else { trigger.new_table = name }
        }
    } else if c.eat("for") {
        c.eat("each");
        trigger.level = if c.eat("row") {
            TriggerLevel::Row
        } else {
            c.expect("statement")?;
            TriggerLevel::Statement
        };
    } else if c.eat("when") {
        let inner = c.group()?;
        trigger.condition = Some(c.text(inner).to_owned());
    } else {
        return Err(c.unexpected("EXECUTE FUNCTION"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn routine(src: &str, kind: RoutineKind) -> PResult<Routine> {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        c.expect("create").unwrap();
        c.advance();
        create_routine(&mut c, kind)
    }

    fn trigger(src: &str) -> PResult<Trigger> {
        let tokens = lex(src).tokens;
        let mut c = Cursor::new(src, &tokens);
        c.expect_all(&["create", "trigger"]).unwrap();
        create_trigger(&mut c, false)
    }

    #[test]
    fn reads_functions_with_every_option() {
        let src = "CREATE FUNCTION public.add_one(x INT8, y INT8 DEFAULT 1, OUT z INT8)\n    RETURNS SETOF INT8\n    \
                   IMMUTABLE NOT LEAKPROOF STRICT LANGUAGE SQL SECURITY DEFINER PARALLEL SAFE COST 10 \
                   SET search_path = public, pg_catalog AS $$ SELECT x + 1; $$";
        let r = routine(src, RoutineKind::Function).unwrap();
        assert_eq!((r.schema.as_str(), r.name.as_str()), ("public", "add_one"));
        assert_eq!(r.arguments, "x INT8, y INT8");
        assert_eq!(r.result.as_deref(), Some("SETOF INT8"));
        assert!(r.returns_set && r.strict && r.security_definer && !r.returns_trigger);
        assert_eq!((r.language.as_str(), r.volatility), ("sql", Volatility::Immutable));
        assert_eq!(r.definition.as_deref(), Some(src));
    }

    #[test]
    fn procedures_keep_out_parameters_and_have_no_result() {
        let src = "CREATE PROCEDURE public.double_triple(\n    INOUT double INT8,\n    OUT triple INT8\n)\n    \
                   LANGUAGE plpgsql\n    SECURITY INVOKER\n    AS $$\n    BEGIN\n    double := double * 2;\n    END;\n$$";
        let r = routine(src, RoutineKind::Procedure).unwrap();
        assert_eq!(r.arguments, "INOUT double INT8, OUT triple INT8");
        assert_eq!((r.result, r.language.as_str()), (None, "plpgsql"));
        assert!(!r.security_definer && !r.strict);
    }

    #[test]
    fn reads_trigger_functions_and_other_bodies() {
        let r = routine(
            "CREATE FUNCTION f() RETURNS TRIGGER LANGUAGE plpgsql AS $$ BEGIN END $$",
            RoutineKind::Function,
        )
        .unwrap();
        assert!(r.returns_trigger);
        assert_eq!(r.arguments, "");
        let r = routine(
            "CREATE FUNCTION f() RETURNS TABLE (a INT8) AS 'SELECT 1' LANGUAGE SQL",
            RoutineKind::Function,
        )
        .unwrap();
        assert_eq!(r.result.as_deref(), Some("TABLE (a INT8)"));
        assert!(r.returns_set);
        assert!(
            routine(
                "CREATE FUNCTION f() RETURNS INT8 BEGIN ATOMIC SELECT 1; END",
                RoutineKind::Function
            )
            .is_ok()
        );
        assert!(routine("CREATE FUNCTION f() AS 1", RoutineKind::Function).is_err());
        assert!(routine("CREATE FUNCTION f() BOGUS", RoutineKind::Function).is_err());
    }

    #[test]
    fn reads_triggers() {
        let src = "CREATE TRIGGER t1_trigger AFTER INSERT ON public.t1 FOR EACH ROW EXECUTE FUNCTION public.trigger_func()";
        let t = trigger(src).unwrap();
        assert_eq!(
            (t.schema.as_str(), t.table.as_str(), t.name.as_str()),
            ("public", "t1", "t1_trigger")
        );
        assert_eq!(
            (t.timing, t.level, t.events.as_slice()),
            (TriggerTiming::After, TriggerLevel::Row, &[TriggerEvent::Insert][..])
        );
        assert_eq!(t.function, QualifiedName::new("public", "trigger_func"));
        assert_eq!(t.definition, src);
        let t = trigger(
            "CREATE TRIGGER t BEFORE DELETE OR UPDATE OF a, b OR INSERT ON s.t REFERENCING OLD TABLE AS o \
             FOR EACH STATEMENT WHEN (1 = 1) EXECUTE PROCEDURE f('x', 2, y)",
        )
        .unwrap();
        assert_eq!(t.events, [TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete]);
        assert_eq!(t.update_columns, ["a", "b"]);
        assert_eq!((t.old_table.as_deref(), t.condition.as_deref()), (Some("o"), Some("1 = 1")));
        assert_eq!(t.arguments, ["x", "2", "y"]);
        assert!(trigger("CREATE TRIGGER t AFTER SELECT ON t EXECUTE FUNCTION f()").is_err());
        assert!(trigger("CREATE TRIGGER t AFTER INSERT ON t").is_err());
    }
}
