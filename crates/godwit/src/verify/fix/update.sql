UPDATE {table} SET {assignments} WHERE {condition}
