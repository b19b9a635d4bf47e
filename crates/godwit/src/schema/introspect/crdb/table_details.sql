-- CockroachDB-only details of tables in the given schemas: the locality and the row-count
-- estimate. $1: schema names (text[]).
--
-- crdb_internal.tables (crdb_internal.go, crdbInternalTablesTable) lists the descriptors of
-- every database; the database_name filter uses its virtual index. locality is the LOCALITY
-- clause (REGIONAL BY ROW, GLOBAL, REGIONAL BY TABLE IN PRIMARY REGION, ...), NULL outside
-- multi-region databases. The estimate is each table's latest statistics row count
-- (crdbInternalTablesTableLastStats, read by the server AS OF SYSTEM TIME -10s); a table that
-- was never analyzed has none. Views and sequences are listed too and ignored by the caller.
select t.schema_name::text as schema,
       t.name::text as name,
       t.locality::text as locality,
       s.estimated_row_count::int8 as estimated_rows
from crdb_internal.tables t
left join crdb_internal.table_row_statistics s on s.table_id = t.table_id
where t.database_name = current_database()
  and t.drop_time is null
  and t.schema_name = any($1::text[])
