insert into _godwit.shards (run_id, table_schema, table_name, shard, lower, upper)
values ($1, $2, $3, $4, $5, $6)
on conflict do nothing
