SELECT count(*) FROM {table} AS OF SYSTEM TIME {aost}{where}
