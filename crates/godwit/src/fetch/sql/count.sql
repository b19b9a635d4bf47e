SELECT count(*) FROM ONLY {table}{where}
