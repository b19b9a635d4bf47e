-- Row-level security policies on tables in the given schemas (v25.2+). $1: schema names
-- (text[]).
--
-- pg_policy (row_level_security logic test): polcmd '*', 'r', 'a', 'w' or 'd'; polpermissive;
-- polroles holds role OIDs, 0 standing for PUBLIC; polqual and polwithcheck are the
-- expressions as text. Its oid column counts policies per table, so policies are keyed by
-- table and name only. PUBLIC comes back as NULL, first.
select n.nspname::text as schema,
       c.relname::text as relation,
       p.polname::text as name,
       p.polcmd::text as command,
       p.polpermissive as permissive,
       array(
           select rr.rolname::text
           from unnest(p.polroles) as pr (role_oid)
           left join pg_roles rr on pr.role_oid::int8 <> 0 and rr.oid = pr.role_oid
           order by rr.rolname nulls first
       ) as roles,
       pg_get_expr(p.polqual, p.polrelid) as using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
order by n.nspname, c.relname, p.polname
