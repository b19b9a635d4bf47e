-- One read-only snapshot for every catalog query, and an empty search_path so that every
-- name the server prints (format_type, pg_get_expr, pg_get_*def) is schema-qualified unless it
-- lives in pg_catalog, whatever the caller's search_path was (pg_dump does the same).
begin transaction isolation level repeatable read, read only;
set local search_path = '';
