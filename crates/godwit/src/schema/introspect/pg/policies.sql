-- Row-level security policies on tables in the given schemas. $1: schema names (text[]).
--
-- polroles holds role OIDs, 0 standing for PUBLIC; PUBLIC comes back as NULL, first.
select n.nspname::text as schema,
       c.relname::text as relation,
       p.polname::text as name,
       p.polcmd::text as command,
       p.polpermissive as permissive,
       array(
           select case when r.oid <> 0 then pg_get_userbyid(r.oid)::text end
           from unnest(p.polroles) r(oid)
           order by 1 nulls first
       ) as roles,
       pg_get_expr(p.polqual, p.polrelid) as using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname, p.polname
