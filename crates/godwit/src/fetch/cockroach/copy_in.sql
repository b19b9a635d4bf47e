COPY {table} ({columns}) FROM STDIN{options}
