insert into _godwit.replication_tables (slot_name, schema_name, table_name)
values {rows}
on conflict (slot_name, schema_name, table_name) do nothing
