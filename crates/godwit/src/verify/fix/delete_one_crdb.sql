DELETE FROM {table} WHERE {condition} LIMIT 1
