//! The write load of the fault trials: concurrent writers on the source, each source
//! transaction numbered, so that the target can be checked for every transaction exactly once.
//!
//! Every transaction ends by raising `counter.n` by one and writing its number (`seq`) and
//! the counter value it produced to `ledger`; before that it makes 1-4 random changes:
//! inserts (single and 25-row), updates, primary-key changes (a key negated, a composite key
//! part rewritten), deletes and upserts on keyed tables, and inserts, updates and deletes on
//! `journal`, a table without a key (`REPLICA IDENTITY FULL`), where a change applied twice
//! leaves a visible extra row. A transaction is one simple-query message, which PostgreSQL
//! runs as one implicit transaction.
//!
//! A writer knows which of its transactions committed (acknowledged), which rolled back (an
//! error from the server: deadlock, serialization) and which are in doubt (the connection
//! broke before the answer, e.g. while the source restarts); it reconnects after a broken
//! connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use tokio_postgres::Client;

use crate::crash::SplitMix64;

/// The tables, the same on both sides; rows seeded on both before replication starts.
pub(super) const DDL: &str = r#"
create table counter (id int primary key, n bigint not null);
insert into counter values (1, 0);
create table ledger (seq bigint primary key, writer int not null, at_n bigint not null);
create table items (id bigint primary key, qty int not null, label text);
insert into items select g, g % 10, 'item ' || g from generate_series(1, 300) g;
create table journal (seq bigint not null, kind text not null, body text);
alter table journal replica identity full;
insert into journal select -g, 'seed', repeat('j', g % 7) from generate_series(1, 100) g;
create schema "Fault Zone";
create table "Fault Zone"."Pairs" (a int, b text, v numeric(10,2), primary key (a, b));
insert into "Fault Zone"."Pairs" select g % 50, 'b' || g, g / 3.0 from generate_series(1, 200) g;
"#;

/// About one transaction in this many also inserts [`BIG_ROWS`] rows into `journal`, so
/// that faults also strike while a large transaction is being applied.
const BIG_EVERY: u64 = 250;

/// Rows of such a large insert.
const BIG_ROWS: i64 = 1000;

/// What one writer did.
#[derive(Debug, Default)]
pub(super) struct Written {
    /// Transactions the server acknowledged: each must be on the target exactly once.
    pub(super) committed: Vec<i64>,
    /// Transactions whose outcome is unknown (the connection broke): on the target exactly
    /// as on the source, present or not.
    pub(super) in_doubt: Vec<i64>,
    /// Transactions the server rolled back.
    pub(super) rolled_back: usize,
}

/// Shared by the writers of one trial.
#[derive(Debug, Clone)]
pub(super) struct Shared {
    pub(super) url: String,
    pub(super) stop: Arc<AtomicBool>,
    /// The next transaction number (shared, so numbers are unique across writers).
    pub(super) next_seq: Arc<AtomicI64>,
}

/// Write until `shared.stop` is set; `seed` drives the choice of changes.
pub(super) async fn writer(id: i32, seed: u64, shared: Shared) -> Written {
    let mut rng = SplitMix64(seed);
    let mut written = Written::default();
    let mut client = None;
    while !shared.stop.load(Ordering::SeqCst) {
        let Some(db) = &client else {
            client = connect(&shared).await;
            continue;
        };
        let seq = shared.next_seq.fetch_add(1, Ordering::SeqCst);
        let sql = transaction(id, seq, &mut rng);
        match db.batch_execute(&sql).await {
            Ok(()) => written.committed.push(seq),
            Err(e) if in_doubt(&e) => {
                written.in_doubt.push(seq);
                client = None;
            }
            Err(_) => written.rolled_back += 1,
        }
        if rng.next_u64() % 4 == 0 {
            tokio::time::sleep(Duration::from_millis(rng.next_u64() % 4)).await;
        }
    }
    written
}

/// A connection, retried while the server is down or starting; `None` once stopped.
async fn connect(shared: &Shared) -> Option<Client> {
    while !shared.stop.load(Ordering::SeqCst) {
        if let Ok((client, conn)) =
            tokio_postgres::connect(&shared.url, tokio_postgres::NoTls).await
        {
            tokio::spawn(async move {
                let _ = conn.await;
            });
            return Some(client);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Whether the transaction may have committed although it failed: the connection broke, or
/// the server ended the session (its answer may have been lost after the commit).
fn in_doubt(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        None => true,
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57P")
        }
    }
}

/// One source transaction: random changes, then the counter and the ledger entry.
fn transaction(writer: i32, seq: i64, rng: &mut SplitMix64) -> String {
    let mut sql = String::new();
    for part in 0..=rng.next_u64() % 4 {
        sql.push_str(&change(writer, seq * 10 + part as i64, rng));
    }
    if rng.next_u64() % BIG_EVERY == 0 {
        sql.push_str(&format!(
            "insert into journal select 3000000000 + {seq} * {BIG_ROWS} + g, 'bulk', null \
             from generate_series(1, {BIG_ROWS}) g;\n"
        ));
    }
    sql.push_str(&format!(
        "update counter set n = n + 1 where id = 1;\n\
         insert into ledger select {seq}, {writer}, n from counter where id = 1;\n"
    ));
    sql
}

/// One random change; `n` (unique per change) makes the keys of new rows unique.
fn change(writer: i32, n: i64, rng: &mut SplitMix64) -> String {
    let r = rng.next_u64() % 40;
    let k = rng.next_u64() % 1000;
    match rng.next_u64() % 12 {
        0 => format!("insert into items values (1000000 + {n}, {k}, 'w{writer} n{n}');\n"),
        1 => format!(
            "insert into items select 1000000000 + {n} * 25 + g, g, null \
             from generate_series(0, 24) g;\n"
        ),
        2 | 3 => format!(
            "update items set qty = qty + 1, label = coalesce(label, '') || '+' \
             where id = (select id from items order by id offset {r} limit 1);\n"
        ),
        4 => format!(
            "update items set id = -id where id = (select id from items where id > 0 \
             order by id offset {r} limit 1);\n"
        ),
        5 => format!(
            "delete from items where id = (select id from items order by id desc offset {r} limit 1);\n"
        ),
        6 | 7 => format!(
            "insert into journal values ({n}, 'w{writer}', 'k{k}'), ({twin}, 'twin', null);\n",
            twin = -(1_000_000 + n)
        ),
        8 => format!(
            "update journal set body = coalesce(body, '') || '.' \
             where seq = (select seq from journal order by seq desc offset {r} limit 1);\n"
        ),
        9 => format!(
            "delete from journal where seq = (select seq from journal order by seq offset {r} limit 1);\n"
        ),
        10 => format!(
            r#"insert into "Fault Zone"."Pairs" values ({a}, 'w{writer}', {k} / 7.0)
               on conflict (a, b) do update set v = excluded.v + 1;
"#,
            a = k % 60
        ),
        _ => format!(
            r#"update "Fault Zone"."Pairs" set b = b || 'x' where (a, b) =
               (select a, b from "Fault Zone"."Pairs" order by a, b offset {r} limit 1);
"#
        ),
    }
}
