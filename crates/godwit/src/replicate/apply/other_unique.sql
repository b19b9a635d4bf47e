-- Whether the table has a unique index other than its primary key, or an exclusion
-- constraint: then the order of changes to different keys matters (a swap of two values of a
-- unique column must run in its order), and the table's changes are applied as they came.
-- And whether row-level security applies to this session on it: `COPY FROM` refuses such a
-- table (0A000), so its new rows are upserted.
select exists (
    select 1
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1 and c.relname = $2
      and ((i.indisunique and not i.indisprimary) or i.indisexclusion)
), coalesce((
    select row_security_active(c.oid)
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1 and c.relname = $2
), false)
