SELECT slot_name, schema_name, table_name, state, reason, column_name, hint, since_lsn,
       since::text, extract(epoch FROM now() - since)::float8 AS paused_seconds, held,
       applied_rows, last_applied_lsn, updated_at::text
FROM _godwit.replication_tables
ORDER BY slot_name, schema_name, table_name
