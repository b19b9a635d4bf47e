insert into _godwit.runs (run_id, source)
values ('fetch-' || to_char(clock_timestamp(), 'YYYYMMDD"T"HH24MISS') || '-'
        || substr(md5(random()::text || clock_timestamp()::text), 1, 8), $1)
returning run_id
