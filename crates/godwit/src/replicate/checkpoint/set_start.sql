update _godwit.replication set start_lsn = $2, applied_lsn = $2
where slot_name = $1 and applied_lsn is null
