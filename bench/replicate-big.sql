-- One source transaction of :rows rows (about 80 bytes each), then the marker in a second one.
begin;
insert into bench_big
select g, g % 1000, 'label ' || md5(g::text), timestamptz '2026-01-01' + g * interval '1 ms'
from generate_series(1, :rows) g;
commit;
insert into bench_marker (id) values (:marker);
