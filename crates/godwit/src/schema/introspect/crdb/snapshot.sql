-- One read-only snapshot for every catalog query. CockroachDB runs SERIALIZABLE by default; a
-- read-only SERIALIZABLE transaction sees one consistent catalog version for all queries,
-- which tokio-postgres may pipeline on this connection. (AS OF SYSTEM TIME could make the
-- reads non-blocking but would hide DDL committed in the last seconds, so it is not used.)
begin transaction isolation level serializable, read only;
