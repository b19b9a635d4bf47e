-- The columns of table $1 in order, and whether their binary form embeds type OIDs that
-- differ between databases: composites (each field's type OID) and arrays of user-defined
-- types (the element type OID, >= 16384), domains resolved to their base type first.
SELECT a.attname::text,
       (b.typtype = 'c' OR (b.typcategory = 'A' AND b.typelem >= 16384))
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
