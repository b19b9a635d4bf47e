SELECT min({key})::bigint, max({key})::bigint FROM {table}
