insert into _godwit.verifications (run_id, mode, source)
values ('verify-' || to_char(clock_timestamp(), 'YYYYMMDD"T"HH24MISS') || '-'
        || substr(md5(random()::text || clock_timestamp()::text), 1, 8), $1, $2)
returning run_id
