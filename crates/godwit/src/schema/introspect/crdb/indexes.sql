-- Indexes of tables and materialized views in the given schemas, with one JSON object per key
-- part. $1: schema names (text[]).
--
-- pg_index (pg_catalog.go, pgCatalogIndexTable) lists every index, the primary one included;
-- indnkeyatts counts the key columns, implicit ones included (hash shard columns and
-- partitioning prefixes such as crdb_region); indexprs is a text array of the key expressions,
-- in key order; indpred is the partial-index predicate as text; indclass and indcollation
-- carry no information. pg_am has two rows (pg_catalog.go, pgCatalogAmTable): prefix (b-tree)
-- and inverted (GIN-like: JSONB, arrays, trigram, spatial).
-- Key parts come from information_schema.statistics (information_schema.go,
-- informationSchemaStatisticsTable): one row per column with its position (seq_in_index), its
-- direction, whether it is stored, whether it is implicit and whether the index is visible to
-- the optimizer (is_visible is NO for NOT VISIBLE and partly visible indexes). Positions up to
-- indnkeyatts are key columns; later stored, non-implicit columns of a secondary index are its
-- STORING columns (the primary index stores every column, and implicit rows after the keys
-- are the primary-key suffix CockroachDB appends). Implicit key columns (a hash shard column,
-- crdb_region) are marked so that the caller can leave them out of the keys. Only a primary
-- key is reported as the constraint of its index (see constraints.sql for unique ones). A key that is not a column of the table is an
-- expression: its name is the inaccessible virtual column behind it, and the caller takes its
-- text from indexprs.
-- The definition is pg_indexes.indexdef, CockroachDB syntax (USING HASH WITH (bucket_count=N),
-- STORING (...), database-qualified table name), read by name instead of through
-- pg_get_indexdef, which scans pg_indexes once per call (pg_builtins.go, makePGGetIndexDef).
with idx as (
    select ix.indexrelid,
           ix.indrelid,
           ix.indnkeyatts::int8 as nkeys,
           ix.indisunique,
           ix.indisprimary,
           ix.indisvalid,
           ix.indexprs,
           ix.indpred,
           n.nspname::text as schema,
           c.relname::text as relation,
           i.relname::text as name,
           coalesce(am.amname::text, 'prefix') as method
    from pg_index ix
    join pg_class i on i.oid = ix.indexrelid
    join pg_class c on c.oid = ix.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_am am on am.oid = i.relam
    where c.relkind in ('r', 'm')
      and n.nspname = any($1::text[])
),
parts as (
    select idx.indexrelid,
           s.seq_in_index::int8 as seq,
           s.column_name::text as column_name,
           ta.attname is not null as is_column,
           coalesce(s.direction = 'DESC', false) as descending,
           coalesce(s.implicit = 'YES', false) as implicit,
           coalesce(s.is_visible = 'NO', false) as not_visible,
           s.seq_in_index <= idx.nkeys as is_key,
           s.storing = 'YES'
               and s.implicit = 'NO'
               and s.seq_in_index > idx.nkeys
               and not idx.indisprimary as is_included
    from idx
    join information_schema.statistics s on s.table_schema = idx.schema
         and s.table_name = idx.relation
         and s.index_name = idx.name
    left join pg_attribute ta on ta.attrelid = idx.indrelid
         and ta.attname = s.column_name
         and ta.attnum > 0
         and not ta.attisdropped
),
key_parts as (
    select parts.indexrelid,
           jsonb_agg(jsonb_build_object(
               'column', parts.column_name,
               'is_column', parts.is_column,
               'descending', parts.descending,
               'implicit', parts.implicit
           ) order by parts.seq) as keys,
           bool_or(parts.not_visible) as not_visible
    from parts
    where parts.is_key
    group by parts.indexrelid
),
included as (
    select parts.indexrelid,
           array_agg(parts.column_name order by parts.seq) as columns
    from parts
    where parts.is_included
    group by parts.indexrelid
)
select idx.schema,
       idx.relation,
       idx.name,
       idx.method,
       idx.indisunique as is_unique,
       idx.indisprimary as is_primary,
       coalesce(kp.keys, '[]'::jsonb) as keys,
       coalesce(inc.columns, '{}'::text[]) as include,
       coalesce(kp.not_visible, false) as not_visible,
       coalesce(idx.indexprs, '{}')::text[] as expressions,
       pg_get_expr(idx.indpred, idx.indrelid) as predicate,
       con.conname::text as constraint_name,
       coalesce(idx.indisvalid, true) as valid,
       coalesce(pi.indexdef, '')::text as definition
from idx
left join key_parts kp on kp.indexrelid = idx.indexrelid
left join included inc on inc.indexrelid = idx.indexrelid
left join pg_constraint con on con.conindid = idx.indexrelid
     and con.conrelid = idx.indrelid
     and con.contype = 'p'
left join pg_indexes pi on pi.schemaname = idx.schema
     and pi.tablename = idx.relation
     and pi.indexname = idx.name
order by idx.schema, idx.relation, idx.name
