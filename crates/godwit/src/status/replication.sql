SELECT slot_name, publication, run_id, start_lsn, applied_lsn, applied_at::text,
       transactions, rows,
       extract(epoch FROM now() - applied_at)::float8 AS since_applied
FROM _godwit.replication
ORDER BY slot_name
