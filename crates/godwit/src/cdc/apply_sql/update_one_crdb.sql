UPDATE {table} SET {assignments} WHERE {condition} LIMIT 1
