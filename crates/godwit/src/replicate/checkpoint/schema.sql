-- The replication state on the target, created idempotently: one row per replication slot
-- godwit streams from. `applied_lsn` is the end LSN of the last source transaction whose
-- changes are committed on the target; it is written in the same target transaction as those
-- changes. LSNs are text ('16/B374D848') so that the same table works on CockroachDB.
create schema if not exists _godwit;

create table if not exists _godwit.replication (
    slot_name    text primary key,
    publication  text not null,
    origin       text not null,
    run_id       text,
    source       text not null,
    start_lsn    text,
    applied_lsn  text,
    applied_at   timestamptz,
    transactions bigint not null default 0,
    rows         bigint not null default 0,
    created_at   timestamptz not null default now()
);
