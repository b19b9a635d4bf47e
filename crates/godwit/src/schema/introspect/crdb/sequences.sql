-- Sequences in the given schemas, with the column that owns them. $1: schema names (text[]).
--
-- pg_sequence reports a cache of 1 and type int8 for every sequence, so the parameters come
-- from pg_sequences (pg_catalog.go, pgCatalogSequencesTable: start_value, min_value, max_value,
-- increment_by, cache_size, cycle, and last_value, NULL until the first nextval) and the type
-- from information_schema.sequences (data_type INT2, INT4 or INT8). CockroachDB has no CYCLE,
-- and its PER NODE / PER SESSION cache modes and VIRTUAL sequences are not exposed here.
-- Ownership (OWNED BY, serial columns under serial_normalization = sql_sequence, identity
-- columns) is a pg_depend row from the sequence to the owning column with deptype 'a' and
-- refobjsubid the column's number (pg_catalog.go, pgCatalogDependTable).
select n.nspname::text as schema,
       c.relname::text as name,
       coalesce(iss.data_type, 'INT8')::text as data_type,
       ps.start_value::int8 as start,
       ps.increment_by::int8 as increment,
       ps.min_value::int8 as min,
       ps.max_value::int8 as max,
       ps.cache_size::int8 as cache,
       coalesce(ps.cycle, false) as cycle,
       ps.last_value::int8 as last_value,
       on_.nspname::text as owned_by_schema,
       oc.relname::text as owned_by_table,
       oa.attname::text as owned_by_column,
       coalesce(oa.attidentity <> '', false) as identity,
       coalesce(r.rolname::text, '') as owner
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = c.relname
left join information_schema.sequences iss on iss.sequence_schema = n.nspname
     and iss.sequence_name = c.relname
left join pg_roles r on r.oid = c.relowner
left join pg_depend d on d.classid = 'pg_class'::regclass
     and d.objid = c.oid
     and d.refclassid = 'pg_class'::regclass
     and d.refobjsubid > 0
     and d.deptype = 'a'
left join pg_class oc on oc.oid = d.refobjid
left join pg_namespace on_ on on_.oid = oc.relnamespace
left join pg_attribute oa on oa.attrelid = d.refobjid and oa.attnum = d.refobjsubid
where c.relkind = 'S'
  and n.nspname = any($1::text[])
order by n.nspname, c.relname
