select run_id, slot_name, publication, consistent_lsn
from _godwit.runs
where status = 'done' and slot_name is not null and consistent_lsn is not null
order by started_at desc
limit 1
