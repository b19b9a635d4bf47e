CREATE PUBLICATION {name}{for_tables}
