INSERT INTO {table} ({columns}) VALUES {rows}
