select current_database()::text as database,
       current_setting('server_version') as server_version
