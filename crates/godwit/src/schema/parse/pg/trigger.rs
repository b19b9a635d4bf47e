//! `CREATE TRIGGER`, `CREATE RULE` and `CREATE POLICY`.
//!
//! A trigger's `definition` is rebuilt in `pg_get_triggerdef`'s layout (table and function
//! schema-qualified, `EXECUTE FUNCTION`), so that an old dump's `EXECUTE PROCEDURE f()` reads
//! the same as the server prints it today. Rules keep the statement as written: `pg_dump`
//! writes `pg_get_ruledef`'s output verbatim.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, CmdType, Token};

use super::names::{kind, quote_ident, quote_qualified, quote_relation, strings};
use super::state::{Applied, Builder, Problem, Stmt};
use crate::schema::model::{
    Enablement, Grantee, Policy, PolicyCommand, QualifiedName, Rule, RuleEvent, TableKind, Trigger,
    TriggerEvent, TriggerLevel, TriggerTiming,
};
use crate::schema::parse::ObjectKey;

const TRIGGER_TYPE_BEFORE: i32 = 1 << 1;
const TRIGGER_TYPE_INSERT: i32 = 1 << 2;
const TRIGGER_TYPE_DELETE: i32 = 1 << 3;
const TRIGGER_TYPE_UPDATE: i32 = 1 << 4;
const TRIGGER_TYPE_TRUNCATE: i32 = 1 << 5;
const TRIGGER_TYPE_INSTEAD: i32 = 1 << 6;

impl Builder {
    /// `CREATE [CONSTRAINT] TRIGGER`.
    pub fn create_trigger(&mut self, stmt: &Stmt<'_>, s: &pb::CreateTrigStmt) -> Applied {
        let range =
            s.relation.as_ref().ok_or_else(|| Problem::new("CREATE TRIGGER without a table"))?;
        let table = self.relation(range);
        if self.table(&table).is_none()
            && !self.schema.views.iter().any(|v| v.qualified_name() == table)
        {
            return Err(Problem::new(format!("relation \"{table}\" is not defined in this file")));
        }
        let t = &stmt.tokens;
        let condition = s.when_clause.as_ref().and_then(|_| {
            let when = t.find(0, t.len(), Token::When)?;
            t.inside(when + 1).map(|c| self.qualify(c.trim()))
        });
        let (old_table, new_table) = transition_tables(s);
        let mut trigger = Trigger {
            schema: table.schema,
            table: table.name,
            name: s.trigname.clone(),
            timing: timing(s.timing),
            events: events(s.events),
            update_columns: strings(&s.columns),
            level: if s.row { TriggerLevel::Row } else { TriggerLevel::Statement },
            function: self.function_named(&strings(&s.funcname)),
            arguments: strings(&s.args),
            condition,
            old_table,
            new_table,
            enabled: Enablement::Origin,
            constraint: s.isconstraint,
            inherited: false,
            definition: String::new(),
            comment: None,
        };
        let from = s.constrrel.as_ref().map(|r| self.relation(r));
        trigger.definition = trigger_definition(&trigger, s, from.as_ref());
        self.add_trigger(trigger, stmt, s.replace)
    }

    fn add_trigger(&mut self, trigger: Trigger, stmt: &Stmt<'_>, replace: bool) -> Applied {
        let table = QualifiedName::new(trigger.schema.as_str(), trigger.table.as_str());
        let same = |t: &Trigger| {
            t.schema == table.schema && t.table == table.name && t.name == trigger.name
        };
        if self.schema.triggers.iter().any(same) {
            if !replace {
                return Err(Problem::new(format!(
                    "trigger \"{}\" for relation \"{table}\" already exists",
                    trigger.name
                )));
            }
            self.schema.triggers.retain(|t| !same(t));
        }
        let partitioned = self.table(&table).is_some_and(|t| t.kind == TableKind::Partitioned);
        let row = trigger.level == TriggerLevel::Row;
        self.locate(ObjectKey::Trigger(table.clone(), trigger.name.clone()), stmt.location());
        self.schema.triggers.push(trigger);
        if partitioned && row {
            for child in self.partitions(&table) {
                self.clone_into_partition_triggers(&table, &child, stmt.location());
            }
        }
        Ok(())
    }

    /// `CREATE [OR REPLACE] RULE`.
    pub fn create_rule(&mut self, stmt: &Stmt<'_>, s: &pb::RuleStmt) -> Applied {
        let range =
            s.relation.as_ref().ok_or_else(|| Problem::new("CREATE RULE without a table"))?;
        let table = self.relation(range);
        if !self.relation_exists(&table.schema, &table.name) {
            return Err(Problem::new(format!("relation \"{table}\" is not defined in this file")));
        }
        let event = match CmdType::try_from(s.event) {
            Ok(CmdType::CmdSelect) => RuleEvent::Select,
            Ok(CmdType::CmdUpdate) => RuleEvent::Update,
            Ok(CmdType::CmdInsert) => RuleEvent::Insert,
            _ => RuleEvent::Delete,
        };
        let same =
            |r: &Rule| r.schema == table.schema && r.table == table.name && r.name == s.rulename;
        if s.replace {
            self.schema.rules.retain(|r| !same(r));
        } else if self.schema.rules.iter().any(same) {
            return Err(Problem::new(format!(
                "rule \"{}\" for relation \"{table}\" already exists",
                s.rulename
            )));
        }
        self.schema.rules.push(Rule {
            schema: table.schema,
            table: table.name,
            name: s.rulename.clone(),
            event,
            instead: s.instead,
            enabled: Enablement::Origin,
            definition: stmt.text.trim_end().to_owned(),
            comment: None,
        });
        Ok(())
    }

    /// `CREATE POLICY name ON table [AS ...] [FOR ...] [TO ...] [USING (...)] [WITH CHECK (...)]`.
    pub fn create_policy(&mut self, stmt: &Stmt<'_>, s: &pb::CreatePolicyStmt) -> Applied {
        let range =
            s.table.as_ref().ok_or_else(|| Problem::new("CREATE POLICY without a table"))?;
        let table = self.relation(range);
        if self.table(&table).is_none() {
            return Err(Problem::new(format!("table \"{table}\" is not defined in this file")));
        }
        let command = match s.cmd_name.as_str() {
            "select" => PolicyCommand::Select,
            "insert" => PolicyCommand::Insert,
            "update" => PolicyCommand::Update,
            "delete" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let mut roles: Vec<Grantee> = s
            .roles
            .iter()
            .filter_map(|n| match kind(n)? {
                NodeEnum::RoleSpec(r) => Some(super::misc::grantee(r)),
                _ => None,
            })
            .collect();
        roles.sort();
        roles.dedup();
        let t = &stmt.tokens;
        let using = s.qual.as_ref().and_then(|_| {
            let at = t.find(0, t.len(), Token::Using)?;
            t.inside(at + 1).map(|e| self.qualify(e.trim()))
        });
        let with_check = s.with_check.as_ref().and_then(|_| {
            let with =
                t.find_where(0, t.len(), |i| t.is(i, Token::With) && t.is(i + 1, Token::Check))?;
            t.inside(with + 2).map(|e| self.qualify(e.trim()))
        });
        self.schema.policies.push(Policy {
            schema: table.schema,
            table: table.name,
            name: s.policy_name.clone(),
            command,
            permissive: s.permissive,
            roles,
            using,
            with_check,
            comment: None,
        });
        Ok(())
    }
}

/// `BEFORE`, `AFTER` or `INSTEAD OF` from the timing bits.
fn timing(bits: i32) -> TriggerTiming {
    if bits & TRIGGER_TYPE_INSTEAD != 0 {
        TriggerTiming::InsteadOf
    } else if bits & TRIGGER_TYPE_BEFORE != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    }
}

/// The events of the event bits, in the order insert, update, delete, truncate.
fn events(bits: i32) -> Vec<TriggerEvent> {
    [
        (TRIGGER_TYPE_INSERT, TriggerEvent::Insert),
        (TRIGGER_TYPE_UPDATE, TriggerEvent::Update),
        (TRIGGER_TYPE_DELETE, TriggerEvent::Delete),
        (TRIGGER_TYPE_TRUNCATE, TriggerEvent::Truncate),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, e)| e)
    .collect()
}

/// The names of `REFERENCING OLD TABLE AS ... NEW TABLE AS ...`.
fn transition_tables(s: &pb::CreateTrigStmt) -> (Option<String>, Option<String>) {
    let (mut old_table, mut new_table) = (None, None);
    for transition in s.transition_rels.iter().filter_map(|n| match kind(n) {
        Some(NodeEnum::TriggerTransition(tt)) => Some(tt),
        _ => None,
    }) {
        let slot = if transition.is_new { &mut new_table } else { &mut old_table };
        *slot = Some(transition.name.clone());
    }
    (old_table, new_table)
}

/// The statement `pg_get_triggerdef` prints for `trigger`.
fn trigger_definition(
    trigger: &Trigger,
    s: &pb::CreateTrigStmt,
    from: Option<&QualifiedName>,
) -> String {
    let timing = match trigger.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let table = QualifiedName::new(trigger.schema.as_str(), trigger.table.as_str());
    let mut out = format!(
        "CREATE {}TRIGGER {} {timing} {} ON {} ",
        if trigger.constraint { "CONSTRAINT " } else { "" },
        quote_ident(&trigger.name),
        shown_events(trigger),
        quote_relation(&table)
    );
    if trigger.constraint {
        if let Some(from) = from {
            out.push_str(&format!("FROM {} ", quote_relation(from)));
        }
        out.push_str(if s.deferrable {
            "DEFERRABLE INITIALLY "
        } else {
            "NOT DEFERRABLE INITIALLY "
        });
        out.push_str(if s.initdeferred { "DEFERRED " } else { "IMMEDIATE " });
    }
    out.push_str(&referencing(trigger));
    let level = if trigger.level == TriggerLevel::Row { "ROW" } else { "STATEMENT" };
    out.push_str(&format!("FOR EACH {level} "));
    if let Some(condition) = &trigger.condition {
        out.push_str(&format!("WHEN ({condition}) "));
    }
    let args: Vec<String> =
        trigger.arguments.iter().map(|a| format!("'{}'", a.replace('\'', "''"))).collect();
    let function = quote_qualified(&trigger.function);
    out.push_str(&format!("EXECUTE FUNCTION {function}({})", args.join(", ")));
    out
}

/// `INSERT OR DELETE OR UPDATE OF a, b`, in `pg_get_triggerdef`'s order.
fn shown_events(trigger: &Trigger) -> String {
    let mut events = Vec::new();
    for (event, word) in [
        (TriggerEvent::Insert, "INSERT"),
        (TriggerEvent::Delete, "DELETE"),
        (TriggerEvent::Update, "UPDATE"),
        (TriggerEvent::Truncate, "TRUNCATE"),
    ] {
        if !trigger.events.contains(&event) {
            continue;
        }
        let mut shown = word.to_owned();
        if event == TriggerEvent::Update && !trigger.update_columns.is_empty() {
            let columns = super::constraint::quoted_list(&trigger.update_columns);
            shown.push_str(&format!(" OF {columns}"));
        }
        events.push(shown);
    }
    events.join(" OR ")
}

/// `REFERENCING OLD TABLE AS a NEW TABLE AS b `, or nothing.
fn referencing(trigger: &Trigger) -> String {
    if trigger.old_table.is_none() && trigger.new_table.is_none() {
        return String::new();
    }
    let mut out = "REFERENCING ".to_owned();
    if let Some(old) = &trigger.old_table {
        out.push_str(&format!("OLD TABLE AS {} ", quote_ident(old)));
    }
    if let Some(new) = &trigger.new_table {
        out.push_str(&format!("NEW TABLE AS {} ", quote_ident(new)));
    }
    out
}
