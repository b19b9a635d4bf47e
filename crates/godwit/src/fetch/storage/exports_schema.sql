-- Shards whose object is completely written to the storage, per run. A row is inserted only
-- after the upload completed, so a resumed export redoes exactly the shards without one.
create table if not exists _godwit.exports (
    run_id       text not null,
    table_schema text not null,
    table_name   text not null,
    shard        int not null,
    object       text not null,
    rows         bigint not null,
    bytes        bigint not null,
    raw_bytes    bigint not null,
    exported_at  timestamptz not null default now(),
    primary key (run_id, table_schema, table_name, shard)
);
