INSERT INTO {table} ({columns}) VALUES {rows} ON CONFLICT ({key}) DO UPDATE SET {assignments}
