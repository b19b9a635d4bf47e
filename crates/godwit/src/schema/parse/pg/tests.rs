//! Unit tests, one group per statement kind.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use super::*;

#[test]
fn smoke_fixtures() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/pg-schemas");
    for f in ["pagila.sql", "pagila-2017-inheritance.sql", "openstreetmap-apidb.sql"] {
        let text = std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        let parsed = parse(&text, "db");
        let s = &parsed.schema;
        let idx: usize = s.tables.iter().map(|t| t.indexes.len()).sum::<usize>() + s.views.iter().map(|v| v.indexes.len()).sum::<usize>();
        eprintln!("== {f}: diag {} tables {} views {} routines {} triggers {} rules {} domains {} enums {} sequences {} indexes {} constraints {} ext {:?}",
            parsed.diagnostics.len(), s.tables.len(), s.views.len(), s.routines.len(), s.triggers.len(), s.rules.len(), s.types.domains.len(), s.types.enums.len(), s.sequences.len(), idx,
            s.tables.iter().map(|t| t.constraints.len()).sum::<usize>(), s.extensions.iter().map(|e| (&e.name, &e.schema, &e.version)).collect::<Vec<_>>());
        if f == "pagila.sql" {
            let film = s.table("public", "film").unwrap();
            eprintln!("{:?}\n{:?}", film.column("length_hours"), film.index("film_fulltext_idx"));
            let fe = s.table("public", "film_embedding").unwrap();
            eprintln!("{:?}\n{:?}", fe.column("embedding"), fe.indexes);
            let p = s.table("public", "payment_p2022_01").unwrap();
            eprintln!("{:#?}", (&p.partition_of, &p.indexes.iter().map(|i| (&i.name, i.inherited, &i.constraint)).collect::<Vec<_>>(), &p.constraints.iter().map(|c| (&c.name, c.inherited)).collect::<Vec<_>>()));
            eprintln!("{:?}", s.schemas);
            eprintln!("{:?}", s.views.iter().map(|v| (&v.name, v.materialized, v.populated)).collect::<Vec<_>>());
            eprintln!("{:?}", s.types.domains);
        }
        if f == "pagila-2017-inheritance.sql" {
            for t in s.tables.iter().filter(|t| !t.inherits.is_empty()) {
                eprintln!("{} {:?} {:?}", t.name, parsed.locations.get(&super::super::ObjectKey::Table(crate::schema::model::QualifiedName::new("public", &t.name))), t.inherits);
            }
            eprintln!("{:?}", s.rules.iter().map(|r| (&r.name, &r.table, r.event, r.instead)).collect::<Vec<_>>());
            eprintln!("{:?}", s.triggers.iter().map(|r| (&r.name, &r.table, parsed.locations.get(&super::super::ObjectKey::Trigger(crate::schema::model::QualifiedName::new("public", &r.table), r.name.clone())))).take(3).collect::<Vec<_>>());
        }
        if f == "openstreetmap-apidb.sql" {
            for t in &s.tables { for i in &t.indexes { if i.method != "btree" || i.keys.iter().any(|k| matches!(k.target, crate::schema::model::IndexTarget::Expression(_))) { eprintln!("{} {} {:?} {:?}", t.name, i.name, i.method, i.keys); } } }
            eprintln!("{:?}", s.types.enums.iter().map(|e| (&e.name, e.labels.len())).collect::<Vec<_>>());
            eprintln!("{:?}", s.table("public", "users").unwrap().columns.iter().take(6).map(|c| (&c.name, &c.data_type, &c.default)).collect::<Vec<_>>());
        }
    }
}
