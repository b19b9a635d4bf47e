-- Composite types created with CREATE TYPE ... AS (...) in the given schemas (v23.1+).
-- $1: schema names (text[]).
--
-- A user-defined composite type is a pg_type row with typtype 'c' whose typrelid is its own
-- OID, and its attributes are pg_attribute rows with that OID as attrelid; the row types of
-- tables also have typtype 'c' but point typrelid at the table (pg_catalog.go, addPGTypeRow
-- and addPGAttributeRowForCompositeType). Attribute types are printed as in columns.sql.
with type_attributes as (
    select a.attrelid,
           jsonb_agg(jsonb_build_object(
               'name', a.attname,
               'data_type',
               case when coalesce(etn.nspname, 'pg_catalog') = 'pg_catalog'
                    then format_type(a.atttypid, a.atttypmod)
                    else quote_ident(etn.nspname::text) || '.' || quote_ident(et.typname::text)
                         || case when atp.typcategory = 'A' then '[]' else '' end
               end
           ) order by a.attnum) as attributes
    from pg_attribute a
    join pg_type ct on ct.oid = a.attrelid and ct.typtype = 'c' and ct.typrelid = ct.oid
    left join pg_type atp on atp.oid = a.atttypid
    left join pg_type et on et.oid = case when atp.typcategory = 'A'
                                          then atp.typelem else atp.oid end
    left join pg_namespace etn on etn.oid = et.typnamespace
    where a.attnum > 0
    group by a.attrelid
)
select n.nspname::text as schema,
       t.typname::text as name,
       coalesce(attrs.attributes, '[]'::jsonb) as attributes,
       coalesce(r.rolname::text, '') as owner
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
left join type_attributes attrs on attrs.attrelid = t.oid
left join pg_roles r on r.oid = t.typowner
where t.typtype = 'c'
  and t.typrelid = t.oid
  and n.nspname = any($1::text[])
order by n.nspname, t.typname
