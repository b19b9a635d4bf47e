-- The verification results on the target, created idempotently: one row per run, one row per
-- compared table. Counts only: sample keys (row values) are never stored here.
create schema if not exists _godwit;

create table if not exists _godwit.verifications (
    run_id              text primary key,
    started_at          timestamptz not null default now(),
    finished_at         timestamptz,
    mode                text not null,
    source              text not null,
    status              text not null default 'running'
                        check (status in ('running', 'equal', 'different', 'incomplete', 'failed')),
    schema_differences  int,
    tables              int,
    differing_tables    int
);

create table if not exists _godwit.verification_tables (
    run_id             text not null references _godwit.verifications (run_id),
    table_schema       text not null,
    table_name         text not null,
    method             text not null,
    source_rows        bigint not null,
    target_rows        bigint not null,
    matched            bigint not null,
    missing            bigint not null,
    extraneous         bigint not null,
    mismatched         bigint not null,
    live_retry         bigint not null,
    mismatched_columns text not null,
    error              text,
    primary key (run_id, table_schema, table_name)
);
