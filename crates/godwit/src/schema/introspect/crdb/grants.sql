-- Privileges granted on schemas, tables, views, sequences and types in the given schemas, one
-- row per (object, grantee, grant option) with the privileges sorted. $1: schema names (text[]).
--
-- CockroachDB fills no ACL column (relacl, nspacl and typacl are NULL) and has no aclexplode;
-- information_schema.schema_privileges, table_privileges (tables, views, sequences) and
-- type_privileges list every (grantee, privilege) pair instead, including the privileges the
-- owner holds implicitly and those of the admin and root roles (information_schema.go,
-- populateTablePrivileges and friends, which call Show(..., showImplicitOwnerPrivs=true)).
-- Those three holders are left out here, as is PUBLIC's USAGE on types (every type has it by
-- default), so an object shows privileges only when someone else was granted some. CockroachDB does not record grantors (grantor is always NULL): the object's
-- owner is reported instead. Key columns are those of comments.sql; grantee NULL means PUBLIC.
-- Column and routine privileges are not read.
with entries as (
    select 'schema' as kind, sp.table_schema::text as schema, null::text as parent,
           sp.table_schema::text as name, null::text as detail,
           coalesce(r.rolname::text, '') as owner,
           sp.grantee::text as grantee, sp.privilege_type::text as privilege,
           sp.is_grantable = 'YES' as grantable
    from information_schema.schema_privileges sp
    join pg_namespace n on n.nspname = sp.table_schema
    left join pg_roles r on r.oid = n.nspowner
    where sp.table_schema = any($1::text[])
    union all
    select 'relation', tp.table_schema::text, null::text, tp.table_name::text, null::text,
           coalesce(r.rolname::text, ''), tp.grantee::text, tp.privilege_type::text,
           tp.is_grantable = 'YES'
    from information_schema.table_privileges tp
    join pg_namespace n on n.nspname = tp.table_schema
    join pg_class c on c.relnamespace = n.oid and c.relname = tp.table_name
    left join pg_roles r on r.oid = c.relowner
    where c.relkind in ('r', 'v', 'm', 'S')
      and tp.table_schema = any($1::text[])
    union all
    select 'type', yp.type_schema::text, null::text, yp.type_name::text, null::text,
           coalesce(r.rolname::text, ''), yp.grantee::text, yp.privilege_type::text,
           yp.is_grantable = 'YES'
    from information_schema.type_privileges yp
    join pg_namespace n on n.nspname = yp.type_schema
    join pg_type t on t.typnamespace = n.oid and t.typname = yp.type_name
    left join pg_roles r on r.oid = t.typowner
    where t.typtype in ('e', 'c')
      and yp.type_schema = any($1::text[])
)
select e.kind,
       e.schema,
       e.parent,
       e.name,
       e.detail,
       e.owner as grantor,
       case when e.grantee <> 'public' then e.grantee end as grantee,
       e.grantable as with_grant_option,
       array_agg(e.privilege order by e.privilege) as privileges
from entries e
where e.grantee not in ('admin', 'root')
  and e.grantee <> e.owner
  and not (e.kind = 'type' and e.grantee = 'public' and e.privilege = 'USAGE')
group by e.kind, e.schema, e.parent, e.name, e.detail, e.owner, e.grantee, e.grantable
order by 1, 2, 3, 4, 5, 7 nulls first, 6, 8
