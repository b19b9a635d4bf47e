-- From v25.4, crdb_internal tables and functions outside a short supported list answer
-- SQLSTATE 42501 ("Access to crdb_internal and system is restricted") unless the session sets
-- allow_unsafe_internals (pkg/sql/unsafesql, TestAccessCheckServer). The snapshot reads
-- table_row_statistics and the create_*_statements tables, so it allows them for this
-- transaction only; the server audit-logs such reads on its SENSITIVE_ACCESS channel.
set local allow_unsafe_internals = true;
