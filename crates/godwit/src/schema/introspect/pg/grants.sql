-- Explicit privileges (ACLs) of objects in the given schemas, one row per (object, grantee,
-- grantor, grant option) with the privileges in aclexplode's order. $1: schema names (text[]).
--
-- Objects whose ACL is NULL have their default privileges and return no row. An explicit but
-- empty ACL (everything revoked) returns one row with a NULL grantor. Key columns are those of
-- comments.sql; grantee NULL means PUBLIC.
with acls as (
    select 'schema' as kind, n.nspname::text as schema, null::text as parent,
           n.nspname::text as name, null::text as detail, n.nspacl as acl
    from pg_namespace n
    where n.nspacl is not null and n.nspname = any($1::text[])
    union all
    select 'relation', n.nspname::text, null, c.relname::text, null, c.relacl
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relacl is not null
      and c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
      and n.nspname = any($1::text[])
    union all
    select 'column', n.nspname::text, c.relname::text, a.attname::text, null, a.attacl
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attacl is not null
      and a.attnum > 0
      and not a.attisdropped
      and c.relkind in ('r', 'p', 'f', 'v', 'm')
      and n.nspname = any($1::text[])
    union all
    select 'routine', n.nspname::text, null, p.proname::text,
           pg_get_function_identity_arguments(p.oid), p.proacl
    from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace
    where p.proacl is not null and n.nspname = any($1::text[])
    union all
    select 'type', n.nspname::text, null, t.typname::text, null, t.typacl
    from pg_type t
    join pg_namespace n on n.oid = t.typnamespace
    where t.typacl is not null
      and t.typtype in ('e', 'd', 'c', 'r')
      and n.nspname = any($1::text[])
)
select a.kind, a.schema, a.parent, a.name, a.detail,
       g.grantor, g.grantee, g.with_grant_option, g.privileges
from acls a
left join lateral (
    select pg_get_userbyid(x.grantor)::text as grantor,
           case when x.grantee <> 0 then pg_get_userbyid(x.grantee)::text end as grantee,
           x.is_grantable as with_grant_option,
           array_agg(x.privilege_type::text order by x.ord) as privileges
    from aclexplode(a.acl) with ordinality x(grantor, grantee, privilege_type, is_grantable, ord)
    group by x.grantor, x.grantee, x.is_grantable
) g on true
order by 1, 2, 3, 4, 5, 7 nulls first, 6, 8
