-- The database name and the full version() text ("CockroachDB CCL v24.3.1 (x86_64-...)").
-- server_version would say "13.0.0" (the PostgreSQL version CockroachDB emulates), so the
-- CockroachDB release is read from version() instead.
select current_database()::text as database,
       version() as version
