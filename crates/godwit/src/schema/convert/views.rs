//! Views in dependency order: a view whose definition names another view comes after it.

use crate::schema::model::{Schema, View};

/// Views ordered so that each comes after the views its definition mentions.
pub(super) fn ordered(s: &Schema) -> Vec<&View> {
    let mut out: Vec<&View> = Vec::new();
    let mut pending: Vec<&View> = s.views.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|v| {
            let ready =
                s.views.iter().filter(|o| o.name != v.name || o.schema != v.schema).all(|o| {
                    !mentions(&v.definition, o)
                        || out.iter().any(|d| d.name == o.name && d.schema == o.schema)
                });
            if ready {
                out.push(v);
            }
            !ready
        });
        if pending.len() == before {
            out.append(&mut pending);
        }
    }
    out
}

fn mentions(definition: &str, other: &View) -> bool {
    let plain = format!("{}.{}", other.schema, other.name);
    let quoted = other.qualified_name().quoted();
    definition.contains(&plain) || definition.contains(&quoted)
}
