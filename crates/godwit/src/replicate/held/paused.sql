select schema_name, table_name
from _godwit.replication_tables
where slot_name = $1 and state = 'paused'
order by schema_name, table_name
