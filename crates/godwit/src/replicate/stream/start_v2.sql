START_REPLICATION SLOT {slot} LOGICAL {lsn} (proto_version '2', streaming 'on', publication_names {publications})
