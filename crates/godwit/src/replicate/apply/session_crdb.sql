-- Values arrive in PostgreSQL's text output with ISO dates and postgres-style intervals, which
-- CockroachDB's default DateStyle and IntervalStyle read as they are; only what differs by
-- session is pinned here.
set extra_float_digits = 3;
set bytea_output = 'hex';
set timezone = 'UTC'
