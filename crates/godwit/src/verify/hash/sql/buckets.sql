COPY (SELECT b, count(*), coalesce(sum(h), 0)::text FROM (SELECT {bucket} AS b, {row_hash} AS h FROM {from}{where} OFFSET 0) AS s GROUP BY b) TO STDOUT
