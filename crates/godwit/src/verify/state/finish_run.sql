update _godwit.verifications
set finished_at = now(), status = $2, schema_differences = $3, tables = $4,
    differing_tables = $5
where run_id = $1
