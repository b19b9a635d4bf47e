-- Views and materialized views in the given schemas. $1: schema names (text[]).
--
-- The definition is the stored view query (pg_views.definition, pg_matviews.definition;
-- pg_catalog.go prints desc.GetViewQuery(), with database-qualified names and without the
-- column aliases of CREATE VIEW v (a, b)). pg_get_viewdef is not used: CockroachDB's looks the
-- view up by name alone (pg_builtins.go, makePGGetViewDef) and does not cover materialized
-- views. CockroachDB has no check options, security_barrier or security_invoker views, and
-- every materialized view is populated (pg_matviews.ispopulated is always true).
select n.nspname::text as schema,
       c.relname::text as name,
       c.relkind = 'm' as materialized,
       coalesce(v.definition, mv.definition, '')::text as definition,
       coalesce(c.reloptions, '{}')::text[] as options,
       coalesce(r.rolname::text, '') as owner
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_roles r on r.oid = c.relowner
left join pg_views v on c.relkind = 'v'
     and v.schemaname = n.nspname
     and v.viewname = c.relname
left join pg_matviews mv on c.relkind = 'm'
     and mv.schemaname = n.nspname
     and mv.matviewname = c.relname
where c.relkind in ('v', 'm')
  and n.nspname = any($1::text[])
order by n.nspname, c.relname
