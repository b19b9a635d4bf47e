use godwit::verify::{FixReport, Method, Report, SchemaDifference, Severity, TableReport};

use super::{markdown, text};

fn report() -> Report {
    let mut equal = TableReport::new("shop", "items", Method::Key);
    equal.source_rows = 10;
    equal.target_rows = 10;
    equal.matched = 10;
    let mut orders = TableReport::new("shop", "orders", Method::Key);
    orders.source_rows = 5;
    orders.target_rows = 5;
    orders.matched = 3;
    orders.missing = 1;
    orders.extraneous = 1;
    orders.mismatched = 1;
    orders.mismatched_columns.insert("total".into(), 1);
    orders.samples.missing.push(vec![Some("4".into())]);
    orders.samples.extraneous.push(vec![Some("9".into())]);
    orders.samples.mismatched.push(vec![Some("2".into())]);
    let mut log = TableReport::new("shop", "log|x", Method::Multiset);
    log.samples.missing.push(vec![Some("a".into()), None]);
    log.missing = 1;
    Report {
        run_id: "verify-1".into(),
        mode: "rows".into(),
        schema: vec![SchemaDifference {
            severity: Severity::Warning,
            object: "index".into(),
            table: "shop.orders".into(),
            name: Some("orders_total_idx".into()),
            message: "missing on the target".into(),
        }],
        tables: vec![equal, orders, log],
        fix: Some(FixReport {
            applied: false,
            statements: vec!["DELETE FROM \"shop\".\"orders\" WHERE \"id\" = '9'::integer".into()],
            deletes: 1,
            ..FixReport::default()
        }),
    }
}

#[test]
fn text_names_every_difference_and_the_printed_fix() {
    let out = text(&report());
    assert!(out.starts_with("verify (rows mode, run verify-1): DIFFERENT: 3 tables compared, 1 equal, 2 different; 1 schema differences\n"), "{out}");
    assert!(
        out.contains("warning shop.orders index orders_total_idx: missing on the target"),
        "{out}"
    );
    assert!(out.contains("shop.orders mismatched columns: total (1)"), "{out}");
    assert!(out.contains("shop.orders missing keys: 4"), "{out}");
    assert!(out.contains("shop.orders extraneous keys: 9"), "{out}");
    assert!(out.contains("shop.log|x missing rows: (a, NULL)"), "{out}");
    assert!(out.contains("DELETE FROM \"shop\".\"orders\" WHERE \"id\" = '9'::integer;"), "{out}");
    assert!(!out.contains("shop.items mismatched"), "{out}");
}

#[test]
fn markdown_escapes_cells_and_lists_differing_tables() {
    let out = markdown(&report());
    assert!(out.contains("| shop.log\\|x | multiset | 0 | 0 | 1 | 0 | 0 | 0 |"), "{out}");
    assert!(
        out.contains("### shop.orders\n\n- shop.orders mismatched columns: total (1)"),
        "{out}"
    );
    assert!(
        out.contains("| warning | shop.orders index orders_total_idx: missing on the target |"),
        "{out}"
    );
}
