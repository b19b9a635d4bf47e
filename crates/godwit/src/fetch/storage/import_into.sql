IMPORT INTO {table} ({columns}) CSV DATA ({urls}) WITH decompress = 'gzip', nullif = ''
