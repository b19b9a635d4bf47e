COPY (SELECT {columns} FROM {table} AS OF SYSTEM TIME {aost}{where}{order}) TO STDOUT
