-- Triggers on tables and views in the given schemas. $1: schema names (text[]).
--
-- Internal triggers (foreign-key enforcement, deferred unique checks) are left out. A
-- partition's copy of a trigger defined on its partitioned table is kept and marked
-- inherited: PostgreSQL 15+ stores it with tgisinternal false, 13 and 14 with tgisinternal
-- true, so a row with a parent trigger and no constraint is kept either way (tgparentid
-- exists from 13 on; to_jsonb reads it without naming it).
-- tgtype bits and tgargs (NUL-separated bytes) are decoded by the caller. The WHEN condition
-- is not stored as text and pg_get_expr cannot print it (it refers to OLD and NEW), so it is
-- cut out of pg_get_triggerdef with the pattern information_schema.triggers uses.
select n.nspname::text as schema,
       c.relname::text as relation,
       t.tgname::text as name,
       t.tgtype::int4 as type_bits,
       array(
           select a.attname::text
           from unnest(t.tgattr::int2[]) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = k.attnum
           order by k.ord
       ) as update_columns,
       pn.nspname::text as function_schema,
       p.proname::text as function_name,
       t.tgnargs::int4 as argument_count,
       t.tgargs as arguments,
       case when t.tgqual is not null then
           (regexp_match(pg_get_triggerdef(t.oid), '.{35,} WHEN \((.+)\) EXECUTE FUNCTION'))[1]
       end as condition,
       t.tgoldtable::text as old_table,
       t.tgnewtable::text as new_table,
       t.tgenabled::text as enabled,
       t.tgconstraint <> 0 as is_constraint,
       coalesce((to_jsonb(t) ->> 'tgparentid')::oid <> 0, false) as inherited,
       pg_get_triggerdef(t.oid) as definition
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_proc p on p.oid = t.tgfoid
join pg_namespace pn on pn.oid = p.pronamespace
where (not t.tgisinternal
       or (coalesce((to_jsonb(t) ->> 'tgparentid')::oid <> 0, false) and t.tgconstraint = 0))
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname, t.tgname
