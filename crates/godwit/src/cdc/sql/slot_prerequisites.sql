select current_setting('wal_level') as wal_level,
       current_setting('max_replication_slots')::int as max_slots,
       (select count(*)::int from pg_replication_slots) as used_slots,
       current_setting('max_wal_senders')::int as max_senders,
       (select count(*)::int from pg_stat_activity where backend_type = 'walsender') as used_senders,
       (select rolsuper or rolreplication from pg_roles where rolname = current_user) as can_replicate
