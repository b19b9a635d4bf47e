-- Source objects of bench/replicate.sh beyond `pgbench -i`; copied to both targets by pg_dump.
--
-- pgbench_history has no key: godwit applies changes of a keyless table only under REPLICA
-- IDENTITY FULL (pgbench only inserts into it, so this adds no log volume).
alter table pgbench_history replica identity full;

-- The table of the one big transaction.
create table bench_big (
    id    bigint primary key,
    grp   integer not null,
    label text not null,
    at    timestamptz not null
);

-- One row per scenario, written by its own transaction after the load: a consumer that shows
-- it has applied everything before it (both apply in source commit order).
create table bench_marker (
    id integer primary key,
    at timestamptz not null default clock_timestamp()
);

-- On a target: wait until marker `wanted` is there; returns the moment it was seen (epoch
-- seconds). One statement per poll, each with a fresh snapshot (volatile plpgsql).
create function bench_wait(wanted integer, timeout_s float8) returns float8
language plpgsql as $$
declare
    started timestamptz := clock_timestamp();
begin
    loop
        if exists (select 1 from bench_marker where id = wanted) then
            return extract(epoch from clock_timestamp());
        end if;
        if clock_timestamp() - started > make_interval(secs => timeout_s) then
            raise exception 'marker % did not arrive within % s', wanted, timeout_s;
        end if;
        perform pg_sleep(0.01);
    end loop;
end
$$;
