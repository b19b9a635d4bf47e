COPY (SELECT {columns} FROM {table}{where}{order}) TO STDOUT (FORMAT binary)
