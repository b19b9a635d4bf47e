-- Triggers and foreign-key checks do not fire for the changes applied, as in PostgreSQL's own
-- logical replication apply worker (which runs under this setting); needs superuser or
-- `GRANT SET ON PARAMETER session_replication_role`.
set session_replication_role = replica
