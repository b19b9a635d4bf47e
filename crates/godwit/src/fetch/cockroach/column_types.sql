SELECT {columns} FROM {table} LIMIT 0
