update _godwit.runs set status = $2, finished_at = case when $2 = 'running' then null else now() end
where run_id = $1
