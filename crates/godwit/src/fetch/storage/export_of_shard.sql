select rows, raw_bytes from _godwit.exports
where run_id = $1 and table_schema = $2 and table_name = $3 and shard = $4
