SELECT slot_name, publication, run_id, start_lsn, applied_lsn, applied_at::text,
       transactions, rows,
       extract(epoch FROM now() - applied_at)::float8 AS since_applied,
       source_lsn,
       greatest(extract(epoch FROM applied_at - source_commit_at)::float8, 0) AS lag_seconds
FROM _godwit.replication
ORDER BY slot_name
