-- The CREATE PROCEDURE statement of each procedure in the given schemas (v23.2+), keyed as in
-- function_definitions.sql; crdb_internal.create_procedure_statements has the same columns
-- with procedure_id and procedure_name (crdb_internal.go). $1: schema names (text[]).
select (p.procedure_id + 100000)::int8 as oid,
       p.create_statement::text as definition
from crdb_internal.create_procedure_statements p
where p.database_name = current_database()
  and p.schema_name = any($1::text[])
