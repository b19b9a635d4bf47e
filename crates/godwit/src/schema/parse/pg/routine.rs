//! `CREATE FUNCTION`, `CREATE PROCEDURE` and `CREATE AGGREGATE`.
//!
//! `arguments` is built the way `pg_get_function_identity_arguments` prints it (modes, names,
//! types without modifiers, OUT arguments included), `result` the way
//! `pg_get_function_result` does. The `definition` is the statement as written; the server's
//! `pg_get_functiondef` layout differs and is not reproduced.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, FunctionParameterMode as Mode, Node};

use super::names::{PG_CATALOG, kind, list, quote_ident, string, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{QualifiedName, Routine, RoutineKind, Volatility};
use crate::schema::parse::ObjectKey;

/// A routine's arguments: the identity list, the input types, and the `TABLE` columns.
#[derive(Debug, Default)]
struct Arguments {
    identity: String,
    inputs: Vec<String>,
    outputs: Vec<String>,
    table: Vec<String>,
}

impl Builder {
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    pub fn create_function(&mut self, stmt: &Stmt<'_>, s: &pb::CreateFunctionStmt) -> Applied {
        let name = self.new_name_from(&strings(&s.funcname));
        let procedure = s.is_procedure;
        let args = self.arguments(&s.parameters, procedure);
        let mut routine = Routine {
            schema: name.schema,
            name: name.name,
            kind: if procedure { RoutineKind::Procedure } else { RoutineKind::Function },
            arguments: args.identity.clone(),
            result: None,
            language: if s.sql_body.is_some() { "sql".into() } else { String::new() },
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: false,
            returns_set: !args.table.is_empty(),
            returns_trigger: false,
            definition: Some(stmt.body().to_owned()),
            owner: String::new(),
            comment: None,
            privileges: None,
        };
        apply_options(&mut routine, &s.options);
        if routine.language.is_empty() {
            routine.language = "sql".into();
        }
        if !procedure {
            self.set_result(&mut routine, s.return_type.as_ref(), &args);
        }
        self.define_routine(stmt, routine, args.inputs, s.replace)
    }

    /// `CREATE AGGREGATE name (args) (SFUNC = ..., STYPE = ...)`.
    pub fn create_aggregate(&mut self, stmt: &Stmt<'_>, s: &pb::DefineStmt) -> Applied {
        let name = self.new_name_from(&strings(&s.defnames));
        let (params, order_by) = match s.args.as_slice() {
            [params, position] => {
                (list(params), string(position).and_then(|p| p.parse::<i64>().ok()))
            }
            _ => (&[][..], None),
        };
        let mut args = self.arguments(params, false);
        if let Some(at) = order_by.and_then(|p| usize::try_from(p).ok()) {
            args.identity = order_by_arguments(self, params, at);
        }
        if params.is_empty() && !s.oldstyle {
            args.identity = "*".into();
        }
        let definition: Vec<(String, Option<&Node>)> = s
            .definition
            .iter()
            .filter_map(|n| match kind(n)? {
                NodeEnum::DefElem(d) => Some((d.defname.to_ascii_lowercase(), d.arg.as_deref())),
                _ => None,
            })
            .collect();
        let item = |key: &str| definition.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v);
        let result = match item("finalfunc") {
            Some(f) => self.routine_result(&self.function_named(&names_of(f))),
            None => None,
        };
        let result = result.or_else(|| item("stype").map(|t| self.argument_type(t)));
        let routine = Routine {
            schema: name.schema,
            name: name.name,
            kind: RoutineKind::Aggregate,
            arguments: args.identity,
            result,
            language: "internal".into(),
            volatility: Volatility::Immutable,
            strict: false,
            security_definer: false,
            returns_set: false,
            returns_trigger: false,
            definition: None,
            owner: String::new(),
            comment: None,
            privileges: None,
        };
        self.define_routine(stmt, routine, args.inputs, s.replace)
    }

    /// Add a routine, replacing one with the same input types when `replace`.
    fn define_routine(
        &mut self,
        stmt: &Stmt<'_>,
        routine: Routine,
        inputs: Vec<String>,
        replace: bool,
    ) -> Applied {
        let name = QualifiedName::new(routine.schema.as_str(), routine.name.as_str());
        if let Some(i) = self.routine_index(&name, Some(&inputs)) {
            if !replace {
                return Err(Problem::new(format!("{name}({}) already exists", inputs.join(", "))));
            }
            self.schema.routines.remove(i);
            self.signatures.remove(i);
        }
        let key = ObjectKey::Routine(name.clone(), routine.arguments.clone());
        self.add_routine(routine, inputs);
        self.ensure_schema(&name.schema);
        self.locate(key, stmt.location());
        Ok(())
    }

    /// The result type of a routine of this file (for an aggregate's final function).
    fn routine_result(&self, name: &QualifiedName) -> Option<String> {
        self.schema
            .routines
            .iter()
            .find(|r| r.schema == name.schema && r.name == name.name)?
            .result
            .clone()
    }

    /// `pg_get_function_result` for a function.
    fn set_result(&self, routine: &mut Routine, returns: Option<&pb::TypeName>, args: &Arguments) {
        if !args.table.is_empty() {
            routine.result = Some(format!("TABLE({})", args.table.join(", ")));
            return;
        }
        let Some(returns) = returns else {
            routine.result = match args.outputs.as_slice() {
                [single] => Some(single.clone()),
                [] => None,
                _ => Some("record".into()),
            };
            return;
        };
        let text = self.type_text(returns);
        routine.returns_set = returns.setof;
        let resolved = self.type_name(&strings(&returns.names));
        routine.returns_trigger = resolved == QualifiedName::new(PG_CATALOG, "trigger");
        routine.result = Some(if returns.setof { format!("SETOF {text}") } else { text });
    }

    /// The identity argument list, input types and TABLE columns of a parameter list.
    fn arguments(&self, params: &[Node], procedure: bool) -> Arguments {
        let mut args = Arguments::default();
        let mut shown = Vec::new();
        for p in params.iter().filter_map(parameter) {
            let ty = p.arg_type.as_ref().map(|t| self.type_text(t)).unwrap_or_default();
            let named = if p.name.is_empty() {
                ty.clone()
            } else {
                format!("{} {ty}", quote_ident(&p.name))
            };
            let mode = Mode::try_from(p.mode).unwrap_or(Mode::FuncParamIn);
            let prefix = match mode {
                Mode::FuncParamTable => {
                    args.table.push(named);
                    continue;
                }
                Mode::FuncParamOut => "OUT ",
                Mode::FuncParamInout => "INOUT ",
                Mode::FuncParamVariadic => "VARIADIC ",
                _ if procedure => "IN ",
                _ => "",
            };
            match mode {
                Mode::FuncParamOut => args.outputs.push(ty),
                Mode::FuncParamInout => {
                    args.outputs.push(ty.clone());
                    args.inputs.push(ty);
                }
                _ => args.inputs.push(ty),
            }
            shown.push(format!("{prefix}{named}"));
        }
        args.identity = shown.join(", ");
        args
    }

    /// The type named by a definition argument (`STYPE = text`).
    fn argument_type(&self, node: &Node) -> String {
        match kind(node) {
            Some(NodeEnum::TypeName(t)) => self.type_text(t),
            _ => super::typename::render_plain(&self.type_name(&names_of(node))),
        }
    }

    /// The routine an `ObjectWithArgs` names (`ALTER FUNCTION f(integer)`, `COMMENT ON`).
    pub fn routine_named(&self, o: &pb::ObjectWithArgs) -> Option<usize> {
        let name = self.function_named(&strings(&o.objname));
        if o.args_unspecified {
            return self.routine_index(&name, None);
        }
        let inputs: Vec<String> = o
            .objargs
            .iter()
            .filter_map(|n| match kind(n)? {
                NodeEnum::TypeName(t) => Some(self.type_text(t)),
                _ => None,
            })
            .collect();
        self.routine_index(&name, Some(&inputs))
    }

    /// The routine an `ALTER|COMMENT ON FUNCTION|PROCEDURE|AGGREGATE` object node names.
    pub fn routine_of(&self, object: Option<&Node>) -> Option<usize> {
        match object.and_then(kind)? {
            NodeEnum::ObjectWithArgs(o) => self.routine_named(o),
            _ => None,
        }
    }
}

/// `text ORDER BY integer` for an ordered-set aggregate whose direct arguments end at `at`.
fn order_by_arguments(b: &Builder, params: &[Node], at: usize) -> String {
    let mut out = String::new();
    for (i, p) in params.iter().filter_map(parameter).enumerate() {
        let ty = p.arg_type.as_ref().map(|t| b.type_text(t)).unwrap_or_default();
        let named = if p.name.is_empty() { ty } else { format!("{} {ty}", quote_ident(&p.name)) };
        if i == at {
            out.push_str(if i > 0 { " ORDER BY " } else { "ORDER BY " });
        } else if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&named);
    }
    out
}

/// The `FunctionParameter` of a node, if it is one.
fn parameter(node: &Node) -> Option<&pb::FunctionParameter> {
    match kind(node)? {
        NodeEnum::FunctionParameter(p) => Some(p),
        _ => None,
    }
}

/// A dotted name in a definition argument.
fn names_of(node: &Node) -> Vec<String> {
    match kind(node) {
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        Some(NodeEnum::List(_)) => strings(list(node)),
        _ => string(node).into_iter().collect(),
    }
}

/// LANGUAGE, volatility, STRICT, SECURITY DEFINER and WINDOW.
fn apply_options(routine: &mut Routine, options: &[Node]) {
    for d in options.iter().filter_map(|n| match kind(n)? {
        NodeEnum::DefElem(d) => Some(d),
        _ => None,
    }) {
        let value = d.arg.as_deref().and_then(string).unwrap_or_default();
        match d.defname.as_str() {
            "language" => routine.language = value.to_lowercase(),
            "volatility" => {
                routine.volatility = match value.as_str() {
                    "immutable" => Volatility::Immutable,
                    "stable" => Volatility::Stable,
                    _ => Volatility::Volatile,
                };
            }
            "strict" => routine.strict = value == "true",
            "security" => routine.security_definer = value == "true",
            "window" if value == "true" => routine.kind = RoutineKind::Window,
            _ => {}
        }
    }
}
