insert into _godwit.replication_tables as t
    (slot_name, schema_name, table_name, state, reason, column_name, hint, since_lsn, since)
values ($1, $2, $3, 'paused', $4, $5, $6, $7, now())
on conflict (slot_name, schema_name, table_name) do update
set state = 'paused', reason = excluded.reason, column_name = excluded.column_name,
    hint = excluded.hint, since_lsn = excluded.since_lsn, since = excluded.since,
    updated_at = now()
