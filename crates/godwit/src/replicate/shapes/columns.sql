select a.attname::text,
       en.nspname::text,
       et.typname::text,
       (t.typcategory = 'A' and t.typelem <> 0) as is_array,
       coalesce((select k.position
                 from pg_index i, unnest(i.indkey::int2[]) with ordinality as k (attnum, position)
                 where i.indrelid = c.oid and i.indisprimary and k.attnum = a.attnum),
                0)::int4 as key_position,
       a.attidentity = 'a' as identity_always,
       a.attnotnull and not a.atthasdef and a.attidentity = '' and a.attgenerated = '' as required
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid
join pg_type t on t.oid = a.atttypid
join pg_type et on et.oid = case when t.typcategory = 'A' and t.typelem <> 0 then t.typelem else t.oid end
join pg_namespace en on en.oid = et.typnamespace
where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p') and a.attnum > 0
      and not a.attisdropped
order by a.attnum
