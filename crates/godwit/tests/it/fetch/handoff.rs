//! The snapshot handoff from fetch to replication: sequence-numbered writes run on the source
//! before, during and after a fetch in CDC mode. Each write transaction also inserts its number
//! into `ledger`, so every transaction is either in the copy or in the slot's stream; the test
//! proves it is in exactly one of them, with nothing between: the copy holds transactions
//! `1..=k` (and the table state after exactly those), the slot streams `k+1..=n` in order.
//! The stream is read with `pg_logical_slot_peek_binary_changes` (pgoutput v1), which leaves
//! the slot untouched.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use godwit::fetch::{FetchOptions, fetch};
use tokio_postgres::Client;

use super::{fetch_with, pair, params};

/// The handoff tables (shared with the replicate handoff test).
pub(crate) const DDL: &str = "
create table ledger (seq bigint primary key);
create table items (id int primary key, v bigint not null);
create table bulk (id int primary key, payload text);
";

const DATA: &str = "
insert into items select i, 0 from generate_series(1, 2000) i;
insert into bulk select i, repeat(md5(i::text), 4) from generate_series(1, 200000) i;
analyze;
";

/// What a write does to the model of `items` (id -> v).
type Effect = Box<dyn Fn(&mut HashMap<i64, i64>)>;

/// The write of transaction `seq`, as SQL and as its effect on the `items` model.
fn write(seq: i64) -> (String, Effect) {
    match seq % 3 {
        0 => {
            let id = 10_000 + seq;
            (
                format!("insert into items values ({id}, {seq})"),
                Box::new(move |m| {
                    m.insert(id, seq);
                }),
            )
        }
        1 => {
            let id = seq % 2000 + 1;
            (
                format!("update items set v = {seq} where id = {id}"),
                Box::new(move |m| {
                    m.insert(id, seq);
                }),
            )
        }
        _ => {
            let id = 10_000 + seq - 2;
            (
                format!("delete from items where id = {id}"),
                Box::new(move |m| {
                    m.remove(&id);
                }),
            )
        }
    }
}

/// Run write transactions `1..` until `stop`; returns the last number committed.
async fn writer(client: Client, stop: Arc<AtomicBool>, last: Arc<AtomicI64>) -> i64 {
    let mut seq = 0;
    while !stop.load(Ordering::SeqCst) {
        seq += 1;
        let (sql, _) = write(seq);
        let txn = format!("begin; insert into ledger values ({seq}); {sql}; commit;");
        client.batch_execute(&txn).await.unwrap();
        last.store(seq, Ordering::SeqCst);
    }
    seq
}

/// Replication slots of the connection's database.
async fn slots_here(client: &Client) -> i64 {
    let sql = "select count(*) from pg_replication_slots where database = current_database()";
    client.query_one(sql, &[]).await.unwrap().get(0)
}

async fn wait_for(last: &AtomicI64, at_least: i64) {
    while last.load(Ordering::SeqCst) < at_least {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The ledger numbers of the inserts the slot streams, in stream order.
async fn streamed_ledger(source: &Client, slot: &str, publication: &str) -> Vec<i64> {
    let rows = source
        .query(
            "select data from pg_logical_slot_peek_binary_changes($1, null, null, \
             'proto_version', '1', 'publication_names', $2)",
            &[&slot, &publication],
        )
        .await
        .unwrap();
    let mut names = HashMap::new();
    let mut seqs = Vec::new();
    for row in rows {
        let data: Vec<u8> = row.get(0);
        match data[0] {
            b'R' => {
                let relid = u32::from_be_bytes(data[1..5].try_into().unwrap());
                let rest = &data[5..];
                let ns_end = rest.iter().position(|&b| b == 0).unwrap();
                let rel = &rest[ns_end + 1..];
                let rel_end = rel.iter().position(|&b| b == 0).unwrap();
                names.insert(relid, String::from_utf8(rel[..rel_end].to_vec()).unwrap());
            }
            b'I' => {
                let relid = u32::from_be_bytes(data[1..5].try_into().unwrap());
                if names.get(&relid).map(String::as_str) != Some("ledger") {
                    continue;
                }
                // 'N', column count (2 bytes), then the one column: 't', length (4), text.
                assert_eq!((data[5], &data[6..8], data[8]), (b'N', &[0u8, 1][..], b't'));
                let len = u32::from_be_bytes(data[9..13].try_into().unwrap()) as usize;
                let text = std::str::from_utf8(&data[13..13 + len]).unwrap();
                seqs.push(text.parse().unwrap());
            }
            _ => {}
        }
    }
    seqs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_slot_streams_exactly_what_the_copy_does_not_hold() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let stop = Arc::new(AtomicBool::new(false));
    let last = Arc::new(AtomicI64::new(0));
    let writing =
        tokio::spawn(writer(source.connect().await, Arc::clone(&stop), Arc::clone(&last)));
    wait_for(&last, 20).await;
    let options =
        FetchOptions { cdc: true, shard_bytes: 2 * 1024 * 1024, ..FetchOptions::default() };
    let before = last.load(Ordering::SeqCst);
    let result = fetch_with(&source, &target, &options).await;
    let during = last.load(Ordering::SeqCst);
    wait_for(&last, during + 20).await;
    stop.store(true, Ordering::SeqCst);
    let n = writing.await.unwrap();
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    let handoff = result.handoff.expect("a CDC fetch hands a slot over");
    assert!(handoff.consistent_lsn.is_some());
    eprintln!("writes: {before} before fetch, {during} when it returned, {n} in all");

    // The copy holds transactions 1..=k exactly, and the items state after exactly those.
    let copied: Vec<i64> = target
        .client()
        .query("select seq from ledger order by seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let k = copied.len() as i64;
    assert!(copied.iter().copied().eq(1..=k), "the copy is not a prefix of the writes: k={k}");
    assert!(k >= before && k < n, "the snapshot falls among the writes: k={k}, n={n}");
    let mut model: HashMap<i64, i64> = (1..=2000).map(|i| (i, 0)).collect();
    for seq in 1..=k {
        (write(seq).1)(&mut model);
    }
    let rows = target.client().query("select id::bigint, v from items", &[]).await.unwrap();
    let copied_items: HashMap<i64, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(copied_items, model, "items hold the state after transaction {k}, no later");

    // The slot streams k+1..=n, in commit order, nothing else.
    // Decoding reads WAL up to the flushed position; the test cluster commits asynchronously.
    let mut streamed = Vec::new();
    for _ in 0..100 {
        streamed = streamed_ledger(source.client(), &handoff.slot, &handoff.publication).await;
        if streamed.last() >= Some(&n) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let summary = |v: &[i64]| format!("{} numbers, {:?}..{:?}", v.len(), v.first(), v.last());
    assert!(
        streamed.iter().copied().eq(k + 1..=n),
        "the slot must stream {k}+1..={n}, it streams {}",
        summary(&streamed)
    );

    let row = target
        .client()
        .query_one("select slot_name, publication, consistent_lsn from _godwit.runs", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some(handoff.slot.as_str()));
    assert_eq!(row.get::<_, Option<String>>(2), handoff.consistent_lsn);
    // A slot keeps its database from being dropped and WAL from being recycled.
    assert!(godwit::cdc::slot::drop_slot(source.client(), &handoff.slot).await.unwrap());
    assert!(godwit::cdc::slot::state(source.client(), &handoff.slot).await.unwrap().is_none());
}

#[tokio::test]
async fn no_cdc_creates_no_slot() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let result = fetch_with(&source, &target, &FetchOptions::default()).await;
    assert!(result.handoff.is_none());
    let slots = slots_here(source.client()).await;
    assert_eq!(slots, 0);
}

#[tokio::test]
async fn cdc_is_refused_before_anything_is_created_when_the_role_cannot_replicate() {
    let (source, target) = pair(DDL).await;
    let role = format!("norep_{}", source.name());
    source
        .execute_script(&format!(
            "create role {role} login password 'pw'; grant select on all tables in schema public to {role};"
        ))
        .await;
    let mut as_role = params(&source);
    as_role.user = role.clone();
    as_role.password = Some(godwit::conn::params::Password::new("pw"));
    let options = FetchOptions { cdc: true, ..FetchOptions::default() };
    let err =
        fetch(&as_role, &params(&target), &options, &godwit::event::Discard).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("replication_privilege") && text.contains("--no-cdc"), "{text}");
    let state: bool = target
        .client()
        .query_one("select exists (select 1 from pg_namespace where nspname = '_godwit')", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!state, "a refused run leaves no state behind");
}

#[tokio::test]
async fn a_resumed_cdc_run_keeps_its_slot_and_position() {
    let (source, target) = pair(DDL).await;
    source.execute_script(DATA).await;
    let crash = FetchOptions {
        cdc: true,
        shard_bytes: 1024 * 1024,
        fail_after_shards: Some(2),
        ..FetchOptions::default()
    };
    let events = &godwit::event::Discard;
    fetch(&params(&source), &params(&target), &crash, events).await.unwrap_err();
    let row = target
        .client()
        .query_one("select slot_name, consistent_lsn from _godwit.runs", &[])
        .await
        .unwrap();
    let (slot, lsn): (Option<String>, Option<String>) = (row.get(0), row.get(1));
    let options = FetchOptions { cdc: true, shard_bytes: 1024 * 1024, ..FetchOptions::default() };
    let result = fetch_with(&source, &target, &options).await;
    assert!(result.resumed_from_new_snapshot && result.failed.is_empty(), "{result:?}");
    let handoff = result.handoff.expect("the first run's slot is handed over");
    assert_eq!((Some(handoff.slot.clone()), handoff.consistent_lsn), (slot, lsn));
    for table in ["ledger", "items", "bulk"] {
        let want = super::fingerprint(source.client(), table).await;
        assert_eq!(super::fingerprint(target.client(), table).await, want, "{table}");
    }
    let slots = slots_here(source.client()).await;
    assert_eq!(slots, 1, "the resume made no second slot");
    assert!(godwit::cdc::slot::drop_slot(source.client(), &handoff.slot).await.unwrap());
}
