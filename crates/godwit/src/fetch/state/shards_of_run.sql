select table_schema, table_name, shard, lower, upper, status
from _godwit.shards where run_id = $1
order by table_schema, table_name, shard
