SELECT to_regclass('_godwit.runs') IS NOT NULL,
       to_regclass('_godwit.verifications') IS NOT NULL,
       to_regclass('_godwit.replication') IS NOT NULL,
       to_regclass('_godwit.replication_tables') IS NOT NULL
