-- Indexes of tables and materialized views in the given schemas, with one JSON object per key
-- part. $1: schema names (text[]).
--
-- Key parts: indkey holds indnatts attribute numbers (0 for an expression); indclass,
-- indcollation and indoption hold one entry per key column (the first indnkeyatts), the rest
-- of indkey are INCLUDE columns. indoption bit 0 is DESC, bit 1 NULLS FIRST.
-- An operator class is reported only when it is not the default: a default opclass for which
-- no other default opclass of the same access method matches the key type exactly (this
-- mirrors GetDefaultOpClass, which also accepts binary-coercible types such as varchar for
-- text_ops). A collation is reported when it differs from the column's collation (for
-- expressions, from the default collation of the expression's type).
-- indnullsnotdistinct exists from PostgreSQL 15 on; to_jsonb reads it without naming it.
select n.nspname::text as schema,
       c.relname::text as relation,
       i.relname::text as name,
       am.amname::text as method,
       ix.indisunique as is_unique,
       ix.indisprimary as is_primary,
       coalesce((
           select jsonb_agg(jsonb_build_object(
                      'column', ta.attname,
                      'expression', case when k.attnum = 0
                                         then pg_get_indexdef(ix.indexrelid, k.ord::int, false) end,
                      'opclass_schema', case when oc.explicit then ocn.nspname end,
                      'opclass', case when oc.explicit then opc.opcname end,
                      'collation_schema', cln.nspname,
                      'collation', cl.collname,
                      'descending', (k.opt & 1) <> 0,
                      'nulls_first', (k.opt & 2) <> 0
                  ) order by k.ord)
           from unnest(ix.indkey::int2[], ix.indclass::oid[], ix.indcollation::oid[],
                       ix.indoption::int2[]) with ordinality k(attnum, opclass, coll, opt, ord)
           left join pg_attribute ta on k.attnum <> 0
                and ta.attrelid = ix.indrelid and ta.attnum = k.attnum
           left join pg_attribute ia on ia.attrelid = ix.indexrelid and ia.attnum = k.ord
           left join pg_type it on it.oid = ia.atttypid
           left join pg_opclass opc on opc.oid = k.opclass
           left join pg_namespace ocn on ocn.oid = opc.opcnamespace
           cross join lateral (
               select not opc.opcdefault or exists (
                   select from pg_opclass o2
                   where o2.opcmethod = opc.opcmethod and o2.opcdefault
                     and o2.opcintype = coalesce(ta.atttypid, ia.atttypid)
                     and o2.oid <> opc.oid
               ) as explicit
           ) oc
           left join pg_collation cl on k.coll <> 0
                and k.coll <> coalesce(ta.attcollation, it.typcollation)
                and cl.oid = k.coll
           left join pg_namespace cln on cln.oid = cl.collnamespace
           where k.ord <= ix.indnkeyatts
       ), '[]'::jsonb) as keys,
       array(
           select a.attname::text
           from unnest(ix.indkey::int2[]) with ordinality k(attnum, ord)
           join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum
           where k.ord > ix.indnkeyatts
           order by k.ord
       ) as include,
       pg_get_expr(ix.indpred, ix.indrelid) as predicate,
       coalesce((to_jsonb(ix) ->> 'indnullsnotdistinct')::bool, false) as nulls_not_distinct,
       (
           select con.conname::text
           from pg_constraint con
           where con.conindid = ix.indexrelid and con.conrelid = ix.indrelid
             and con.contype in ('p', 'u', 'x')
       ) as constraint_name,
       ix.indisvalid as valid,
       exists (select from pg_inherits ih where ih.inhrelid = ix.indexrelid) as inherited,
       coalesce(i.reloptions, '{}')::text[] as options,
       pg_get_indexdef(ix.indexrelid) as definition
from pg_index ix
join pg_class i on i.oid = ix.indexrelid
join pg_am am on am.oid = i.relam
join pg_class c on c.oid = ix.indrelid
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm')
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname, i.relname
