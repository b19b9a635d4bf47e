INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT ({key}) DO NOTHING
