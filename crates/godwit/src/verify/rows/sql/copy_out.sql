COPY (SELECT {columns} FROM ONLY {table}{where}{order}) TO STDOUT (FORMAT binary)
