update _godwit.replication
set applied_lsn = $2, applied_at = now(),
    transactions = transactions + $3, rows = rows + $4
where slot_name = $1
