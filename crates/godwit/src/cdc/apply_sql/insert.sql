INSERT INTO {table} ({columns}){overriding} VALUES {rows}
