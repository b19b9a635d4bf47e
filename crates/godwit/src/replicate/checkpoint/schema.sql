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
-- At the last group commit: the source commit time of its last transaction and the source's
-- WAL end as its server had reported it (the lag then, for `godwit status`).
alter table _godwit.replication add column if not exists source_commit_at timestamptz;
alter table _godwit.replication add column if not exists source_lsn text;

-- Per replicated table of a slot: whether its changes are applied ('replicating') or held
-- because its layout on the source no longer fits the target ('paused', with the reason and
-- the column), and counters written in the target transactions that apply or hold its changes.
create table if not exists _godwit.replication_tables (
    slot_name        text not null,
    schema_name      text not null,
    table_name       text not null,
    state            text not null default 'replicating',
    reason           text,
    column_name      text,
    hint             text,
    since_lsn        text,
    since            timestamptz,
    held             bigint not null default 0,
    applied_rows     bigint not null default 0,
    last_applied_lsn text,
    updated_at       timestamptz not null default now(),
    primary key (slot_name, schema_name, table_name)
);

-- The changes of paused tables, in stream order (`seq`, assigned by the session), kept until
-- the table resumes and they are applied. Values are the stream's text forms; a tuple's flags
-- say per column whether it is a value ('t'), NULL ('n') or an unchanged TOAST value ('u').
create table if not exists _godwit.replication_held (
    slot_name   text not null,
    seq         bigint not null,
    schema_name text not null,
    table_name  text not null,
    lsn         text not null,
    kind        text not null,
    column_names text[] not null,
    key_flags   text not null,
    replica_identity text not null,
    new_values  text[],
    new_flags   text,
    old_kind    text,
    old_values  text[],
    old_flags   text,
    options     text,
    primary key (slot_name, seq)
);
