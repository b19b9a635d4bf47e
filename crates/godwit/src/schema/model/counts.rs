//! Object counts per kind, the headline of an inventory.
//!
//! Table counts overlap on purpose: `tables` counts every table, and the kind-specific counts
//! (`partitioned_tables`, `partitions`, `inheritance_children`, `foreign_tables`) say how many
//! of them are special. A sub-partitioned partition counts as both partitioned and partition.

use super::{ConstraintKind, RoutineKind, Schema, Table, TableKind};

/// How many objects of each kind a [`Schema`] holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Schemas.
    pub schemas: usize,
    /// All tables, whatever their kind.
    pub tables: usize,
    /// Partitioned tables (including sub-partitioned partitions).
    pub partitioned_tables: usize,
    /// Partitions of partitioned tables.
    pub partitions: usize,
    /// Tables with `INHERITS` parents (outside partitioning).
    pub inheritance_children: usize,
    /// Foreign tables.
    pub foreign_tables: usize,
    /// Plain views.
    pub views: usize,
    /// Materialized views.
    pub materialized_views: usize,
    /// Sequences (including identity sequences).
    pub sequences: usize,
    /// Enum types.
    pub enums: usize,
    /// Domains.
    pub domains: usize,
    /// Composite types.
    pub composite_types: usize,
    /// Range types.
    pub range_types: usize,
    /// Plain functions.
    pub functions: usize,
    /// Procedures.
    pub procedures: usize,
    /// Aggregate functions.
    pub aggregates: usize,
    /// Window functions.
    pub window_functions: usize,
    /// Triggers.
    pub triggers: usize,
    /// Rules.
    pub rules: usize,
    /// Row-level security policies.
    pub policies: usize,
    /// Extensions.
    pub extensions: usize,
    /// Indexes on tables and materialized views (including those backing constraints).
    pub indexes: usize,
    /// Table constraints by kind.
    pub constraints: ConstraintCounts,
}

/// Table constraints by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConstraintCounts {
    /// Primary keys.
    pub primary_keys: usize,
    /// Unique constraints.
    pub unique: usize,
    /// Foreign keys.
    pub foreign_keys: usize,
    /// Check constraints.
    pub checks: usize,
    /// Exclusion constraints.
    pub exclusions: usize,
}

impl Counts {
    /// Count the objects of `schema`.
    pub(super) fn of(schema: &Schema) -> Self {
        let mut counts = Counts {
            schemas: schema.schemas.len(),
            sequences: schema.sequences.len(),
            enums: schema.types.enums.len(),
            domains: schema.types.domains.len(),
            composite_types: schema.types.composites.len(),
            range_types: schema.types.ranges.len(),
            triggers: schema.triggers.len(),
            rules: schema.rules.len(),
            policies: schema.policies.len(),
            extensions: schema.extensions.len(),
            ..Counts::default()
        };
        schema.tables.iter().for_each(|t| counts.add_table(t));
        for view in &schema.views {
            if view.materialized {
                counts.materialized_views += 1;
            } else {
                counts.views += 1;
            }
            counts.indexes += view.indexes.len();
        }
        for routine in &schema.routines {
            *counts.routine_slot(routine.kind) += 1;
        }
        counts
    }

    fn add_table(&mut self, table: &Table) {
        self.tables += 1;
        self.partitioned_tables += usize::from(table.kind == TableKind::Partitioned);
        self.foreign_tables += usize::from(table.kind == TableKind::Foreign);
        self.partitions += usize::from(table.is_partition());
        self.inheritance_children += usize::from(table.is_inheritance_child());
        self.indexes += table.indexes.len();
        for constraint in &table.constraints {
            *self.constraints.slot(constraint.kind) += 1;
        }
    }

    fn routine_slot(&mut self, kind: RoutineKind) -> &mut usize {
        match kind {
            RoutineKind::Function => &mut self.functions,
            RoutineKind::Procedure => &mut self.procedures,
            RoutineKind::Aggregate => &mut self.aggregates,
            RoutineKind::Window => &mut self.window_functions,
        }
    }
}

impl ConstraintCounts {
    /// The number of constraints of `kind`.
    pub fn of_kind(&self, kind: ConstraintKind) -> usize {
        match kind {
            ConstraintKind::PrimaryKey => self.primary_keys,
            ConstraintKind::Unique => self.unique,
            ConstraintKind::ForeignKey => self.foreign_keys,
            ConstraintKind::Check => self.checks,
            ConstraintKind::Exclusion => self.exclusions,
        }
    }

    /// All constraints.
    pub fn total(&self) -> usize {
        self.primary_keys + self.unique + self.foreign_keys + self.checks + self.exclusions
    }

    fn slot(&mut self, kind: ConstraintKind) -> &mut usize {
        match kind {
            ConstraintKind::PrimaryKey => &mut self.primary_keys,
            ConstraintKind::Unique => &mut self.unique,
            ConstraintKind::ForeignKey => &mut self.foreign_keys,
            ConstraintKind::Check => &mut self.checks,
            ConstraintKind::Exclusion => &mut self.exclusions,
        }
    }
}
