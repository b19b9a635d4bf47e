-- The mixed-type table of bench/fetch.sh, loaded after `pgbench -i --foreign-keys`.
-- psql variables: :rows (row count), :accounts (rows in pgbench_accounts).
-- Every column but the key has some NULLs; two secondary indexes and a foreign key give the
-- post-data phase of each tool work to do.
CREATE TABLE bench_mixed (
    id bigint PRIMARY KEY,
    account_id integer,
    label text,
    amount numeric(14, 4),
    created_at timestamptz,
    doc jsonb,
    ref uuid,
    payload bytea,
    active boolean,
    tags integer[]
);

INSERT INTO bench_mixed
SELECT g,
    CASE WHEN g % 37 = 0 THEN NULL ELSE 1 + (g::bigint * 7919) % :accounts END,
    CASE WHEN g % 17 = 0 THEN NULL ELSE 'item ' || g || ' ' || repeat(chr(97 + g % 26), g % 40) END,
    CASE WHEN g % 13 = 0 THEN NULL ELSE round((random() * 1e6)::numeric, 4) END,
    CASE WHEN g % 11 = 0 THEN NULL
        ELSE timestamptz '2020-01-01 00:00:00+00' + g * interval '17 seconds' END,
    CASE WHEN g % 7 = 0 THEN NULL
        ELSE jsonb_build_object('id', g, 'name', 'customer ' || g, 'score', g % 100,
            'tags', jsonb_build_array(g % 5, g % 3, 'x'), 'nested', jsonb_build_object('ok', g % 2 = 0)) END,
    CASE WHEN g % 19 = 0 THEN NULL ELSE gen_random_uuid() END,
    CASE WHEN g % 23 = 0 THEN NULL ELSE decode(md5(g::text) || md5((g + 1)::text), 'hex') END,
    CASE WHEN g % 29 = 0 THEN NULL ELSE g % 2 = 0 END,
    CASE WHEN g % 31 = 0 THEN NULL ELSE ARRAY[g % 100, g % 1000, g % 100000] END
FROM generate_series(1, :rows) AS g;

CREATE INDEX bench_mixed_created_at ON bench_mixed (created_at);
CREATE INDEX bench_mixed_ref ON bench_mixed (ref);
ALTER TABLE bench_mixed ADD CONSTRAINT bench_mixed_account_fk
    FOREIGN KEY (account_id) REFERENCES pgbench_accounts (aid);
