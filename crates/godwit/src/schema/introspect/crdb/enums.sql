-- Enum types in the given schemas, labels in sort order. $1: schema names (text[]).
--
-- pg_type lists every user-defined type of the current database with typtype 'e' for enums,
-- including the crdb_internal_region enum of multi-region databases; pg_enum has one row per
-- label whose enumsortorder is the label's position (pg_catalog.go, pgCatalogEnumTable).
with enum_labels as (
    select e.enumtypid,
           array_agg(e.enumlabel::text order by e.enumsortorder) as labels
    from pg_enum e
    group by e.enumtypid
)
select n.nspname::text as schema,
       t.typname::text as name,
       coalesce(l.labels, '{}'::text[]) as labels,
       coalesce(r.rolname::text, '') as owner
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
left join enum_labels l on l.enumtypid = t.oid
left join pg_roles r on r.oid = t.typowner
where t.typtype = 'e'
  and n.nspname = any($1::text[])
order by n.nspname, t.typname
