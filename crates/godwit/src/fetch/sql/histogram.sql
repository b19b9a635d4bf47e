-- The first key column's histogram from ANALYZE (no row without statistics): its bounds read
-- back as the column's type and sorted with the column's own ordering (`u.b`, qualified: a
-- bare `b` would name the text output column and sort the text).
SELECT s.n_distinct::float8,
       array(SELECT b::text FROM unnest(s.histogram_bounds::text::{type}[]) AS u (b)
             ORDER BY u.b{collate})
FROM pg_catalog.pg_stats AS s
WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname = $3 AND NOT s.inherited
