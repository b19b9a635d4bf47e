INSERT INTO {table} ({columns}){overriding} SELECT {casts} FROM unnest({arrays}) AS r({names})
