-- Enum types in the given schemas, labels in sort order. $1: schema names (text[]).
select n.nspname::text as schema,
       t.typname::text as name,
       array(
           select e.enumlabel::text from pg_enum e
           where e.enumtypid = t.oid
           order by e.enumsortorder
       ) as labels,
       pg_get_userbyid(t.typowner)::text as owner
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
where t.typtype = 'e'
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e'
  )
order by n.nspname, t.typname
