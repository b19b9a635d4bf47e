update _godwit.runs set snapshot = $2 where run_id = $1
