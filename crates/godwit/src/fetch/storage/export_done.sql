insert into _godwit.exports (run_id, table_schema, table_name, shard, object, rows, bytes, raw_bytes)
values ($1, $2, $3, $4, $5, $6, $7, $8)
on conflict (run_id, table_schema, table_name, shard) do update
set object = excluded.object, rows = excluded.rows, bytes = excluded.bytes,
    raw_bytes = excluded.raw_bytes, exported_at = now()
