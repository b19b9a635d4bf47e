select run_id from _godwit.runs where status = 'running' order by started_at desc limit 1
