SELECT run_id, status, started_at::text, finished_at::text, slot_name, consistent_lsn
FROM _godwit.runs
ORDER BY started_at DESC
LIMIT 5
