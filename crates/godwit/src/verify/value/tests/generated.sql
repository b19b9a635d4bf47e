-- Random values of every orderable family and of the float families, for the live check of
-- `verify::value` (unique keys are not needed: the order check groups equal values).
create table public.generated as
select i,
    (random() * 10 ^ (random() * 30 - 15))::numeric(40, 12)
        * (case when random() < 0.5 then -1 else 1 end) as n,
    round((random() * 1000)::numeric, (random() * 5)::int) as n_scales,
    (random() - 0.5) * power(10::float8, random() * 600 - 300) as f8,
    ((random() - 0.5) * power(10::float8, random() * 70 - 35))::float4 as f4,
    date '2000-01-01' + ((random() - 0.5) * 4000000)::int as d,
    timestamp '2000-01-01' + ((random() - 0.5) * 1e11) * interval '1 second' as ts,
    timestamptz '2000-01-01' + ((random() - 0.5) * 1e11) * interval '1 second' as tstz,
    md5(i::text)::uuid as u,
    chr(32 + (random() * 200)::int) || md5(i::text) as t,
    decode(md5(i::text), 'hex') as by,
    make_interval(0, (random() * 100)::int - 50, 0, (random() * 100)::int - 50, 0, 0,
        (random() - 0.5) * 1e6) as iv,
    ('12:34:56.789+' || lpad((random() * 14)::int::text, 2, '0') || ':'
        || lpad((random() * 59)::int::text, 2, '0'))::timetz as ttz
from generate_series(1, 3000) i;
insert into public.generated (i, n, f8, f4, d, ts, tstz)
values (0, 'NaN', 'NaN', '-0', 'infinity', '-infinity', 'infinity'),
    (-1, '-Infinity', '-Infinity', 'Infinity', '-infinity', 'infinity', '-infinity');
