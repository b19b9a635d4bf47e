-- Functions and procedures in the given schemas. $1: schema names (text[]).
--
-- pg_proc lists the built-in functions under pg_catalog, crdb_internal and information_schema
-- (which the schema filter leaves out) and user-defined routines under their own schema
-- (pg_catalog.go, addPgProcUDFRow): prokind 'f' or 'p' (aggregates and window functions are
-- only built in), prolang 14 sql or 14024 plpgsql (pgCatalogLanguageTable), provolatile 'i',
-- 's' or 'v', proisstrict, proretset, prorettype. prosecdef is always false, so the caller also
-- reads SECURITY DEFINER from the CREATE statement. A routine's OID is its descriptor ID +
-- 100000 (catid.FuncIDToOID, oidext.CockroachPredefinedOIDMax); it is returned only to attach
-- the CREATE statements of function_definitions.sql and procedure_definitions.sql.
-- pg_get_function_identity_arguments prints the argument types without names and
-- pg_get_function_result prints prorettype (pg_builtins.go). 2279 is the OID of the trigger
-- pseudo-type, as in PostgreSQL.
select n.nspname::text as schema,
       p.proname::text as name,
       p.prokind::text as kind,
       p.oid::int8 as oid,
       coalesce(pg_get_function_identity_arguments(p.oid), '')::text as arguments,
       case when p.prokind <> 'p' then pg_get_function_result(p.oid) end::text as result,
       coalesce(l.lanname::text, 'sql') as language,
       p.provolatile::text as volatility,
       coalesce(p.proisstrict, false) as strict,
       coalesce(p.prosecdef, false) as security_definer,
       coalesce(p.proretset, false) as returns_set,
       p.prorettype::int8 = 2279 as returns_trigger,
       coalesce(r.rolname::text, '') as owner
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
left join pg_language l on l.oid = p.prolang
left join pg_roles r on r.oid = p.proowner
where n.nspname = any($1::text[])
order by n.nspname, p.proname, p.oid
