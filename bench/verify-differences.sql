-- Scenario B of bench/verify.sh, run on the target only: 100 known differences in bench.t.
-- psql variable: :rows (the row count of verify-dataset.sql, at least 1000).
--   40 mismatched: ids step * i (i = 1..40, step = rows / 41), column (i % 10) changed
--   30 missing:    ids step * i + step / 2 (i = 1..30), deleted
--   30 extraneous: ids -1..-15 and rows + 1..rows + 15, inserted (before the first and after
--                  the last key of the source)
-- Every change makes a value different from what it was, NULL included. The three statements
-- run as one, and it fails (a division by zero, with ON_ERROR_STOP) unless they changed
-- exactly 40, 30 and 30 rows.
\set step '(:rows / 41)'

CREATE TEMP TABLE changed (id bigint PRIMARY KEY, col int);
INSERT INTO changed SELECT :step * i, i % 10 FROM generate_series(1, 40) AS i;

WITH updated AS (
    UPDATE bench.t AS t SET
        label = CASE WHEN c.col = 0 THEN coalesce(t.label, '') || 'x' ELSE t.label END,
        amount = CASE WHEN c.col = 1 THEN coalesce(t.amount, 0) + 0.0001 ELSE t.amount END,
        score = CASE WHEN c.col = 2 THEN coalesce(t.score, 0) + 1 ELSE t.score END,
        created_at = CASE WHEN c.col = 3
            THEN coalesce(t.created_at, 'epoch') + interval '1 microsecond' ELSE t.created_at END,
        day = CASE WHEN c.col = 4 THEN coalesce(t.day, '2000-01-01') + 1 ELSE t.day END,
        active = CASE WHEN c.col = 5 THEN NOT coalesce(t.active, false) ELSE t.active END,
        ref = CASE WHEN c.col = 6 THEN md5('changed' || t.id)::uuid ELSE t.ref END,
        doc = CASE WHEN c.col = 7 THEN coalesce(t.doc, '{}') || '{"changed": true}' ELSE t.doc END,
        payload = CASE WHEN c.col = 8 THEN coalesce(t.payload, '') || '\x00'::bytea ELSE t.payload END,
        tags = CASE WHEN c.col = 9 THEN coalesce(t.tags, '{}') || 0 ELSE t.tags END
    FROM changed AS c
    WHERE t.id = c.id
    RETURNING t.id
), deleted AS (
    DELETE FROM bench.t
    WHERE id IN (SELECT :step * i + :step / 2 FROM generate_series(1, 30) AS i)
    RETURNING id
), inserted AS (
    INSERT INTO bench.t (id, label, amount, score, created_at, day, active, ref, doc, payload, tags)
    SELECT k, 'inserted ' || k, k / 3.0, k * 0.5, timestamptz '2030-01-01 00:00:00+00',
        date '2030-01-01', k % 2 = 0, md5('inserted' || k)::uuid, jsonb_build_object('inserted', k),
        '\xdeadbeef', ARRAY[k::int]
    FROM (SELECT -i AS k FROM generate_series(1, 15) AS i
          UNION ALL SELECT :rows + i FROM generate_series(1, 15) AS i) AS keys
    RETURNING id
)
SELECT CASE
    WHEN (SELECT count(*) FROM updated) = 40 AND (SELECT count(*) FROM deleted) = 30
        AND (SELECT count(*) FROM inserted) = 30 THEN 'ok'
    ELSE (1 / (SELECT 0))::text END AS differences; -- not folded at plan time
