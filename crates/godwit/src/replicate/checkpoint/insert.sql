insert into _godwit.replication (slot_name, publication, origin, run_id, source, start_lsn, applied_lsn)
values ($1, $2, $3, $4, $5, $6, $6)
on conflict (slot_name) do nothing
