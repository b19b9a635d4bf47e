-- Every comment on an object in the given schemas, keyed by object kind and names so that
-- comments can be attached to the model without OIDs. $1: schema names (text[]).
--
-- pg_description is a view over crdb_internal.kv_catalog_comments (vtable/pg_catalog.go,
-- PGCatalogDescription) whose classoid is the OID of the pg_catalog table the object lives in,
-- so the PostgreSQL joins work: objoid is the OID of the matching pg_namespace, pg_class
-- (tables, views, sequences and, with objsubid 0, indexes), pg_constraint, pg_type or pg_proc
-- row and objsubid a column's attribute number (pg_catalog.go, pg_description before v23.1
-- and getOIDFromConstraint; information_schema.go keys column comments the same way).
-- Comments on built-in functions (classoid pg_proc, schema pg_catalog) fall outside the schema
-- list. Columns: kind, schema, parent (the table an object belongs to), name, detail (a
-- routine's identity arguments), description. CockroachDB has no trigger, rule, policy or
-- extension comments to read.
select 'schema' as kind, n.nspname::text as schema, null::text as parent,
       n.nspname::text as name, null::text as detail, d.description::text as description
from pg_description d
join pg_namespace n on d.classoid = 'pg_namespace'::regclass and d.objoid = n.oid
where n.nspname = any($1::text[])
union all
select case when d.objsubid = 0 then 'relation' else 'column' end,
       n.nspname::text,
       case when d.objsubid = 0 then null else c.relname::text end,
       case when d.objsubid = 0 then c.relname::text else a.attname::text end,
       null::text, d.description::text
from pg_description d
join pg_class c on d.classoid = 'pg_class'::regclass and d.objoid = c.oid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
where c.relkind in ('r', 'v', 'm', 'S')
  and (d.objsubid = 0 or a.attname is not null)
  and n.nspname = any($1::text[])
union all
select 'index', n.nspname::text, tc.relname::text, c.relname::text, null::text,
       d.description::text
from pg_description d
join pg_class c on d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid = 0
join pg_namespace n on n.oid = c.relnamespace
join pg_index i on i.indexrelid = c.oid
join pg_class tc on tc.oid = i.indrelid
where n.nspname = any($1::text[])
union all
select 'constraint', n.nspname::text, c.relname::text, con.conname::text, null::text,
       d.description::text
from pg_description d
join pg_constraint con on d.classoid = 'pg_constraint'::regclass and d.objoid = con.oid
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
union all
select 'type', n.nspname::text, null::text, t.typname::text, null::text, d.description::text
from pg_description d
join pg_type t on d.classoid = 'pg_type'::regclass and d.objoid = t.oid
join pg_namespace n on n.oid = t.typnamespace
where n.nspname = any($1::text[])
union all
select 'routine', n.nspname::text, null::text, p.proname::text,
       coalesce(pg_get_function_identity_arguments(p.oid), '')::text, d.description::text
from pg_description d
join pg_proc p on d.classoid = 'pg_proc'::regclass and d.objoid = p.oid
join pg_namespace n on n.oid = p.pronamespace
where n.nspname = any($1::text[])
order by 1, 2, 3, 4, 5
