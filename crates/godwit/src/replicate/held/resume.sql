update _godwit.replication_tables
set state = 'replicating', reason = null, column_name = null, hint = null, since_lsn = null,
    since = null, held = 0, updated_at = now()
where slot_name = $1 and schema_name = $2 and table_name = $3
