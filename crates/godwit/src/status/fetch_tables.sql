SELECT table_schema, table_name,
       count(*)::int8 AS shards,
       count(*) FILTER (WHERE status = 'done')::int8 AS done,
       count(*) FILTER (WHERE status = 'failed')::int8 AS failed,
       coalesce(sum(rows) FILTER (WHERE status = 'done'), 0)::int8 AS rows
FROM _godwit.shards
WHERE run_id = $1
GROUP BY table_schema, table_name
ORDER BY table_schema, table_name
