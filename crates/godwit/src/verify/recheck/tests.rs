use super::*;

#[test]
fn key_conditions_use_untyped_literals_per_key_column() {
    let diffs = [
        Diff {
            kind: DiffKind::Missing,
            key: vec![Some("1".into()), Some("it's".into())],
            columns: vec![],
        },
        Diff {
            kind: DiffKind::Extraneous,
            key: vec![Some("2".into()), Some("b".into())],
            columns: vec![],
        },
    ];
    let names = ["id", "Name"];
    assert_eq!(condition_for(&names, &diffs), r#"("id", "Name") IN (('1', 'it''s'), ('2', 'b'))"#);
}
