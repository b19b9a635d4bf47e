select e.table_schema, e.table_name, e.shard, s.lower, s.upper, e.object, e.rows, e.bytes, e.raw_bytes
from _godwit.exports e
join _godwit.shards s using (run_id, table_schema, table_name, shard)
where e.run_id = $1
order by e.table_schema, e.table_name, e.shard
