//! The type matrix through `fetch`: every built-in type family with its edge values, user
//! types, key shapes and awkward identifiers arrive bit-exact (see
//! `godwit_test_support::matrix` for why the comparison is exact).

use godwit::event::Event;
use godwit::fetch::{FetchOptions, fetch};
use godwit_test_support::matrix::{MATRIX_DATA, MATRIX_DDL, MATRIX_TABLES, differences};
use tokio_postgres::Client;

use super::{pair, params};

#[tokio::test]
async fn copies_every_type_bit_exact() {
    let (source, target) = pair(MATRIX_DDL).await;
    source.execute_script(MATRIX_DATA).await;
    // Small shards: integer, text, uuid and composite keys and the keyless table all split.
    let options = FetchOptions { shard_bytes: 64 * 1024, ..FetchOptions::default() };
    let result =
        fetch(&params(&source), &params(&target), &options, &|_e: Event| {}).await.unwrap();
    let exceptions = exceptions(target.client()).await;
    assert!(
        result.failed.is_empty(),
        "tables failed: {:?}\n{}",
        result.failed,
        exceptions.join("\n")
    );
    let shards = |name: &str| result.tables.iter().find(|t| t.table == name).unwrap().shards;
    for split in ["Big Table", "composite_key", "text_key", "uuid_key"] {
        assert!(shards(split) > 1, "{split} was copied in {} shard(s)", shards(split));
    }
    let mut report = Vec::new();
    for table in MATRIX_TABLES {
        let rows: i64 = source
            .client()
            .query_one(&format!("select count(*) from {}", table.quoted()), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(rows, table.rows, "fixture rows of {}", table.quoted());
        report.extend(differences(source.client(), target.client(), table).await);
    }
    assert!(report.is_empty(), "{} differences:\n{}", report.len(), report.join("\n"));
}

/// The comparison itself can fail: identical loads compare equal, and single changed values
/// (a float's sign of zero, a numeric's display scale, an enum inside an array, a `timetz`
/// offset) are each reported with their table and column.
#[tokio::test]
async fn the_comparison_reports_each_changed_value() {
    let (source, target) = pair(MATRIX_DDL).await;
    source.execute_script(MATRIX_DATA).await;
    target.execute_script(MATRIX_DATA).await;
    for table in MATRIX_TABLES {
        let found = differences(source.client(), target.client(), table).await;
        assert!(found.is_empty(), "identical loads differ: {found:?}");
    }
    target
        .execute_script(
            "update matrix.numbers set f8 = 0 where id = 7;
             update matrix.keyless set c = 1.00 where ctid = (select min(ctid) from matrix.keyless where c::text = '1.0');
             update matrix.user_types set moods = array['ok', 'Quote''s \"q\"', null]::matrix.mood[] where id = 1;
             update matrix.times set ttz = '00:00:00+1558' where id = 1;
             delete from matrix.one_row;",
        )
        .await;
    let mut found = Vec::new();
    for table in MATRIX_TABLES {
        found.extend(differences(source.client(), target.client(), table).await);
    }
    let expected = [
        r#""matrix"."numbers" row 6 column "f8" (binary): source \x8000000000000000"#,
        r#""matrix"."keyless" row "#,
        r#""matrix"."user_types" row 0 column "moods" (text): source "{sad,"#,
        r#""matrix"."times" row 0 column "ttz" (binary)"#,
        r#""matrix"."one_row": 1 rows on the source, 0 on the target"#,
    ];
    for e in expected {
        assert!(found.iter().any(|f| f.starts_with(e)), "{e} not reported in {found:#?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

/// `_godwit.exceptions` rows as `table: sqlstate message`, for failure messages.
async fn exceptions(client: &Client) -> Vec<String> {
    let rows = client
        .query(
            "select table_schema || '.' || table_name, coalesce(sqlstate, ''), message
             from _godwit.exceptions order by at",
            &[],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            format!(
                "{}: {} {}",
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, String>(2)
            )
        })
        .collect()
}
