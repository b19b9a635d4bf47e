-- Triggers on tables in the given schemas (v25.3+), as CREATE TRIGGER statements that the
-- caller parses. pg_trigger is always empty (pg_catalog.go, pgCatalogTriggerTable); the
-- statements come from crdb_internal.create_trigger_statements, whose rows carry the
-- database_name, schema_name, table_id (the table's descriptor ID, also its pg_class.oid),
-- trigger_id and create_statement (sem/builtins, show_create_all_triggers.go). The statement
-- is printed by tree.CreateTrigger.Format: CREATE TRIGGER name {BEFORE | AFTER | INSTEAD OF}
-- event [OR ...] ON table [REFERENCING ...] FOR EACH {ROW | STATEMENT} [WHEN expr]
-- EXECUTE FUNCTION func('arg', ...). $1: schema names (text[]).
select n.nspname::text as schema,
       c.relname::text as relation,
       t.create_statement::text as definition
from crdb_internal.create_trigger_statements t
join pg_class c on c.oid = t.table_id::oid
join pg_namespace n on n.oid = c.relnamespace
where t.database_name = current_database()
  and n.nspname = any($1::text[])
order by n.nspname, c.relname, t.trigger_id
