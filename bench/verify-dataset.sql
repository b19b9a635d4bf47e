-- The table of bench/verify.sh, loaded the same way into the source and the target database.
-- psql variable: :rows (row count). Every value is a function of the key alone (no random(),
-- no gen_random_uuid()), so both sides are equal without copying anything across; the naive
-- digest of scenario A checks it. Every column but the key has some NULLs.
CREATE SCHEMA bench;

CREATE TABLE bench.t (
    id bigint PRIMARY KEY,
    label text,             -- 8 to about 300 characters, some non-ASCII
    amount numeric(14, 4),  -- scale 4, negative and trailing-zero values
    score double precision, -- full 17-digit values, some negative, some integral
    created_at timestamptz, -- microseconds
    day date,
    active boolean,
    ref uuid,
    doc jsonb,
    payload bytea,          -- 16 to 64 bytes
    tags integer[]
);

INSERT INTO bench.t
SELECT g,
    CASE WHEN g % 17 = 0 THEN NULL
        ELSE 'row ' || g || ' ' || repeat(md5(g::text), (g % 9)::int)
            || CASE WHEN g % 5 = 0 THEN ' ünïcødé' ELSE '' END END,
    CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 7919) % 20000000 - 10000000) / 10000.0 END,
    CASE WHEN g % 11 = 0 THEN NULL
        WHEN g % 10 = 0 THEN (g % 1000)::double precision
        ELSE sin(g::double precision) * (g % 100000) END,
    CASE WHEN g % 7 = 0 THEN NULL
        ELSE timestamptz '2020-01-01 00:00:00+00' + g * interval '17.123457 seconds' END,
    CASE WHEN g % 19 = 0 THEN NULL ELSE date '1990-01-01' + (g % 20000)::int END,
    CASE WHEN g % 23 = 0 THEN NULL ELSE g % 2 = 0 END,
    CASE WHEN g % 29 = 0 THEN NULL ELSE md5('ref' || g)::uuid END,
    CASE WHEN g % 6 = 0 THEN NULL
        ELSE jsonb_build_object('id', g, 'name', 'customer ' || g, 'score', g % 100,
            'tags', jsonb_build_array(g % 5, g % 3, 'x'), 'nested', jsonb_build_object('ok', g % 2 = 0)) END,
    CASE WHEN g % 31 = 0 THEN NULL
        ELSE substr(decode(md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text)
            || md5((g + 3)::text), 'hex'), 1, 16 + (g % 49)::int) END,
    CASE WHEN g % 37 = 0 THEN NULL ELSE ARRAY[g % 100, g % 1000, g % 100000]::integer[] END
FROM generate_series(1::bigint, :rows) AS g;
