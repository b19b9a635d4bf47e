SELECT to_regclass('_godwit.runs') IS NOT NULL
