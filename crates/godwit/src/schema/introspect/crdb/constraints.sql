-- Primary key, unique, foreign-key and check constraints of tables in the given schemas.
-- $1: schema names (text[]).
--
-- pg_constraint (pg_catalog.go, populateTableConstraints): contype 'p', 'u', 'f' or 'c'. It
-- lists every unique index as a unique constraint too ('u' with conindid set); CockroachDB
-- does not tell a UNIQUE constraint from a UNIQUE INDEX (SHOW CREATE prints both as UNIQUE
-- INDEX), so those rows are left out and the index alone describes them, as
-- schema::parse::crdb does. UNIQUE WITHOUT INDEX constraints are 'u' rows with conindid 0 and
-- conkey NULL; their columns come from information_schema.key_column_usage, which lists them.
-- A primary key's conkey includes the implicit key columns of its index (a hash shard column,
-- crdb_region), so its columns are the explicit key columns of information_schema.statistics
-- (storing and implicit both NO, in seq_in_index order). conkey and confkey hold column
-- numbers; condef holds the constraint text that pg_get_constraintdef would look up row by row
-- (pg_builtins.go, makePGGetConstraintDef). confmatchtype, confupdtype and confdeltype use
-- PostgreSQL's codes and are NULL for other kinds. condeferrable is always false and
-- connoinherit always true (CockroachDB has neither deferrable constraints nor inheritance). A
-- primary key over only hidden columns (rowid) is listed while the session variable
-- show_primary_key_constraint_on_not_visible_columns is on, its default.
with conkeys as (
    select con.oid,
           array_agg(a.attname::text order by k.ord) as columns
    from pg_constraint con
    cross join lateral unnest(con.conkey) with ordinality as k (attnum, ord)
    join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
    group by con.oid
),
confkeys as (
    select con.oid,
           array_agg(a.attname::text order by k.ord) as columns
    from pg_constraint con
    cross join lateral unnest(con.confkey) with ordinality as k (attnum, ord)
    join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
    where con.contype = 'f'
    group by con.oid
),
index_keys as (
    select s.table_schema,
           s.table_name,
           s.index_name,
           array_agg(s.column_name::text order by s.seq_in_index) as columns
    from information_schema.statistics s
    where s.table_schema = any($1::text[])
      and s.storing = 'NO'
      and s.implicit = 'NO'
    group by s.table_schema, s.table_name, s.index_name
),
key_usage as (
    select kcu.table_schema,
           kcu.table_name,
           kcu.constraint_name,
           array_agg(kcu.column_name::text order by kcu.ordinal_position) as columns
    from information_schema.key_column_usage kcu
    where kcu.table_schema = any($1::text[])
    group by kcu.table_schema, kcu.table_name, kcu.constraint_name
)
select n.nspname::text as schema,
       c.relname::text as relation,
       con.conname::text as name,
       con.contype::text as kind,
       coalesce(
           case when con.contype = 'p' then ik.columns end, ck.columns, u.columns, '{}'::text[]
       ) as columns,
       coalesce(con.condef, '')::text as definition,
       case when con.contype in ('p', 'u') then ic.relname::text end as index_name,
       fn.nspname::text as ref_schema,
       fc.relname::text as ref_table,
       coalesce(fk.columns, '{}'::text[]) as ref_columns,
       coalesce(con.confmatchtype::text, 's') as match_type,
       coalesce(con.confupdtype::text, 'a') as on_update,
       coalesce(con.confdeltype::text, 'a') as on_delete,
       case when con.contype = 'c' then pg_get_expr(con.conbin, con.conrelid) end as check_expr,
       coalesce(con.convalidated, true) as validated
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join conkeys ck on ck.oid = con.oid
left join confkeys fk on fk.oid = con.oid
left join key_usage u on u.table_schema = n.nspname
     and u.table_name = c.relname
     and u.constraint_name = con.conname
left join pg_class ic on ic.oid = con.conindid and con.contype in ('p', 'u')
left join index_keys ik on ik.table_schema = n.nspname
     and ik.table_name = c.relname
     and ik.index_name = ic.relname
left join pg_class fc on fc.oid = con.confrelid and con.contype = 'f'
left join pg_namespace fn on fn.oid = fc.relnamespace
where con.contype in ('p', 'u', 'f', 'c')
  and not (con.contype = 'u' and coalesce(con.conindid::int8, 0) <> 0)
  and c.relkind = 'r'
  and n.nspname = any($1::text[])
order by n.nspname, c.relname, con.conname
