update _godwit.runs set snapshot = $2, status = 'running', finished_at = null
where run_id = $1
returning run_id
