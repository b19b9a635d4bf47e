insert into _godwit.replication_held
    (slot_name, seq, schema_name, table_name, lsn, kind, column_names, key_flags, replica_identity,
     new_values, new_flags, old_kind, old_values, old_flags, options)
values {rows}
