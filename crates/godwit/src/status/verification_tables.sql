SELECT table_schema, table_name, method, source_rows, matched, missing, extraneous, mismatched,
       live_retry, mismatched_columns, error
FROM _godwit.verification_tables
WHERE run_id = $1
ORDER BY table_schema, table_name
