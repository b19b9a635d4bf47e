TRUNCATE {tables}{options}
