-- Stand-alone composite types (CREATE TYPE ... AS (...)) in the given schemas; the row types
-- of tables and views are left out (their relation's relkind is not 'c').
-- $1: schema names (text[]).
select n.nspname::text as schema,
       t.typname::text as name,
       coalesce((
           select jsonb_agg(jsonb_build_object(
                      'name', a.attname,
                      'data_type', format_type(a.atttypid, a.atttypmod),
                      'collation_schema', acn.nspname,
                      'collation', aco.collname
                  ) order by a.attnum)
           from pg_attribute a
           join pg_type at on at.oid = a.atttypid
           left join pg_collation aco on aco.oid = a.attcollation
                and a.attcollation <> at.typcollation
           left join pg_namespace acn on acn.oid = aco.collnamespace
           where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped
       ), '[]'::jsonb) as attributes,
       pg_get_userbyid(t.typowner)::text as owner
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
join pg_class c on c.oid = t.typrelid
where t.typtype = 'c'
  and c.relkind = 'c'
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e'
  )
order by n.nspname, t.typname
