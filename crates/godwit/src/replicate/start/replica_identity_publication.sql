select n.nspname, c.relname, c.relreplident::text,
       exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as has_pk
from pg_publication_tables p
join pg_namespace n on n.nspname = p.schemaname
join pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
where p.pubname = $1
order by 1, 2
