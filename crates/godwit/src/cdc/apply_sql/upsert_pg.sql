INSERT INTO {table} ({columns}){overriding} VALUES {rows} ON CONFLICT ({key}) DO UPDATE SET {assignments}
