-- The demo's write workload, second statement of each transaction: a page view is recorded.
insert into shop.page_views (id, viewed_at, customer_id, path)
values (gen_random_uuid(), timestamptz '2026-11-15 00:00:00+00' + $2::float8 * interval '1 second',
        $1, '/live')
