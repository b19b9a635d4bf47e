select slot_name, publication, origin, run_id, start_lsn, applied_lsn
from _godwit.replication
order by created_at desc, slot_name
limit 1
