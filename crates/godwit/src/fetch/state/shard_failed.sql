update _godwit.shards
set status = 'failed', error = $5
where run_id = $1 and table_schema = $2 and table_name = $3 and shard = $4 and status <> 'done'
