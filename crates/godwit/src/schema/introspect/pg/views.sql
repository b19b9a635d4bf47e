-- Views and materialized views in the given schemas. $1: schema names (text[]).
--
-- check_option, security_barrier and security_invoker are view options stored in reloptions
-- as the user wrote them (security_barrier=on), so they are read back through the boolean
-- input function.
select n.nspname::text as schema,
       c.relname::text as name,
       c.relkind = 'm' as materialized,
       pg_get_viewdef(c.oid) as definition,
       c.relispopulated as populated,
       (
           select o.option_value::text
           from pg_options_to_table(c.reloptions) o
           where o.option_name = 'check_option'
       ) as check_option,
       coalesce((
           select o.option_value::bool
           from pg_options_to_table(c.reloptions) o
           where o.option_name = 'security_barrier'
       ), false) as security_barrier,
       coalesce((
           select o.option_value::bool
           from pg_options_to_table(c.reloptions) o
           where o.option_name = 'security_invoker'
       ), false) as security_invoker,
       coalesce(c.reloptions, '{}')::text[] as options,
       pg_get_userbyid(c.relowner)::text as owner
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
  and n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
  )
order by n.nspname, c.relname
