//! Deferred objects: a target prepared with tables and primary keys only gets the source's
//! secondary indexes, unique constraints, checks and foreign keys after the data is in; a
//! target that already has them gets nothing new.

use godwit::fetch::FetchOptions;
use tokio_postgres::Client;

use super::{fetch_with, fingerprint};
use godwit_test_support::test_db;

const PRE: &str = r#"
create table public.customers (id int primary key, email text not null, "Region" text);
create table public.orders (id bigint primary key, customer int not null, total numeric(10,2));
"#;

const POST: &str = r#"
create unique index customers_email_key on public.customers (lower(email));
create index "Customers by region" on public.customers ("Region") where "Region" is not null;
alter table public.orders add constraint orders_total_check check (total >= 0);
alter table public.orders add constraint orders_customer_fkey
    foreign key (customer) references public.customers (id);
create index orders_customer_idx on public.orders (customer);
"#;

const DATA: &str = "
insert into customers select i, 'c' || i || '@example.com', case when i % 3 = 0 then 'eu' end
    from generate_series(1, 3000) i;
insert into orders select i, i % 3000 + 1, (i % 500) * 1.25 from generate_series(1, 20000) i;
analyze;
";

/// Index names and (constraint name, validated) of the public tables.
async fn objects(client: &Client) -> (Vec<String>, Vec<(String, bool)>) {
    let indexes = client
        .query("select indexname from pg_indexes where schemaname = 'public' order by 1", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let constraints = client
        .query(
            "select conname::text, convalidated from pg_constraint c \
             join pg_namespace n on n.oid = c.connamespace where n.nspname = 'public' order by 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    (indexes, constraints)
}

#[tokio::test]
async fn indexes_and_constraints_are_built_after_the_data() {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(&format!("{PRE}{POST}{DATA}")).await;
    target.execute_script(PRE).await;
    let result = fetch_with(&source, &target, &FetchOptions::default()).await;
    assert!(result.failed.is_empty(), "{:?}", result.failed);
    assert!(result.deferred.failures.is_empty(), "{:?}", result.deferred.failures);
    // 3 indexes, the check (add + validate), the foreign key (add + validate).
    assert_eq!((result.deferred.created, result.deferred.existing), (7, 0));
    assert_eq!(objects(target.client()).await, objects(source.client()).await);
    for table in ["public.customers", "public.orders"] {
        assert_eq!(
            fingerprint(target.client(), table).await,
            fingerprint(source.client(), table).await
        );
    }
}

#[tokio::test]
async fn a_target_that_has_them_gets_nothing_new() {
    let source = test_db().await;
    let target = test_db().await;
    source.execute_script(&format!("{PRE}{POST}{DATA}")).await;
    target.execute_script(&format!("{PRE}{POST}")).await;
    let result = fetch_with(&source, &target, &FetchOptions::default()).await;
    assert_eq!(result.deferred, godwit::fetch::DeferredReport::default());
    assert_eq!(objects(target.client()).await, objects(source.client()).await);
}
