select format_type($1, $2)
