SELECT setval({sequence}::regclass, $1, $2)
