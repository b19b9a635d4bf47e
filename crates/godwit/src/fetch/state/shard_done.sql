update _godwit.shards
set status = 'done', rows = $5, error = null, done_at = now()
where run_id = $1 and table_schema = $2 and table_name = $3 and shard = $4
