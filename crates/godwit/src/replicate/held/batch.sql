select seq, lsn, kind, column_names, key_flags, replica_identity, new_values, new_flags, old_kind,
       old_values, old_flags, options
from _godwit.replication_held
where slot_name = $1 and schema_name = $2 and table_name = $3 and seq > $4
order by seq
limit {limit}
