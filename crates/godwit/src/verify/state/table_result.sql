insert into _godwit.verification_tables
    (run_id, table_schema, table_name, method, source_rows, target_rows, matched, missing,
     extraneous, mismatched, live_retry, mismatched_columns, error)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
