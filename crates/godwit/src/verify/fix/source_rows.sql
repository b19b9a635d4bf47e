SELECT k.ord, {columns}
FROM {table} AS t
JOIN (VALUES {keys}) AS k (ord, {key_names}) ON {join}
