select schemaname::text, tablename::text
from pg_publication_tables
where pubname = $1
order by 1, 2
