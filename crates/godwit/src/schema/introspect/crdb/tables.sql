-- Tables in the given schemas. $1: schema names (text[]).
--
-- CockroachDB has one table kind, relkind 'r' (pg_catalog.go, pgCatalogClassTable; views are
-- 'v', materialized views 'm', sequences 'S', indexes 'i', composite types 'c').
-- relpersistence is 'p' or 't' (temporary). reloptions holds the table's storage parameters as
-- name=value (ttl=on, ttl_expire_after='...', schema_locked=true, ...). relrowsecurity and
-- relforcerowsecurity come from the descriptor (row-level security exists from v25.2).
-- reltuples is always NULL: the row estimate is read by table_details.sql.
select n.nspname::text as schema,
       c.relname::text as name,
       c.relpersistence::text as persistence,
       coalesce(r.rolname::text, '') as owner,
       coalesce(c.relrowsecurity, false) as row_security,
       coalesce(c.relforcerowsecurity, false) as force_row_security,
       coalesce(c.reloptions, '{}')::text[] as options
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_roles r on r.oid = c.relowner
where c.relkind = 'r'
  and n.nspname = any($1::text[])
order by n.nspname, c.relname
