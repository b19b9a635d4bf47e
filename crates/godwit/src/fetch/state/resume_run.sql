update _godwit.runs set status = 'running', finished_at = null
where run_id = $1
returning run_id, slot_name, publication, consistent_lsn
