-- Functions, procedures, aggregates and window functions in the given schemas, except those
-- an extension created. $1: schema names (text[]).
--
-- Routines with an internal dependency are left out too: they are the constructor functions
-- PostgreSQL creates with each range and multirange type.
-- pg_get_functiondef cannot print aggregates (it raises an error), so their definition is
-- built from pg_aggregate (transition and final functions, state type, initial value; the
-- rarely used moving-aggregate and parallel options are not reproduced);
-- pg_get_function_result is NULL for procedures.
select n.nspname::text as schema,
       p.proname::text as name,
       p.prokind::text as kind,
       pg_get_function_identity_arguments(p.oid) as arguments,
       pg_get_function_result(p.oid) as result,
       l.lanname::text as language,
       p.provolatile::text as volatility,
       p.proisstrict as strict,
       p.prosecdef as security_definer,
       p.proretset as returns_set,
       p.prorettype = 'pg_catalog.trigger'::regtype as returns_trigger,
       case when p.prokind <> 'a' then pg_get_functiondef(p.oid)
            else format('CREATE AGGREGATE %s.%s(%s) (SFUNC = %s, STYPE = %s%s%s%s%s)',
                        quote_ident(n.nspname), quote_ident(p.proname),
                        pg_get_function_identity_arguments(p.oid),
                        a.aggtransfn::regproc::text, format_type(a.aggtranstype, null),
                        case when a.aggfinalfn <> 0 then ', FINALFUNC = ' || a.aggfinalfn::regproc::text else '' end,
                        case when a.aggcombinefn <> 0 then ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text else '' end,
                        case when a.agginitval is not null then ', INITCOND = ' || quote_literal(a.agginitval) else '' end,
                        case when a.aggsortop <> 0 then ', SORTOP = ' || a.aggsortop::regoperator::text else '' end)
       end as definition,
       pg_get_userbyid(p.proowner)::text as owner
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
left join pg_aggregate a on a.aggfnoid = p.oid
where n.nspname = any($1::text[])
  and not exists (
      select from pg_depend d
      where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype in ('e', 'i')
  )
order by n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
