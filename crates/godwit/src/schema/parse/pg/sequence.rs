//! `CREATE SEQUENCE`, `ALTER SEQUENCE ... OWNED BY`, and the implicit sequences of identity
//! columns.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, Node};

use super::names::{kind, list, string, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{ColumnRef, QualifiedName, Sequence};
use crate::schema::parse::{Location, ObjectKey};

/// Sequence parameters as written; unset ones take the server's defaults.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Options {
    data_type: Option<String>,
    start: Option<i64>,
    increment: Option<i64>,
    /// `MINVALUE n` is `Some(Some(n))`, `NO MINVALUE` is `Some(None)`.
    min: Option<Option<i64>>,
    max: Option<Option<i64>>,
    cache: Option<i64>,
    cycle: Option<bool>,
    owned_by: Option<Option<Vec<String>>>,
    name: Option<Vec<String>>,
}

impl Builder {
    /// `CREATE SEQUENCE`.
    pub fn create_sequence(&mut self, stmt: &Stmt<'_>, s: &pb::CreateSeqStmt) -> Applied {
        let range =
            s.sequence.as_ref().ok_or_else(|| Problem::new("CREATE SEQUENCE without a name"))?;
        let name = self.new_name(&range.schemaname, &range.relname);
        if self.relation_exists(&name.schema, &name.name) {
            if s.if_not_exists {
                return Ok(());
            }
            return Err(Problem::new(format!("relation \"{name}\" already exists")));
        }
        let options = self.sequence_options(&s.options)?;
        let mut sequence = new_sequence(&name, &options);
        if let Some(Some(column)) = &options.owned_by {
            sequence.owned_by = Some(self.column_ref(column)?);
        }
        self.register(&name.schema, &name.name);
        self.schema.sequences.push(sequence);
        self.ensure_schema(&name.schema);
        self.locate(ObjectKey::Sequence(name), stmt.location());
        Ok(())
    }

    /// `ALTER SEQUENCE`: ownership and parameters.
    pub fn alter_sequence(&mut self, s: &pb::AlterSeqStmt) -> Applied {
        let range =
            s.sequence.as_ref().ok_or_else(|| Problem::new("ALTER SEQUENCE without a name"))?;
        let name = self.relation(range);
        let options = self.sequence_options(&s.options)?;
        let owned_by = match &options.owned_by {
            Some(Some(column)) => Some(Some(self.column_ref(column)?)),
            Some(None) => Some(None),
            None => None,
        };
        let Some(sequence) = self.sequence_mut(&name) else {
            if s.missing_ok {
                return Ok(());
            }
            return Err(Problem::new(format!("sequence \"{name}\" is not defined in this file")));
        };
        if let Some(owned_by) = owned_by {
            sequence.owned_by = owned_by;
        }
        apply(sequence, &options, false);
        Ok(())
    }

    /// The implicit sequence of an identity column, created with the given options.
    pub fn identity_sequence(
        &mut self,
        table: &QualifiedName,
        column: &str,
        data_type: &str,
        nodes: &[Node],
        location: Location,
    ) -> Result<QualifiedName, Problem> {
        let mut options = self.sequence_options(nodes)?;
        options.data_type.get_or_insert_with(|| data_type.to_owned());
        let name = match &options.name {
            Some(names) => {
                let given = self.new_name_from(names);
                QualifiedName::new(
                    if names.len() > 1 { given.schema } else { table.schema.clone() },
                    given.name,
                )
            }
            None => QualifiedName::new(
                table.schema.as_str(),
                self.choose_relation_name(&table.schema, &table.name, column, "seq"),
            ),
        };
        let mut sequence = new_sequence(&name, &options);
        sequence.identity = true;
        sequence.owner = self.table(table).map(|t| t.owner.clone()).unwrap_or_default();
        sequence.owned_by = Some(ColumnRef {
            schema: table.schema.clone(),
            table: table.name.clone(),
            column: column.to_owned(),
        });
        self.register(&name.schema, &name.name);
        self.schema.sequences.push(sequence);
        self.locate(ObjectKey::Sequence(name.clone()), location);
        Ok(name)
    }

    /// The sequence of a `serial` column.
    pub fn add_serial_sequence(
        &mut self,
        name: &QualifiedName,
        data_type: &str,
        table: &QualifiedName,
        column: &str,
        owner: String,
        location: Location,
    ) {
        let options = Options { data_type: Some(data_type.to_owned()), ..Options::default() };
        let mut sequence = new_sequence(name, &options);
        sequence.owner = owner;
        sequence.owned_by = Some(ColumnRef {
            schema: table.schema.clone(),
            table: table.name.clone(),
            column: column.to_owned(),
        });
        self.register(&name.schema, &name.name);
        self.schema.sequences.push(sequence);
        self.locate(ObjectKey::Sequence(name.clone()), location);
    }

    /// The sequence `name`, if the file defined it.
    pub fn sequence_mut(&mut self, name: &QualifiedName) -> Option<&mut Sequence> {
        self.schema.sequences.iter_mut().find(|s| s.schema == name.schema && s.name == name.name)
    }

    /// `table.column` (`schema.table.column`) of `OWNED BY`.
    fn column_ref(&self, names: &[String]) -> Result<ColumnRef, Problem> {
        let Some((column, table)) = names.split_last().filter(|(_, t)| !t.is_empty()) else {
            return Err(Problem::new("OWNED BY needs table.column"));
        };
        let table = self.relation_named(table);
        Ok(ColumnRef { schema: table.schema, table: table.name, column: column.clone() })
    }

    fn sequence_options(&self, nodes: &[Node]) -> Result<Options, Problem> {
        let mut o = Options::default();
        for node in nodes {
            let Some(NodeEnum::DefElem(d)) = kind(node) else {
                continue;
            };
            let arg = d.arg.as_deref();
            let number = || -> Result<Option<i64>, Problem> {
                arg.and_then(string)
                    .map(|v| {
                        v.parse()
                            .map_err(|_| Problem::new(format!("{} {v} is out of range", d.defname)))
                    })
                    .transpose()
            };
            match d.defname.as_str() {
                "as" => o.data_type = arg.and_then(|a| type_of(self, a)),
                "start" => o.start = number()?,
                "increment" => o.increment = number()?,
                "minvalue" => o.min = Some(number()?),
                "maxvalue" => o.max = Some(number()?),
                "cache" => o.cache = number()?,
                "cycle" => o.cycle = arg.and_then(string).map(|v| v == "true"),
                "owned_by" => o.owned_by = Some(owned_by(arg)),
                "sequence_name" => o.name = arg.map(|a| strings(list(a))),
                _ => {}
            }
        }
        Ok(o)
    }
}

/// The type of `AS type`.
fn type_of(b: &Builder, node: &Node) -> Option<String> {
    match kind(node)? {
        NodeEnum::TypeName(t) => Some(b.column_type(t).data_type),
        _ => None,
    }
}

/// `OWNED BY NONE` is `None`, otherwise the dotted column name.
fn owned_by(arg: Option<&Node>) -> Option<Vec<String>> {
    let names = arg.map(|a| strings(list(a))).unwrap_or_default();
    (names.len() > 1 || names.first().is_some_and(|n| n != "none")).then_some(names)
}

/// A sequence with the server's defaults for whatever `options` leaves out.
fn new_sequence(name: &QualifiedName, options: &Options) -> Sequence {
    let mut sequence = Sequence::with_defaults(&name.schema, &name.name);
    apply(&mut sequence, options, true);
    sequence
}

/// Apply parameters to a sequence; when `creating`, unset bounds and start take the values the
/// server derives from the type and the direction.
fn apply(sequence: &mut Sequence, o: &Options, creating: bool) {
    if let Some(data_type) = &o.data_type {
        sequence.data_type = data_type.clone();
    }
    if let Some(increment) = o.increment {
        sequence.increment = increment;
    }
    let (type_min, type_max) = match sequence.data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let ascending = sequence.increment > 0;
    if creating || o.min.is_some() {
        sequence.min = o.min.flatten().unwrap_or(if ascending { 1 } else { type_min });
    }
    if creating || o.max.is_some() {
        sequence.max = o.max.flatten().unwrap_or(if ascending { type_max } else { -1 });
    }
    if creating || o.start.is_some() {
        sequence.start = o.start.unwrap_or(if ascending { sequence.min } else { sequence.max });
    }
    if let Some(cache) = o.cache {
        sequence.cache = cache;
    }
    if let Some(cycle) = o.cycle {
        sequence.cycle = cycle;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_server_defaults() {
        let name = QualifiedName::new("s", "q");
        let seq = new_sequence(&name, &Options::default());
        assert_eq!(
            (seq.data_type.as_str(), seq.start, seq.min, seq.max),
            ("bigint", 1, 1, i64::MAX)
        );
        let down = Options {
            increment: Some(-2),
            data_type: Some("integer".into()),
            ..Options::default()
        };
        let seq = new_sequence(&name, &down);
        assert_eq!((seq.start, seq.min, seq.max, seq.increment), (-1, i64::from(i32::MIN), -1, -2));
        let small =
            Options { data_type: Some("smallint".into()), start: Some(5), ..Options::default() };
        let seq = new_sequence(&name, &small);
        assert_eq!((seq.start, seq.max), (5, 32767));
    }
}
