select to_regclass('_godwit.runs') is not null
