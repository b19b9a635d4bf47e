ONLY {table}
