-- Sequences in the given schemas, with the column that owns them. $1: schema names (text[]).
--
-- last_value comes from the pg_sequences view: NULL until nextval is first called (and when
-- the reader may not see it). Ownership is a pg_depend row from the sequence to a table
-- column: deptype 'a' for OWNED BY and serial, 'i' for identity columns.
select n.nspname::text as schema,
       c.relname::text as name,
       format_type(s.seqtypid, null) as data_type,
       s.seqstart as start,
       s.seqincrement as increment,
       s.seqmin as min,
       s.seqmax as max,
       s.seqcache as cache,
       s.seqcycle as cycle,
       ps.last_value,
       on_.nspname::text as owned_by_schema,
       oc.relname::text as owned_by_table,
       oa.attname::text as owned_by_column,
       coalesce(d.deptype = 'i', false) as identity,
       pg_get_userbyid(c.relowner)::text as owner
from pg_sequence s
join pg_class c on c.oid = s.seqrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = c.relname
left join pg_depend d on d.classid = 'pg_class'::regclass
     and d.objid = c.oid
     and d.refclassid = 'pg_class'::regclass
     and d.refobjsubid > 0
     and d.deptype in ('a', 'i')
left join pg_class oc on oc.oid = d.refobjid
left join pg_namespace on_ on on_.oid = oc.relnamespace
left join pg_attribute oa on oa.attrelid = d.refobjid and oa.attnum = d.refobjsubid
where n.nspname = any($1::text[])
  and not exists (
      select from pg_depend e
      where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e'
  )
order by n.nspname, c.relname
