-- Rewrite rules on tables and views in the given schemas, without the _RETURN rule that
-- implements each view. $1: schema names (text[]).
select n.nspname::text as schema,
       c.relname::text as relation,
       r.rulename::text as name,
       r.ev_type::text as event,
       r.is_instead as instead,
       r.ev_enabled::text as enabled,
       pg_get_ruledef(r.oid) as definition
from pg_rewrite r
join pg_class c on c.oid = r.ev_class
join pg_namespace n on n.oid = c.relnamespace
where r.rulename <> '_RETURN'
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname, r.rulename
