select exists (select 1 from pg_publication where pubname = $1)
