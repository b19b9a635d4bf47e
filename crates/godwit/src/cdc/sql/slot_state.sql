select plugin, database, active, confirmed_flush_lsn::text
from pg_replication_slots
where slot_name = $1
