-- Primary key, unique, foreign-key, check and exclusion constraints of tables in the given
-- schemas. $1: schema names (text[]).
--
-- Not-null constraints (contype 'n', PostgreSQL 18) and constraint triggers ('t') are not
-- listed here. A foreign key that references a partitioned table gets one extra internal row
-- per referenced partition, on the same referencing table, whose conparentid points at the
-- real constraint: those rows are skipped. Clones on partitions (conparentid pointing at a
-- constraint of the partitioned table) are real constraints and are kept, marked inherited.
-- indnullsnotdistinct exists from PostgreSQL 15 on; to_jsonb reads it without naming it.
select n.nspname::text as schema,
       c.relname::text as relation,
       con.conname::text as name,
       con.contype::text as kind,
       array(
           select a.attname::text
           from unnest(con.conkey) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
           order by k.ord
       ) as columns,
       pg_get_constraintdef(con.oid) as definition,
       case when con.contype in ('p', 'u', 'x') then ic.relname::text end as index_name,
       coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::bool, false) as nulls_not_distinct,
       fn.nspname::text as ref_schema,
       fc.relname::text as ref_table,
       array(
           select a.attname::text
           from unnest(con.confkey) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
           order by k.ord
       ) as ref_columns,
       con.confmatchtype::text as match_type,
       con.confupdtype::text as on_update,
       con.confdeltype::text as on_delete,
       case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end as check_expr,
       array(
           select o.oprname::text
           from unnest(con.conexclop) with ordinality k(opr, ord)
           join pg_operator o on o.oid = k.opr
           order by k.ord
       ) as exclusion_operators,
       con.condeferrable as deferrable,
       con.condeferred as initially_deferred,
       con.convalidated as validated,
       con.contype = 'c' and con.connoinherit as no_inherit,
       not con.conislocal as inherited
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class ic on ic.oid = con.conindid
left join pg_index ix on ix.indexrelid = con.conindid and con.contype in ('p', 'u')
left join pg_class fc on fc.oid = con.confrelid
left join pg_namespace fn on fn.oid = fc.relnamespace
where con.contype in ('p', 'u', 'f', 'c', 'x')
  and c.relkind in ('r', 'p', 'f')
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_constraint pcon
      where pcon.oid = con.conparentid and pcon.conrelid = con.conrelid
  )
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname, con.conname
