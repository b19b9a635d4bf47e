-- The state of one sequence: the last value handed out (or set) and whether nextval has
-- returned it yet. {sequence}: the quoted, schema-qualified sequence.
--
-- A sequence reads as a one-row relation in both dialects: PostgreSQL's columns are
-- last_value, log_cnt and is_called; CockroachDB exposes the same three for compatibility
-- (fetch's sequence sync relies on the same statement).
SELECT last_value, is_called FROM {sequence}
