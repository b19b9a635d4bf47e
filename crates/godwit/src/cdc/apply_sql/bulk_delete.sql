DELETE FROM {table} AS t USING unnest({arrays}) AS r({names}) WHERE {condition}
