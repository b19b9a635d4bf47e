INSERT INTO {table} ({columns}) SELECT {casts} FROM unnest({arrays}) AS r({names}) ON CONFLICT ({key}) DO NOTHING
