select exists (select from _godwit.runs where run_id = $1)
