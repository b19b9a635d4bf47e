UPSERT INTO {table} ({columns}) VALUES {rows}
