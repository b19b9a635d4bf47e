SET maintenance_work_mem = '256MB';
SET statement_timeout = 0;
