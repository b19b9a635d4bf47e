-- Whether the table has a unique index other than its primary key, or an exclusion
-- constraint: then the order of changes to different keys matters (a swap of two values of a
-- unique column must run in its order), and the table's changes are applied as they came.
select exists (
    select 1
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1 and c.relname = $2
      and ((i.indisunique and not i.indisprimary) or i.indisexclusion)
)
