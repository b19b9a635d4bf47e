-- Every schema except those an extension created; the filter is applied by the caller.
select n.nspname::text as name,
       pg_get_userbyid(n.nspowner)::text as owner
from pg_namespace n
where not exists (
    select from pg_depend d
    where d.classid = 'pg_namespace'::regclass and d.objid = n.oid and d.deptype = 'e'
)
order by n.nspname
