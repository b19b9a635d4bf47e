//! Checks on tables, columns, constraints, indexes and types for a CockroachDB target.

use crate::schema::assess::{Hit, Target};
use crate::schema::model::{Column, ConstraintKind, MatchType, Schema, Table, TableKind};
use crate::schema::parse::ObjectKey;

pub(super) fn tables(s: &Schema) -> impl Iterator<Item = &Table> {
    s.tables.iter()
}

pub(super) fn table_hits(s: &Schema, pred: impl Fn(&Table) -> Option<String>) -> Vec<Hit> {
    tables(s)
        .filter_map(|t| pred(t).map(|m| Hit::new(ObjectKey::Table(t.qualified_name()), m)))
        .collect()
}

pub(super) fn own_columns(s: &Schema) -> impl Iterator<Item = (&Table, &Column)> {
    tables(s)
        .filter(|t| !t.is_partition())
        .flat_map(|t| t.columns.iter().filter(|c| !c.inherited).map(move |c| (t, c)))
}

pub(super) fn column_hits(s: &Schema, pred: impl Fn(&Column) -> Option<String>) -> Vec<Hit> {
    own_columns(s)
        .filter_map(|(t, c)| {
            pred(c).map(|m| Hit::new(ObjectKey::Column(t.qualified_name(), c.name.clone()), m))
        })
        .collect()
}

pub(super) fn columns_of(s: &Schema, types: &[&str], why: &str) -> Vec<Hit> {
    column_hits(s, |c| {
        types.contains(&c.base_type.as_str()).then(|| format!("{} ({why})", c.data_type))
    })
}

pub(super) fn no_primary_key(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let keyless =
            t.primary_key().is_none() && t.kind == TableKind::Regular && !t.is_partition();
        keyless.then(|| "no primary key".to_owned())
    })
}

pub(super) fn sequence_keys(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        let Some(pk) = t.primary_key() else { continue };
        for c in pk.columns.iter().filter_map(|c| t.column(c)) {
            let seq = c.identity.is_some()
                || c.default.as_deref().is_some_and(|d| d.contains("nextval("));
            if seq {
                let m = format!("primary key column {} is filled from a sequence", c.name);
                hits.push(Hit::new(ObjectKey::Column(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

pub(super) fn timestamp_leading(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for i in &t.indexes {
            let Some(crate::schema::model::IndexTarget::Column(first)) =
                i.keys.first().map(|k| &k.target)
            else {
                continue;
            };
            let ts = t.column(first).is_some_and(|c| c.base_type.starts_with("timestamp"));
            if ts {
                let m = format!("index {} starts with timestamp column {first}", i.name);
                hits.push(Hit::new(ObjectKey::Index(t.qualified_name(), i.name.clone()), m));
            }
        }
    }
    hits
}

pub(super) fn int4_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| (c.base_type == "integer").then(|| "integer becomes INT4".to_owned()))
}

pub(super) fn inheritance(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        let parents: Vec<String> = t.inherits.iter().map(ToString::to_string).collect();
        (!parents.is_empty()).then(|| format!("inherits from {}", parents.join(", ")))
    })
}

pub(super) fn partitioned(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        if t.kind != TableKind::Partitioned || t.is_partition() {
            return None;
        }
        let parts = tables(s)
            .filter(|p| p.partition_of.as_ref().is_some_and(|po| po.parent == t.qualified_name()))
            .count();
        let key = t.partition_key.as_deref().unwrap_or("?");
        Some(format!("PARTITION BY {key} with {parts} partitions"))
    })
}

pub(super) fn unlogged(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::Persistence;
    table_hits(s, |t| (t.persistence == Persistence::Unlogged).then(|| "UNLOGGED".to_owned()))
}

pub(super) fn foreign_tables(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| {
        (t.kind == TableKind::Foreign)
            .then(|| format!("server {}", t.foreign_server.as_deref().unwrap_or("?")))
    })
}

pub(super) fn row_security(s: &Schema, _: Target) -> Vec<Hit> {
    table_hits(s, |t| t.row_security.then(|| "ENABLE ROW LEVEL SECURITY".to_owned()))
}

pub(super) fn constraint_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Constraint) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for c in t.constraints.iter().filter(|c| !c.inherited) {
            if let Some(m) = pred(c) {
                hits.push(Hit::new(ObjectKey::Constraint(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

pub(super) fn exclusions(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| (c.kind == ConstraintKind::Exclusion).then(|| c.definition.clone()))
}

pub(super) fn deferrable(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| {
        let when = if c.initially_deferred { "INITIALLY DEFERRED" } else { "INITIALLY IMMEDIATE" };
        c.deferrable.then(|| format!("DEFERRABLE {when}"))
    })
}

pub(super) fn match_partial(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| {
        c.foreign_key
            .as_ref()
            .filter(|fk| fk.match_type == MatchType::Partial)
            .map(|_| c.definition.clone())
    })
}

pub(super) fn nulls_not_distinct(s: &Schema, _: Target) -> Vec<Hit> {
    constraint_hits(s, |c| c.nulls_not_distinct.then(|| c.definition.clone()))
}

pub(super) fn jsonb_keys(s: &Schema, _: Target) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for c in t.constraints.iter().filter(|c| {
            matches!(
                c.kind,
                ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::ForeignKey
            )
        }) {
            let json: Vec<&str> = c
                .columns
                .iter()
                .filter(|n| t.column(n).is_some_and(|col| col.base_type.starts_with("json")))
                .map(String::as_str)
                .collect();
            if !json.is_empty() {
                let m = format!("key over JSON column(s) {}", json.join(", "));
                hits.push(Hit::new(ObjectKey::Constraint(t.qualified_name(), c.name.clone()), m));
            }
        }
    }
    hits
}

pub(super) fn domains(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .domains
        .iter()
        .map(|d| {
            let name = format!("{}.{}", d.schema, d.name);
            let users: Vec<String> = own_columns(s)
                .filter(|(_, c)| c.base_type == name)
                .map(|(t, c)| format!("{}.{}", t.qualified_name(), c.name))
                .collect();
            let used = if users.is_empty() {
                "not used by any column".to_owned()
            } else {
                format!("used by {}", users.join(", "))
            };
            Hit::new(
                ObjectKey::Type(crate::schema::QualifiedName::new(&d.schema, &d.name)),
                format!("domain over {}, {used}", d.base_type),
            )
        })
        .collect()
}

pub(super) fn composites(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .composites
        .iter()
        .map(|c| {
            let key = ObjectKey::Type(crate::schema::QualifiedName::new(&c.schema, &c.name));
            Hit::new(key, format!("{} attributes", c.attributes.len()))
        })
        .collect()
}

pub(super) fn enums(s: &Schema, _: Target) -> Vec<Hit> {
    s.types
        .enums
        .iter()
        .map(|e| {
            Hit::new(
                ObjectKey::Type(crate::schema::QualifiedName::new(&e.schema, &e.name)),
                format!("{} values", e.labels.len()),
            )
        })
        .collect()
}

pub(super) fn arrays(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| (c.array_dimensions == 1).then(|| c.data_type.clone()))
}

pub(super) fn generated_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| c.generated.as_ref().map(|g| format!("{:?} AS ({})", g.kind, g.expression)))
}

pub(super) fn range_columns(s: &Schema, _: Target) -> Vec<Hit> {
    let mut ranges: Vec<String> = [
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "int4multirange",
        "int8multirange",
        "nummultirange",
        "tsmultirange",
        "tstzmultirange",
        "datemultirange",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    ranges.extend(s.types.ranges.iter().map(|r| format!("{}.{}", r.schema, r.name)));
    column_hits(s, |c| ranges.contains(&c.base_type).then(|| c.data_type.clone()))
}

pub(super) fn multi_dim_arrays(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| {
        (c.array_dimensions > 1)
            .then(|| format!("{} with {} dimensions", c.data_type, c.array_dimensions))
    })
}

pub(super) fn collated_columns(s: &Schema, _: Target) -> Vec<Hit> {
    column_hits(s, |c| c.collation.as_ref().map(|coll| format!("COLLATE {}", coll.name)))
}

pub(super) fn index_hits(
    s: &Schema,
    pred: impl Fn(&crate::schema::model::Index) -> Option<String>,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    for t in tables(s).filter(|t| !t.is_partition()) {
        for i in t.indexes.iter().filter(|i| !i.inherited) {
            if let Some(m) = pred(i) {
                hits.push(Hit::new(ObjectKey::Index(t.qualified_name(), i.name.clone()), m));
            }
        }
    }
    hits
}

pub(super) fn index_methods(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        ["hash", "brin", "spgist", "gist"]
            .contains(&i.method.as_str())
            .then(|| format!("USING {}", i.method))
    })
}

pub(super) fn expression_indexes(s: &Schema, _: Target) -> Vec<Hit> {
    use crate::schema::model::IndexTarget;
    index_hits(s, |i| {
        let exprs: Vec<&str> = i
            .keys
            .iter()
            .filter_map(|k| match &k.target {
                IndexTarget::Expression(e) => Some(e.as_str()),
                IndexTarget::Column(_) => None,
            })
            .collect();
        (!exprs.is_empty()).then(|| format!("on {}", exprs.join(", ")))
    })
}

pub(super) fn vector_indexes(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        ["hnsw", "ivfflat"].contains(&i.method.as_str()).then(|| format!("USING {}", i.method))
    })
}

pub(super) fn index_opclasses(s: &Schema, _: Target) -> Vec<Hit> {
    index_hits(s, |i| {
        let names: Vec<&str> =
            i.keys.iter().filter_map(|k| k.opclass.as_ref().map(|o| o.name.as_str())).collect();
        (!names.is_empty()).then(|| format!("operator class {}", names.join(", ")))
    })
}

pub(super) fn index_nulls_order(s: &Schema, _: Target) -> Vec<Hit> {
    // PostgreSQL's default is NULLS LAST ascending and NULLS FIRST descending.
    index_hits(s, |i| {
        let odd = i.keys.iter().any(|k| k.nulls_first != k.descending);
        (odd && i.method == "btree").then(|| "explicit NULLS FIRST/LAST".to_owned())
    })
}
