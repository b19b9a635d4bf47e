-- The CREATE FUNCTION statement of each user-defined function in the given schemas, keyed by
-- the function's pg_proc OID (descriptor ID + 100000, catid.FuncIDToOID). crdb_internal.go
-- (createRoutinePopulate) prints it as SHOW CREATE FUNCTION does: schema-qualified, with every
-- option spelled out (VOLATILE, NOT LEAKPROOF, CALLED ON NULL INPUT, LANGUAGE, SECURITY
-- INVOKER or DEFINER) and the body between $$. $1: schema names (text[]).
select (f.function_id + 100000)::int8 as oid,
       f.create_statement::text as definition
from crdb_internal.create_function_statements f
where f.database_name = current_database()
  and f.schema_name = any($1::text[])
