-- Domains in the given schemas, with their check constraints. $1: schema names (text[]).
--
-- Only contype 'c' rows are checks: PostgreSQL 17 also stores a domain's NOT NULL as a
-- pg_constraint row (contype 'n'), which typnotnull already reports.
select n.nspname::text as schema,
       t.typname::text as name,
       format_type(t.typbasetype, t.typtypmod) as base_type,
       t.typnotnull as not_null,
       pg_get_expr(t.typdefaultbin, 0) as default_expr,
       cn.nspname::text as collation_schema,
       co.collname::text as collation_name,
       coalesce((
           select jsonb_agg(jsonb_build_object(
                      'name', con.conname,
                      'expression', pg_get_expr(con.conbin, 0),
                      'validated', con.convalidated
                  ) order by con.conname)
           from pg_constraint con
           where con.contypid = t.oid and con.contype = 'c'
       ), '[]'::jsonb) as checks,
       pg_get_userbyid(t.typowner)::text as owner
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
join pg_type bt on bt.oid = t.typbasetype
left join pg_collation co on co.oid = t.typcollation and t.typcollation <> bt.typcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where t.typtype = 'd'
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e'
  )
order by n.nspname, t.typname
