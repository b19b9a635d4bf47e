INSERT INTO {table} ({columns}){overriding} VALUES ({values})
