insert into _godwit.replication_tables as t
    (slot_name, last_applied_lsn, schema_name, table_name, applied_rows, held)
values {rows}
on conflict (slot_name, schema_name, table_name) do update
set applied_rows = t.applied_rows + excluded.applied_rows,
    held = t.held + excluded.held,
    last_applied_lsn = case when excluded.applied_rows > 0 then excluded.last_applied_lsn
                            else t.last_applied_lsn end,
    updated_at = now()
