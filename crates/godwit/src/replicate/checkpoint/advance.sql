update _godwit.replication
set applied_lsn = $2, applied_at = now(),
    transactions = transactions + $3, rows = rows + $4,
    source_commit_at = coalesce($5, source_commit_at), source_lsn = $6
where slot_name = $1
