select 'godwit_replicate_' || to_char(clock_timestamp(), 'YYYYMMDD"t"HH24MISS') || '_'
       || substr(md5(random()::text || clock_timestamp()::text), 1, 8)
