select n.nspname, c.relname, c.relreplident::text,
       exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as has_pk
from unnest($1::text[], $2::text[]) as t (schema_name, table_name)
join pg_namespace n on n.nspname = t.schema_name
join pg_class c on c.relnamespace = n.oid and c.relname = t.table_name
order by 1, 2
