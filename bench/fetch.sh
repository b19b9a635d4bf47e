#!/usr/bin/env bash
# Full-clone and data-copy benchmark, all in one run on the same machine, the same source
# database and the same server settings: godwit's full clone against pgcopydb and
# pg_dump/pg_restore, and `godwit fetch` alone against the raw binary `COPY TO | COPY FROM` pipe. Prints a table of times and ratios, godwit's peak RSS,
# PASS/FAIL per target and a last `BENCH {json}` line; method and settings: bench/README.md.
#
#   bench/fetch.sh                                # pgbench scale 20 + 1M mixed-type rows
#   BENCH_SCALE=1 BENCH_ROWS=20000 bench/fetch.sh # smoke run, a few seconds per tool
#
# Environment: BENCH_SCALE (20), BENCH_ROWS (1000000), BENCH_JOBS (2), BENCH_FSYNC (on),
# BENCH_TOOLS ("godwit pgcopydb pg_dump fetch raw"), BENCH_REPEAT (1: rounds over every tool, each
# figure reported is its best round; RSS the worst), BENCH_KEEP=1 (keep the temp dir and clusters
# running), BENCH_SUMMARY=FILE (also write the JSON line there), GODWIT_BIN (skip the build).
# Exit: 0 every target met, 1 a target missed, 2 a copy was wrong or a step failed.
set -euo pipefail
export LC_NUMERIC=C # a decimal point in $EPOCHREALTIME

SCALE=${BENCH_SCALE:-20}
ROWS=${BENCH_ROWS:-1000000}
JOBS=${BENCH_JOBS:-2}
FSYNC=${BENCH_FSYNC:-on}
TOOLS=${BENCH_TOOLS:-godwit pgcopydb pg_dump fetch raw}
REPEAT=${BENCH_REPEAT:-1}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE="$REPO/bench"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# postgresql.conf beyond lib.sh's shared settings.
PG_SETTINGS="wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
full_page_writes = on
max_parallel_workers_per_gather = 2
max_parallel_maintenance_workers = 2"

# Targets of issue 4.
MAX_FULL_RATIO=0.9 # godwit full clone / pgcopydb clone
MAX_DATA_RATIO=1.1 # godwit fetch / raw COPY pipe
MAX_RSS_MIB=256    # godwit peak resident set size

# --- prerequisites -------------------------------------------------------------------------

install_missing() {
  local pkgs=()
  [[ -x "$PG_BINDIR/initdb" ]] || pkgs+=(postgresql-15)
  command -v pgcopydb > /dev/null || pkgs+=(pgcopydb)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v pgbench > /dev/null || pkgs+=(postgresql-contrib)
  install_packages "${pkgs[@]}"
}

# --- connections (the clusters: start_clusters in lib.sh) ----------------------------------

# The source database: `bench` (full clones) or `bench_data` (the data phase).
src_url() { url "$PORT_SOURCE" "${1:-bench}"; }
tgt_url() { url "$PORT_TARGET" "$1"; }

# --- dataset ---------------------------------------------------------------------------------

build_dataset() {
  say "building the dataset: pgbench scale $SCALE + $ROWS mixed-type rows"
  q "$(url "$PORT_SOURCE" postgres)" -c 'CREATE DATABASE bench'
  pgbench -i -q -s "$SCALE" --foreign-keys "$(src_url)" > "$WORK/pgbench.log" 2>&1 ||
    fail_with "$WORK/pgbench.log" "pgbench -i"
  q "$(src_url)" -v rows="$ROWS" -v accounts="$((SCALE * 100000))" -f "$HERE/fetch-dataset.sql" ||
    die "loading fetch-dataset.sql failed"
  q "$(src_url)" -c 'VACUUM ANALYZE'
  q "$(src_url postgres)" -c 'CREATE DATABASE bench_data TEMPLATE bench'
  q "$(src_url bench_data)" -f "$HERE/fetch-data-only.sql"
  q "$(src_url)" -c 'CHECKPOINT'
}

# Tables to compare and to pipe, biggest first: "schema.table" (quoted) per line.
source_tables() {
  q "$(src_url)" -c "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY pg_total_relation_size(c.oid) DESC, 1"
}

# "rows hash" of one table, independent of row order and of the target's column order: the sum
# of the first 64 bits of md5 over each row's text form, columns named in the source's order.
table_digest() {
  local db_url=$1 table=$2 cols
  cols=$(q "$(src_url)" -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
    FROM pg_attribute WHERE attrelid = '$table'::regclass AND attnum > 0 AND NOT attisdropped")
  q "$db_url" -c "SELECT count(*) || ' ' || coalesce(sum(('x' || left(md5(ROW($cols)::text), 16))
    ::bit(64)::bigint::numeric), 0) FROM $table"
}

# Indexes and constraints on user tables: a full clone must have as many as the source.
object_counts() {
  q "$1" -c "SELECT (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
    || ' indexes, ' || (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n
      ON n.oid = k.connamespace WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'f', 'c'))
    || ' constraints'"
}

record_source() {
  local t
  : > "$WORK/source.digest"
  for t in $TABLES; do echo "$t $(table_digest "$(src_url)" "$t")" >> "$WORK/source.digest"; done
  SOURCE_OBJECTS=$(object_counts "$(src_url)")
}

# verify TOOL DB FULL: compares every table (and, for a full clone, object counts) with the source.
verify() {
  local tool=$1 db=$2 full=$3 t got want bad=0
  for t in $TABLES; do
    got=$(table_digest "$(tgt_url "$db")" "$t" 2> /dev/null) || got="(unreadable)"
    want=$(awk -v t="$t" '$1 == t { print $2 " " $3 }' "$WORK/source.digest")
    if [[ "$got" != "$want" ]]; then
      say "$tool: $t differs: source [$want], target [$got]"
      bad=1
    fi
  done
  if [[ "$full" == 1 ]]; then
    got=$(object_counts "$(tgt_url "$db")")
    [[ "$got" == "$SOURCE_OBJECTS" ]] || {
      say "$tool: source has $SOURCE_OBJECTS, target $got"
      bad=1
    }
  fi
  if ((bad)); then
    VERIFY[$tool]=FAIL
  elif [[ "${VERIFY[$tool]:-}" != FAIL ]]; then
    VERIFY[$tool]=ok
  fi
}

# --- timing ----------------------------------------------------------------------------------

# Prefixes each line with the time it arrived.
stamp() {
  local line
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

fresh_target() {
  q "$(tgt_url postgres)" -c 'SET client_min_messages = warning' \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

drop_target() {
  [[ "${BENCH_KEEP:-0}" == 1 ]] || q "$(tgt_url postgres)" -c "DROP DATABASE $1 WITH (FORCE)"
  q "$(tgt_url postgres)" -c CHECKPOINT
}

# timed_godwit PHASE ARGS...: runs godwit under /usr/bin/time, its output time-stamped per line;
# sets T[PHASE] and RSS[PHASE] (KiB), and START[PHASE].
timed_godwit() {
  local phase=$1 start
  shift
  start=$(now)
  START[$phase]=$start
  /usr/bin/time -f %M -o "$WORK/rss-$phase" "$GODWIT_BIN" "$@" --log-format json 2>&1 |
    stamp > "$WORK/godwit-$phase.log" || fail_with "$WORK/godwit-$phase.log" "godwit $phase"
  T[$phase]=$(elapsed "$start" "$(now)")
  RSS[$phase]=$(tail -n 1 "$WORK/rss-$phase")
  ((${RSS[$phase]} > ${PEAK_RSS[$phase]:-0})) && PEAK_RSS[$phase]=${RSS[$phase]}
  say "godwit $phase: ${T[$phase]} s, ${RSS[$phase]} KiB peak RSS"
}

# --- the tools -------------------------------------------------------------------------------

run_godwit() {
  local db=godwit_clone dir="$WORK/godwit-ddl"
  fresh_target "$db"
  # fetch creates the tables from the source's DDL (primary keys, indexes and foreign keys
  # after the data); post-data adds what is not a table object (views, routines, comments).
  # No replication slot: pgcopydb clone makes none either.
  timed_godwit convert convert --source "$(src_url)" --target-dialect postgres --out "$dir"
  timed_godwit fetch fetch --source "$(src_url)" --target "$(tgt_url "$db")" --jobs "$JOBS" \
    --table-handling drop-on-target-and-recreate --no-cdc
  rows_done fetch clone_rows
  timed_godwit post schema apply --target "$(tgt_url "$db")" --dir "$dir" --section post
  drop_cdc_leftovers bench
  T[godwit]=$(awk -v a="${T[convert]}" -v c="${T[fetch]}" -v d="${T[post]}" \
    'BEGIN { printf "%.2f", a + c + d }')
  verify godwit "$db" 1
  drop_target "$db"
}

# rows_done PHASE KEY: sets T[KEY] to the seconds from the start of godwit PHASE to its last
# `table_done` event, when every row is in (fetch goes on with deferred indexes and keys).
rows_done() {
  local last
  last=$(awk '/"event":"table_done"/ { t = $1 } END { print t }' "$WORK/godwit-$1.log")
  [[ -z "$last" ]] || T[$2]=$(elapsed "${START[$1]}" "$last")
}

# fetch keeps a replication slot and a publication for `replicate`; drop them, so that every
# tool reads the same source and no WAL is held back.
drop_cdc_leftovers() {
  q "$(src_url)" -c "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots
    WHERE NOT active AND database = '$1'" > /dev/null
  q "$(src_url "$1")" -c "SELECT format('DROP PUBLICATION %I;', pubname) FROM pg_publication" |
    q "$(src_url "$1")" > /dev/null
}

run_pgcopydb() {
  local db=pgcopydb_clone start
  fresh_target "$db"
  say "pgcopydb clone --table-jobs $JOBS --index-jobs $JOBS"
  rm -rf "$WORK/pgcopydb"
  start=$(now)
  pgcopydb clone --source "$(src_url)" --target "$(tgt_url "$db")" --dir "$WORK/pgcopydb" \
    --table-jobs "$JOBS" --index-jobs "$JOBS" > "$WORK/pgcopydb.log" 2>&1 ||
    fail_with "$WORK/pgcopydb.log" "pgcopydb clone"
  T[pgcopydb]=$(elapsed "$start" "$(now)")
  say "pgcopydb: ${T[pgcopydb]} s"
  verify pgcopydb "$db" 1
  drop_target "$db"
}

run_pg_dump() {
  local db=pg_dump_clone start mid
  fresh_target "$db"
  say "pg_dump -Fd -j$JOBS + pg_restore -j$JOBS"
  rm -rf "$WORK/dump"
  start=$(now)
  pg_dump -Fd -j "$JOBS" -f "$WORK/dump" -d "$(src_url)" 2> "$WORK/pg_dump.log" ||
    fail_with "$WORK/pg_dump.log" pg_dump
  mid=$(now)
  pg_restore -j "$JOBS" -d "$(tgt_url "$db")" "$WORK/dump" 2> "$WORK/pg_restore.log" ||
    fail_with "$WORK/pg_restore.log" pg_restore
  T[pg_dump_only]=$(elapsed "$start" "$mid")
  T[pg_restore_only]=$(elapsed "$mid" "$(now)")
  T[pg_dump]=$(elapsed "$start" "$(now)")
  say "pg_dump + pg_restore: ${T[pg_dump]} s"
  rm -rf "$WORK/dump"
  verify pg_dump "$db" 1
  drop_target "$db"
}

# data_target DB: a fresh target database with the tables (and primary keys) of `bench_data`,
# as `godwit schema apply --section pre` creates them; untimed.
data_target() {
  local dir="$WORK/data-ddl"
  fresh_target "$1"
  [[ -f "$dir/pre-data.sql" ]] ||
    "$GODWIT_BIN" convert --source "$(src_url bench_data)" --target-dialect postgres --out "$dir" \
      -q > "$WORK/data-convert.log" 2>&1 || fail_with "$WORK/data-convert.log" "godwit convert"
  "$GODWIT_BIN" schema apply --target "$(tgt_url "$1")" --dir "$dir" --section pre \
    -q > "$WORK/data-pre.log" 2>&1 || fail_with "$WORK/data-pre.log" "godwit schema apply"
}

# The data phase: `godwit fetch` from `bench_data` (nothing deferred) into pre-created tables.
run_fetch() {
  local db=fetch_data
  data_target "$db"
  timed_godwit data fetch --source "$(src_url bench_data)" --target "$(tgt_url "$db")" \
    --jobs "$JOBS" --no-cdc
  drop_cdc_leftovers bench_data
  verify fetch "$db" 0
  drop_target "$db"
}

# One table through psql: binary COPY out of the source into binary COPY into the target.
pipe_table() {
  local table=$1 source=$2 target=$3
  psql -X -q -v ON_ERROR_STOP=1 -d "$source" -c "COPY $table TO STDOUT (FORMAT binary)" |
    psql -X -q -v ON_ERROR_STOP=1 -d "$target" -c "COPY $table FROM STDIN (FORMAT binary)"
}

# The floor of the data phase: the same tables, two pipes at a time, biggest table first.
run_raw() {
  local db=raw_pipe start
  data_target "$db"
  say "raw COPY pipe, $JOBS tables at a time"
  export -f pipe_table
  start=$(now)
  printf '%s\n' "$TABLES" |
    xargs -P "$JOBS" -I{} bash -c 'set -o pipefail; pipe_table "$@"' _ {} \
      "$(src_url bench_data)" "$(tgt_url "$db")" 2> "$WORK/raw.log" ||
    fail_with "$WORK/raw.log" "raw COPY pipe"
  T[raw]=$(elapsed "$start" "$(now)")
  say "raw COPY pipe: ${T[raw]} s"
  verify raw "$db" 0
  drop_target "$db"
}

# --- report ----------------------------------------------------------------------------------

report() {
  local g=${B[godwit]:--} f=${B[data]:--} rss_kib=0 p rss_mib full_ratio data_ratio
  for p in convert pre fetch post data; do
    [[ -n "${PEAK_RSS[$p]:-}" ]] && ((PEAK_RSS[$p] > rss_kib)) && rss_kib=${PEAK_RSS[$p]}
  done
  rss_mib=$((rss_kib / 1024))
  ((rss_kib > 0)) || rss_mib=-
  full_ratio=$(ratio "$g" "${B[pgcopydb]:-0}")
  data_ratio=$(ratio "$f" "${B[raw]:-0}")
  echo
  echo "godwit fetch benchmark: pgbench scale $SCALE + $ROWS mixed rows, --jobs $JOBS," \
    "fsync=$FSYNC, best of $REPEAT round(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-36s %9s %13s %8s\n' tool seconds "godwit/tool" copy
  line() { printf '%-36s %9s %13s %8s\n' "$1" "${2:--}" "${3:-}" "${4:-}"; }
  line "godwit (full clone)" "$g" "" "${VERIFY[godwit]:-}"
  line "  convert" "${B[convert]:-}"
  line "  fetch --jobs $JOBS (recreate tables)" "${B[fetch]:-}"
  line "    until the last row is in" "${B[clone_rows]:-}"
  line "  schema apply --section post" "${B[post]:-}"
  line "pgcopydb clone" "${B[pgcopydb]:-}" "$full_ratio" "${VERIFY[pgcopydb]:-}"
  line "pg_dump -Fd + pg_restore" "${B[pg_dump]:-}" "$(ratio "$g" "${B[pg_dump]:-0}")" "${VERIFY[pg_dump]:-}"
  line "  pg_dump -Fd -j$JOBS" "${B[pg_dump_only]:-}"
  line "  pg_restore -j$JOBS" "${B[pg_restore_only]:-}"
  echo "data phase (tables and primary keys only):"
  line "godwit fetch --jobs $JOBS" "$f" "" "${VERIFY[fetch]:-}"
  line "raw COPY pipe, $JOBS at a time" "${B[raw]:-}" "$data_ratio" "${VERIFY[raw]:-}"
  echo
  printf '%-40s %10s %8s %s\n' target measured limit result
  FULL_OK=$(at_most "$full_ratio" "$MAX_FULL_RATIO")
  DATA_OK=$(at_most "$data_ratio" "$MAX_DATA_RATIO")
  RSS_OK=$(at_most "$rss_mib" "$MAX_RSS_MIB")
  printf '%-40s %10s %8s %s\n' "full clone: godwit / pgcopydb" "$full_ratio" "<= $MAX_FULL_RATIO" "$FULL_OK"
  printf '%-40s %10s %8s %s\n' "data: godwit fetch / raw COPY pipe" "$data_ratio" "<= $MAX_DATA_RATIO" "$DATA_OK"
  printf '%-40s %10s %8s %s\n' "godwit peak RSS (MiB)" "$rss_mib" "<= $MAX_RSS_MIB" "$RSS_OK"
  local n=0 good=0
  for p in $TOOLS; do
    n=$((n + 1))
    [[ "${VERIFY[$p]:-}" != ok ]] || good=$((good + 1))
  done
  COPIES_OK=$([[ $good == "$n" ]] && echo PASS || echo FAIL)
  printf '%-40s %10s %8s %s\n' "copies equal to the source" "$good of $n" "" "$COPIES_OK"
  summary "$rss_kib" "$full_ratio" "$data_ratio"
}

summary() {
  local json
  json=$(printf '{%s,"scale":%s,"rows":%s,"jobs":%s,"fsync":"%s","rounds":%s,' \
    "$(commit_fields)" "$SCALE" "$ROWS" "$JOBS" "$FSYNC" "$REPEAT")
  json+=$(printf '"godwit_s":%s,"godwit_fetch_s":%s,"godwit_post_s":%s,"godwit_data_s":%s,' \
    "${B[godwit]:-null}" "${B[fetch]:-null}" "${B[post]:-null}" "${B[data]:-null}")
  json+=$(printf '"pgcopydb_s":%s,' "${B[pgcopydb]:-null}")
  json+=$(printf '"pg_dump_restore_s":%s,"raw_pipe_s":%s,"godwit_peak_rss_kib":%s,' \
    "${B[pg_dump]:-null}" "${B[raw]:-null}" "$1")
  json+=$(printf '"full_ratio":%s,"data_ratio":%s,"full":"%s","data":"%s","rss":"%s","copies":"%s"}' \
    "${2/-/null}" "${3/-/null}" "$FULL_OK" "$DATA_OK" "$RSS_OK" "$COPIES_OK")
  bench_line "$json"
}

# --- main ------------------------------------------------------------------------------------

main() {
  declare -gA T=() B=() START=() RSS=() PEAK_RSS=() VERIFY=()
  STARTED=()
  install_missing
  build_godwit
  start_clusters
  build_dataset
  TABLES=$(source_tables)
  record_source
  local tool round
  for tool in $TOOLS; do
    [[ "$tool" =~ ^(godwit|pgcopydb|pg_dump|fetch|raw)$ ]] ||
      die "unknown tool in BENCH_TOOLS: $tool (godwit, pgcopydb, pg_dump, fetch, raw)"
  done
  for round in $(seq 1 "$REPEAT"); do
    ((REPEAT == 1)) || say "round $round of $REPEAT"
    for tool in $TOOLS; do
      "run_$tool"
      keep_best
    done
  done
  report
  [[ "$COPIES_OK" == PASS ]] || exit 2
  [[ "$FULL_OK $DATA_OK $RSS_OK" != *FAIL* ]] || exit 1
}

# Sourcing the script (to try one function) runs nothing.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
