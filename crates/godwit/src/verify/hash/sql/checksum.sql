COPY (SELECT count(*), coalesce(sum({row_hash}), 0)::text FROM {from}{where}) TO STDOUT
