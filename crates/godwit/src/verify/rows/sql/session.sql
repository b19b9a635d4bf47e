-- Pin every setting that changes the text form of values, on both dialects, so that both
-- sides print a value the same way: UTC timestamps, ISO dates, postgres-style intervals,
-- shortest exact floats, hex bytea.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
