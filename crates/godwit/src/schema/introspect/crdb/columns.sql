-- Columns of tables, views and materialized views in the given schemas, hidden columns
-- included. $1: schema names (text[]).
--
-- pg_attribute lists a relation's accessible columns (pg_catalog.go, pgCatalogAttributeTable):
-- hidden ones (rowid, crdb_internal_*_shard_N, crdb_internal_expiration, crdb_region) are
-- listed; the inaccessible columns behind expression indexes and the system columns
-- (crdb_internal_mvcc_timestamp, tableoid) are not; newer servers add attisdropped
-- placeholders for dropped attribute numbers. attnum is the column's attribute number,
-- atttypmod its type modifier, attndims always 0 (arrays are one-dimensional),
-- attidentity 'a' (ALWAYS) or 'd' (BY DEFAULT; 'b' on older releases), attgenerated 's' or 'v'.
--
-- format_type prints a user-defined type by its bare name (types.go,
-- SQLStandardNameWithTypmod), so for types outside pg_catalog the name is qualified here with
-- quote_ident (builtins.go, lexbase.EncodeRestrictedSQLIdent), as PostgreSQL qualifies it with
-- an empty search_path. base_type is the element type of an array
-- (typcategory 'A', typelem).
--
-- pg_attrdef holds defaults and, on newer servers, generation expressions too; the generation
-- expression is also read from information_schema.columns, which has it on every release,
-- as it has is_hidden (NOT VISIBLE columns, CockroachDB's extension of the view).
-- CockroachDB implements identity columns with a sequence owned by the column, recorded in
-- pg_depend with deptype 'a' (pg_catalog.go, pgCatalogDependTable); the default of an identity
-- column is that sequence's nextval and is dropped by the caller.
select n.nspname::text as schema,
       c.relname::text as relation,
       a.attname::text as name,
       a.attnum::int4 as ordinal,
       case when coalesce(etn.nspname, 'pg_catalog') = 'pg_catalog'
            then format_type(a.atttypid, a.atttypmod)
            else quote_ident(etn.nspname::text) || '.' || quote_ident(et.typname::text)
                 || case when t.typcategory = 'A' then '[]' else '' end
       end as data_type,
       case when coalesce(etn.nspname, 'pg_catalog') = 'pg_catalog'
            then format_type(coalesce(et.oid, a.atttypid), null)
            else quote_ident(etn.nspname::text) || '.' || quote_ident(et.typname::text)
       end as base_type,
       nullif(a.atttypmod, -1)::int4 as typmod,
       case when t.typcategory = 'A' then 1 else 0 end::int4 as array_dimensions,
       ic.collation_name::text as collation,
       a.attnotnull as not_null,
       pg_get_expr(ad.adbin, ad.adrelid) as default_expr,
       a.attidentity::text as identity,
       a.attgenerated::text as generated,
       nullif(ic.generation_expression, '')::text as generation_expr,
       coalesce(ic.is_hidden = 'YES', false) as hidden,
       isn.nspname::text as identity_sequence_schema,
       isc.relname::text as identity_sequence_name
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_type t on t.oid = a.atttypid
left join pg_type et on et.oid = case when t.typcategory = 'A' then t.typelem else t.oid end
left join pg_namespace etn on etn.oid = et.typnamespace
left join information_schema.columns ic on ic.table_schema = n.nspname
     and ic.table_name = c.relname
     and ic.column_name = a.attname
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
left join pg_depend isd on a.attidentity <> ''
     and isd.classid = 'pg_class'::regclass
     and isd.refclassid = 'pg_class'::regclass
     and isd.refobjid = a.attrelid
     and isd.refobjsubid = a.attnum
     and isd.deptype = 'a'
left join pg_class isc on isc.oid = isd.objid and isc.relkind = 'S'
left join pg_namespace isn on isn.oid = isc.relnamespace
where a.attnum > 0
  and not a.attisdropped
  and c.relkind in ('r', 'v', 'm')
  and n.nspname = any($1::text[])
order by n.nspname, c.relname, a.attnum
