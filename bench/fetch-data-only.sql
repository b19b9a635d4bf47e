-- Turns a copy of the bench database into the source of the data-phase comparison: tables and
-- primary keys only, so `godwit fetch` has no deferred index or constraint to build and moves
-- exactly what the raw COPY pipe moves.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND contype <> 'p'
        ORDER BY contype = 'f' DESC
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
    FOR r IN
        SELECT i.indexrelid::regclass AS idx FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary
    LOOP
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
END
$$;
