{table} AS OF SYSTEM TIME {aost}
