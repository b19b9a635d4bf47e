-- Every schema of the current database; the filter is applied by the caller.
--
-- pg_namespace also lists the virtual schemas (crdb_internal, information_schema, pg_catalog,
-- pg_extension) and pg_temp_* schemas, which the filter always excludes. nspowner is NULL for
-- virtual schemas and the admin role's OID for public (pg_catalog.go, pgCatalogNamespaceTable);
-- role OIDs resolve through pg_roles.
select n.nspname::text as name,
       coalesce(r.rolname::text, '') as owner
from pg_namespace n
left join pg_roles r on r.oid = n.nspowner
order by n.nspname
