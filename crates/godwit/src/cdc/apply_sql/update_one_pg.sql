UPDATE {table} SET {assignments} WHERE ctid = (SELECT ctid FROM {table} WHERE {condition} LIMIT 1)
