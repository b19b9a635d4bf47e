//! Many source transactions applied as one target transaction, compacted per table and key:
//! inserts, updates, key changes and deletes of the same keys, on several tables (with a key,
//! a composite key, no key, an extra unique column, a foreign key, unchanged TOAST values), end
//! identical to the source; rows inserted and deleted within one group never reach the target
//! (when the backlog arrives in one group; never twice either way);
//! triggers do not fire (replica role), as with PostgreSQL's own apply worker.

use std::time::Duration;

use godwit::replicate::ReplicateOptions;

use super::{drop_slots, pair, start, start_ready, wait_same};

const DDL: &str = r#"
create table a (id int primary key, v text, big text);
create table "B b" (k1 text, k2 int, v int, primary key (k1, k2));
create table c (x int, y text);
alter table c replica identity full;
create table u (id int primary key, email text not null unique);
create table child (id int primary key, parent int not null references a (id));
"#;

const TABLES: [&str; 5] = ["a", r#""B b""#, "c", "u", "child"];

/// Target only: a trigger that would fail every insert into `a` if it fired (it does not under
/// the replica role), and one that fires always and records the keys inserted into `a`.
const TARGET_TRIGGERS: &str = r#"
create table seen (id int);
create function refuse() returns trigger language plpgsql as $$
begin raise exception 'an ordinary trigger fired during apply'; end $$;
create function record() returns trigger language plpgsql as $$
begin insert into seen values (new.id); return null; end $$;
create trigger refuse after insert on a for each row execute function refuse();
create trigger record after insert on a for each row execute function record();
alter table a enable always trigger record;
"#;

/// One source transaction each.
const TRANSACTIONS: &[&str] = &[
    "insert into a select i, 'v' || i, null from generate_series(1, 60) i",
    // Inserted, updated, deleted within the group: never on the target.
    "insert into a values (900, 'gone', null), (901, 'gone', null)",
    "update a set v = 'still gone' where id in (900, 901)",
    "delete from a where id in (900, 901)",
    "update a set v = v || '!' where id % 2 = 0",
    "delete from a where id % 3 = 0",
    // Deleted, then back with other values.
    "insert into a values (3, 'back', null), (6, 'back', null)",
    // Key changes, one onto a key deleted before, then changed again.
    "update a set id = id + 1000 where id % 5 = 0",
    "update a set id = 9 where id = 1010",
    "update a set id = 2010, v = 'twice' where id = 1020",
    // Unchanged TOAST: written whole in the group, then updated around it.
    "update a set big = (select string_agg(md5(random()::text), '') from generate_series(1, 400)) \
     where id in (1, 2, 4)",
    "update a set v = 'toast kept' where id in (1, 2)",
    "update a set id = 3000 where id = 4",
    "insert into \"B b\" select 'k' || (i % 3), i, i from generate_series(1, 30) i",
    "update \"B b\" set k2 = k2 + 100 where k1 = 'k1'",
    "update \"B b\" set v = -v where k2 > 100",
    "delete from \"B b\" where k1 = 'k2' and k2 < 10",
    "insert into \"B b\" values ('k2', 2, 7)",
    "insert into c values (1, 'x'), (1, 'x'), (2, 'y')",
    "update c set y = 'z' where x = 2",
    "delete from c where ctid = (select ctid from c where x = 1 limit 1)",
    "insert into c values (3, null)",
    // A swap of unique values through a third one: only right in this order.
    "insert into u values (1, 'one@x'), (2, 'two@x')",
    "update u set email = 'tmp@x' where id = 1",
    "update u set email = 'one@x' where id = 2",
    "update u set email = 'two@x' where id = 1",
    // Child rows come and go with their parents.
    "insert into child values (1, 7), (2, 8)",
    "delete from child where id = 2",
    "delete from a where id = 8",
    "insert into a values (950, 'parent', null)",
    "insert into child values (3, 950)",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_group_ends_identical_to_the_source() {
    let (source, target) = pair(DDL).await;
    // A row whose big value reaches the target before the group: the group's update of another
    // column must leave it as it is (an update of the sent columns only).
    source
        .execute_script(
            "insert into a values (71, 'before', \
             (select string_agg(md5(random()::text), '') from generate_series(1, 400)))",
        )
        .await;
    let row = source.client().query_one("select big from a where id = 71", &[]).await.unwrap();
    let big: String = row.get(0);
    target.client().execute("insert into a values (71, 'before', $1)", &[&big]).await.unwrap();
    target.execute_script(TARGET_TRIGGERS).await;
    start_ready(&source, &target).await.stop().await;
    for sql in TRANSACTIONS {
        source.client().batch_execute(sql).await.unwrap();
    }
    source.execute_script("update a set v = 'only v' where id = 71").await;
    // Everything waits in the slot: one group takes it all.
    let opts = ReplicateOptions {
        group_max_rows: 1_000_000,
        group_max_delay: Duration::from_secs(5),
        ..ReplicateOptions::default()
    };
    let running = start(&source, &target, opts);
    wait_same(&source, &target, &TABLES).await;
    let summary = running.stop().await;
    assert_eq!(summary.transactions, TRANSACTIONS.len() as u64 + 1, "{summary:?}");
    let seen: Vec<i32> = target
        .client()
        .query("select id from seen where id between 900 and 999 order by id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    // 900 and 901 are inserted and deleted within the backlog: compacted away when their
    // transactions share a group, applied and deleted again when the stream paused between
    // them and the group was committed early (a loaded machine). Never twice, and 950 once.
    assert_eq!(seen.iter().filter(|&&id| id == 950).count(), 1, "{seen:?}");
    assert!(seen.iter().all(|id| [900, 901, 950].contains(id)), "{seen:?}");
    assert!([900, 901].iter().all(|id| seen.iter().filter(|&s| s == id).count() <= 1), "{seen:?}");
    drop_slots(&source).await;
}
