-- The fetch state on the target, created idempotently. One row per run, one row per shard,
-- one row per recorded failure. Rows of user tables are never stored here.
create schema if not exists _godwit;

create table if not exists _godwit.runs (
    run_id      text primary key,
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    status      text not null default 'running',
    snapshot    text,
    source      text not null
);

-- The replication handoff (CDC mode): the slot created with the run's snapshot, its
-- publication, and the LSN from which it streams (the snapshot's instant). Text, so that the
-- same state works on a CockroachDB target.
alter table _godwit.runs add column if not exists slot_name text;
alter table _godwit.runs add column if not exists publication text;
alter table _godwit.runs add column if not exists consistent_lsn text;

create table if not exists _godwit.shards (
    run_id       text not null references _godwit.runs (run_id),
    table_schema text not null,
    table_name   text not null,
    shard        int not null,
    lower        text,
    upper        text,
    status       text not null default 'pending'
                 check (status in ('pending', 'done', 'failed')),
    rows         bigint,
    error        text,
    done_at      timestamptz,
    primary key (run_id, table_schema, table_name, shard)
);

create table if not exists _godwit.exceptions (
    run_id       text not null,
    stage        text not null,
    table_schema text,
    table_name   text,
    sqlstate     text,
    message      text not null,
    at           timestamptz not null default now()
);
