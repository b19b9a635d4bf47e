select coalesce(max(seq), 0)::int8 + 1
from _godwit.replication_held
where slot_name = $1
