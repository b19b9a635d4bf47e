delete from _godwit.replication_held
where slot_name = $1 and schema_name = $2 and table_name = $3
