-- Range types in the given schemas (their multirange types are implied and not listed).
-- $1: schema names (text[]).
select n.nspname::text as schema,
       t.typname::text as name,
       format_type(r.rngsubtype, null) as subtype,
       ocn.nspname::text as opclass_schema,
       opc.opcname::text as opclass_name,
       cn.nspname::text as collation_schema,
       co.collname::text as collation_name,
       nullif(r.rngcanonical, 0)::regproc::text as canonical,
       nullif(r.rngsubdiff, 0)::regproc::text as subtype_diff,
       pg_get_userbyid(t.typowner)::text as owner
from pg_range r
join pg_type t on t.oid = r.rngtypid
join pg_namespace n on n.oid = t.typnamespace
join pg_opclass opc on opc.oid = r.rngsubopc
join pg_namespace ocn on ocn.oid = opc.opcnamespace
left join pg_collation co on co.oid = r.rngcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e'
  )
order by n.nspname, t.typname
