START_REPLICATION SLOT {slot} LOGICAL {lsn} (proto_version '1', publication_names {publications})
