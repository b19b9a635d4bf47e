insert into _godwit.runs (run_id, snapshot, source)
values ($1, $2, $3)
on conflict (run_id) do update set status = 'running', finished_at = null
