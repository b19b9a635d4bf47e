insert into _godwit.exceptions (run_id, stage, table_schema, table_name, sqlstate, message)
values ($1, $2, $3, $4, $5, $6)
