SELECT run_id, mode, status, started_at::text, finished_at::text
FROM _godwit.verifications
ORDER BY started_at DESC
LIMIT 1
