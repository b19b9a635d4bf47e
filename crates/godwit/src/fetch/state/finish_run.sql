update _godwit.runs set finished_at = now(), status = $2 where run_id = $1
