-- Tables of every kind (regular, partitioned, foreign) in the given schemas, except tables
-- that belong to an extension. $1: schema names (text[]).
select n.nspname::text as schema,
       c.relname::text as name,
       c.relkind::text as kind,
       c.relpersistence::text as persistence,
       pn.nspname::text as parent_schema,
       pc.relname::text as parent_name,
       pg_get_expr(c.relpartbound, c.oid) as partition_bound,
       coalesce((
           select jsonb_agg(jsonb_build_object('schema', ihn.nspname, 'name', ihc.relname)
                            order by ih.inhseqno)
           from pg_inherits ih
           join pg_class ihc on ihc.oid = ih.inhparent
           join pg_namespace ihn on ihn.oid = ihc.relnamespace
           where ih.inhrelid = c.oid and not c.relispartition
       ), '[]'::jsonb) as inherits,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
       fs.srvname::text as foreign_server,
       pg_get_userbyid(c.relowner)::text as owner,
       case when c.reltuples >= 0 then c.reltuples::int8 end as estimated_rows,
       pg_total_relation_size(c.oid)::int8 as total_bytes,
       c.relreplident::text as replica_identity,
       ric.relname::text as replica_identity_index,
       c.relrowsecurity as row_security,
       c.relforcerowsecurity as force_row_security,
       coalesce(c.reloptions, '{}')::text[] as options
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_inherits pi on c.relispartition and pi.inhrelid = c.oid
left join pg_class pc on pc.oid = pi.inhparent
left join pg_namespace pn on pn.oid = pc.relnamespace
left join pg_foreign_table ft on ft.ftrelid = c.oid
left join pg_foreign_server fs on fs.oid = ft.ftserver
left join pg_index rii on c.relreplident = 'i' and rii.indrelid = c.oid and rii.indisreplident
left join pg_class ric on ric.oid = rii.indexrelid
where c.relkind in ('r', 'p', 'f')
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname
