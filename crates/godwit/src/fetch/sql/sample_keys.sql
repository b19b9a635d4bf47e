-- A sample of whole keys as text, sorted by the key columns of the table (qualified: a bare
-- name would sort the text output columns instead).
SELECT {keys} FROM {table} AS s TABLESAMPLE SYSTEM ({percent}) ORDER BY {order}
