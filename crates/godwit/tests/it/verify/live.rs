//! `--live-recheck`: rows that differ at first and converge during the delay count as
//! `live_retry`, rows that still differ stay differences; `--fix apply` repairs and re-reads.

use std::sync::mpsc;
use std::time::Duration;

use godwit::event::Event;
use godwit::verify::{FixMode, Mode, verify};
use godwit_test_support::test_db;

use super::{options, params, run};

const DDL: &str = "create table t (id int primary key, v text);
    insert into t select g, 'v' || g from generate_series(1, 100) g;";

#[tokio::test]
async fn rows_that_converge_during_the_delay_are_live_retries() {
    let (source, target) = (test_db().await, test_db().await);
    source.execute_script(DDL).await;
    target.execute_script(DDL).await;
    // In flight: one row not yet on the target, one not yet deleted, one not yet updated; and
    // one real difference that never converges.
    target
        .execute_script(
            "delete from t where id = 1; insert into t values (500, 'gone on the source');
             update t set v = 'old' where id = 2; update t set v = 'diverged' where id = 3;",
        )
        .await;
    let mut opts = options(Mode::Rows);
    opts.live_recheck = Some(Duration::from_secs(2));
    let (tx, rx) = mpsc::channel();
    let sink = move |e: Event| {
        if matches!(&e, Event::Step { phase, .. } if phase == "recheck") {
            let _ = tx.send(());
        }
    };
    let target_url = target.url();
    let catch_up = tokio::spawn(async move {
        tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(30)))
            .await
            .unwrap()
            .expect("the recheck step starts");
        let (client, conn) =
            tokio_postgres::connect(&target_url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(
                "insert into t values (1, 'v1'); delete from t where id = 500;
                 update t set v = 'v2' where id = 2;",
            )
            .await
            .unwrap();
    });
    let report = verify(&params(&source), &params(&target), &opts, &sink).await.unwrap();
    catch_up.await.unwrap();
    let t = &report.tables[0];
    assert_eq!((t.live_retry, t.missing, t.extraneous, t.mismatched), (3, 0, 0, 1), "{t:?}");
    assert_eq!(t.samples.mismatched, vec![vec![Some("3".to_owned())]]);
    assert_eq!(t.mismatched_columns.keys().collect::<Vec<_>>(), vec!["v"]);
    assert!(report.has_differences());

    let mut fix = options(Mode::Rows);
    fix.fix = Some(FixMode::Apply);
    let repaired = run(&source, &target, &fix).await;
    let applied = repaired.fix.expect("fix report");
    assert!(applied.applied);
    assert_eq!((applied.updates, applied.still_different), (1, 0), "{applied:?}");
    assert!(!run(&source, &target, &options(Mode::Rows)).await.has_differences());
}
