update _godwit.runs set slot_name = $2, publication = $3, consistent_lsn = $4 where run_id = $1
