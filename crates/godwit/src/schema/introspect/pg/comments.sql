-- Every comment on an object in the given schemas (plus extension comments), keyed by object
-- kind and names so that comments can be attached to the model without OIDs.
-- $1: schema names (text[]).
--
-- Columns: kind, schema, parent (the table, view or domain an object belongs to), name,
-- detail (a routine's identity arguments), description. Comments on objects the model does not
-- list (extension members, composite type attributes) are returned too and ignored.
select 'schema' as kind, n.nspname::text as schema, null::text as parent,
       n.nspname::text as name, null::text as detail, d.description
from pg_description d
join pg_namespace n on d.classoid = 'pg_namespace'::regclass and d.objoid = n.oid
where n.nspname = any($1::text[])
union all
select case when d.objsubid = 0 then 'relation' else 'column' end,
       n.nspname::text,
       case when d.objsubid = 0 then null else c.relname::text end,
       case when d.objsubid = 0 then c.relname::text else a.attname::text end,
       null, d.description
from pg_description d
join pg_class c on d.classoid = 'pg_class'::regclass and d.objoid = c.oid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
  and (d.objsubid = 0 or a.attname is not null)
  and n.nspname = any($1::text[])
union all
select 'index', n.nspname::text, tc.relname::text, c.relname::text, null, d.description
from pg_description d
join pg_class c on d.classoid = 'pg_class'::regclass and d.objoid = c.oid and d.objsubid = 0
join pg_namespace n on n.oid = c.relnamespace
join pg_index i on i.indexrelid = c.oid
join pg_class tc on tc.oid = i.indrelid
where n.nspname = any($1::text[])
union all
select case when con.contypid <> 0 then 'domain_constraint' else 'constraint' end,
       n.nspname::text, coalesce(c.relname, t.typname)::text, con.conname::text, null,
       d.description
from pg_description d
join pg_constraint con on d.classoid = 'pg_constraint'::regclass and d.objoid = con.oid
join pg_namespace n on n.oid = con.connamespace
left join pg_class c on c.oid = con.conrelid
left join pg_type t on t.oid = con.contypid
where n.nspname = any($1::text[])
union all
select 'type', n.nspname::text, null, t.typname::text, null, d.description
from pg_description d
join pg_type t on d.classoid = 'pg_type'::regclass and d.objoid = t.oid
join pg_namespace n on n.oid = t.typnamespace
where n.nspname = any($1::text[])
union all
select 'routine', n.nspname::text, null, p.proname::text,
       pg_get_function_identity_arguments(p.oid), d.description
from pg_description d
join pg_proc p on d.classoid = 'pg_proc'::regclass and d.objoid = p.oid
join pg_namespace n on n.oid = p.pronamespace
where n.nspname = any($1::text[])
union all
select 'trigger', n.nspname::text, c.relname::text, t.tgname::text, null, d.description
from pg_description d
join pg_trigger t on d.classoid = 'pg_trigger'::regclass and d.objoid = t.oid
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
union all
select 'rule', n.nspname::text, c.relname::text, r.rulename::text, null, d.description
from pg_description d
join pg_rewrite r on d.classoid = 'pg_rewrite'::regclass and d.objoid = r.oid
join pg_class c on c.oid = r.ev_class
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
union all
select 'policy', n.nspname::text, c.relname::text, p.polname::text, null, d.description
from pg_description d
join pg_policy p on d.classoid = 'pg_policy'::regclass and d.objoid = p.oid
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])
union all
select 'extension', null, null, e.extname::text, null, d.description
from pg_description d
join pg_extension e on d.classoid = 'pg_extension'::regclass and d.objoid = e.oid
order by 1, 2, 3, 4, 5
