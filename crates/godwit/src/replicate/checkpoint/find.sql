select slot_name, publication, origin, run_id, start_lsn, applied_lsn
from _godwit.replication
where slot_name = $1
