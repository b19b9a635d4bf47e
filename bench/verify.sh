#!/usr/bin/env bash
# Verify benchmark (issue 5), all in one run on the same machine and the same two clusters:
# `godwit verify` in rows and hash modes against the naive dual scan (`COPY (SELECT * ... ORDER
# BY id) TO STDOUT | md5sum` of both sides at once) and data-diff from PyPI, on a table of
# mixed types that is identical on both sides (scenario A), then with 100 known differences on
# the target (scenario B). Prints a table of times and peak RSS, the ratios, PASS/FAIL per
# target and a last `BENCH {json}` line; method and settings: bench/README.md.
#
#   bench/verify.sh                       # 1M rows
#   BENCH_ROWS=20000 bench/verify.sh      # smoke run, about 30 seconds
#
# Environment: BENCH_ROWS (1000000), BENCH_JOBS (2), BENCH_FSYNC (on), BENCH_TOOLS ("rows hash
# naive data-diff"), BENCH_REPEAT (1: rounds over every tool per scenario, each time reported
# is its best round, RSS the worst), BENCH_KEEP=1 (keep the temp dir and clusters running),
# BENCH_SUMMARY=FILE (also write the JSON line there), BENCH_VENV (data-diff's virtualenv,
# ~/.cache/godwit-bench/venv, created when missing), GODWIT_BIN (skip the build).
# Exit: 0 every target met, 1 a target missed, 2 a tool gave a wrong answer or a step failed.
set -euo pipefail
export LC_NUMERIC=C # a decimal point in $EPOCHREALTIME

ROWS=${BENCH_ROWS:-1000000}
JOBS=${BENCH_JOBS:-2}
FSYNC=${BENCH_FSYNC:-on}
TOOLS=${BENCH_TOOLS:-rows hash naive data-diff}
REPEAT=${BENCH_REPEAT:-1}
VENV=${BENCH_VENV:-$HOME/.cache/godwit-bench/venv}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE="$REPO/bench"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# postgresql.conf beyond lib.sh's shared settings.
PG_SETTINGS="max_parallel_workers_per_gather = 2"
TABLE=bench.t
# Every column but the key, for data-diff (which compares the key alone unless told).
DD_COLUMNS="label amount score created_at day active ref doc payload tags"
# The differences of verify-differences.sql.
WANT_MISSING=30
WANT_EXTRANEOUS=30
WANT_MISMATCHED=40

# Targets of issue 5.
MAX_ROWS_NAIVE=1.3   # godwit --mode rows / naive dual scan
MIN_DD_ROWS=2        # data-diff / godwit --mode rows
MIN_ROWS_HASH=3      # godwit --mode rows / --mode hash, identical data
MAX_RSS_MIB=256      # godwit peak resident set size

wants() { [[ " $TOOLS " == *" $1 "* ]]; }

# --- prerequisites -------------------------------------------------------------------------

install_missing() {
  local pkgs=()
  [[ -x "$PG_BINDIR/initdb" ]] || pkgs+=(postgresql-15 postgresql-contrib)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v jq > /dev/null || pkgs+=(jq)
  if wants data-diff && [[ ! -x "$VENV/bin/data-diff" ]]; then
    command -v python3 > /dev/null || pkgs+=(python3)
    python3 -c 'import ensurepip, venv' 2> /dev/null || pkgs+=(python3-venv)
  fi
  install_packages "${pkgs[@]}"
}

# data-diff 0.11.2 in its own virtualenv, reused across runs. Without the dbt-core and
# pydantic pins it fails to install or to import (its dbt integration is imported eagerly).
install_data_diff() {
  wants data-diff || return 0
  [[ -x "$VENV/bin/data-diff" ]] && return 0
  say "installing data-diff 0.11.2 into $VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
  "$VENV/bin/pip" install -q 'data-diff[postgresql]==0.11.2' 'dbt-core~=1.7.0' 'pydantic<2' ||
    die "pip install data-diff failed"
  "$VENV/bin/data-diff" --version > /dev/null || die "data-diff does not start"
}

# godwit only for the rows and hash tools, and one that has `verify`.
need_godwit() {
  wants rows || wants hash || return 0
  build_godwit
  "$GODWIT_BIN" verify --help > /dev/null 2>&1 || die "$GODWIT_BIN has no verify command"
}

# --- connections (the clusters: start_clusters in lib.sh) ----------------------------------

src_url() { url "$PORT_SOURCE" bench; }
tgt_url() { url "$PORT_TARGET" bench; }

# --- dataset ---------------------------------------------------------------------------------

# The same generator on both sides at once; every value is a function of the key.
build_dataset() {
  local side port pids=() i=0
  say "loading $ROWS rows into $TABLE on both clusters"
  for side in source target; do
    port=$([[ $side == source ]] && echo "$PORT_SOURCE" || echo "$PORT_TARGET")
    {
      q "$(url "$port" postgres)" -c 'CREATE DATABASE bench' &&
        q "$(url "$port" bench)" -v rows="$ROWS" -f "$HERE/verify-dataset.sql" &&
        q "$(url "$port" bench)" -c 'CREATE EXTENSION pg_prewarm' -c "VACUUM ANALYZE $TABLE"
    } > "$WORK/load-$side.log" 2>&1 &
    pids+=($!)
  done
  for side in source target; do
    wait "${pids[$i]}" || fail_with "$WORK/load-$side.log" "loading the $side dataset"
    i=$((i + 1))
  done
  settle
}

# settle: CHECKPOINT both sides, then warm both the same way: the table, its TOAST table and
# its primary key into shared_buffers (pg_prewarm), the files into the page cache with them.
# Every tool then starts from the same warm state.
settle() {
  local u
  for u in "$(src_url)" "$(tgt_url)"; do
    q "$u" -c CHECKPOINT -c "SELECT sum(pg_prewarm(c)) FROM (VALUES
        ('$TABLE'::regclass), ('${TABLE}_pkey'::regclass),
        ((SELECT reltoastrelid FROM pg_class WHERE oid = '$TABLE'::regclass))) AS r(c)
      WHERE c <> 0" > /dev/null
  done
}

# Scenario B: the 100 differences on the target.
break_target() {
  say "scenario B: 40 mismatched, 30 missing, 30 extraneous rows on the target"
  q "$(tgt_url)" -v rows="$ROWS" -f "$HERE/verify-differences.sql" > /dev/null ||
    die "verify-differences.sql failed"
  q "$(tgt_url)" -c "VACUUM ANALYZE $TABLE"
  settle
}

table_size() { q "$(src_url)" -c "SELECT pg_size_pretty(pg_total_relation_size('$TABLE'))"; }

# --- timing ----------------------------------------------------------------------------------

# record TOOL SCENARIO SECONDS RSS_KIB: the time of this round and the worst RSS so far.
record() {
  T[$1.$2]=$3
  (($4 > ${RSS[$1]:-0})) && RSS[$1]=$4
  say "$1 ($2): $3 s, $4 KiB peak RSS"
}

# check TOOL SCENARIO OK|"what is wrong": a wrong answer in any round fails the tool.
check() {
  if [[ "$3" == ok ]]; then
    [[ -n "${CHECK[$1.$2]:-}" ]] || CHECK[$1.$2]=ok
  else
    say "$1 ($2): WRONG: $3"
    CHECK[$1.$2]=FAIL
  fi
}

# --- the tools -------------------------------------------------------------------------------

# godwit_verify MODE SCENARIO: godwit verify under /usr/bin/time; checks the exit status (0 on
# A, 1 on B) and the JSON report's counts (on B also 4 mismatches in each of the 10 columns).
godwit_verify() {
  local mode=$1 s=$2 out="$WORK/godwit-$1-$2" start status=0 want
  start=$(now)
  /usr/bin/time -f %M -o "$out.rss" "$GODWIT_BIN" verify --source "$(src_url)" --target "$(tgt_url)" \
    --tables '^bench\.t$' --mode "$mode" --jobs "$JOBS" --format json > "$out.json" 2> "$out.log" ||
    status=$?
  record "$mode" "$s" "$(elapsed "$start" "$(now)")" "$(tail -n 1 "$out.rss")"
  want=$([[ $s == A ]] && echo 0 || echo 1)
  ((status == 0 || status == 1)) || fail_with "$out.log" "godwit verify --mode $mode (exit $status)"
  COUNTS[$mode.$s]=$(jq -r '[.tables[] | select(.schema == "bench" and .name == "t")][0]
    | "\(.missing // "-") \(.extraneous // "-") \(.mismatched // "-")"' "$out.json" 2> /dev/null) ||
    COUNTS[$mode.$s]="- - -"
  if ((status != want)); then
    check "$mode" "$s" "exit status $status, expected $want"
  elif [[ $s == B ]] && ! jq -e '[.tables[] | select(.schema == "bench" and .name == "t")][0]
      .mismatched_columns | length == 10 and all(.[]; . == 4)' "$out.json" > /dev/null 2>&1; then
    check "$mode" "$s" "mismatched_columns is not 4 for each of the 10 columns"
  elif [[ "${COUNTS[$mode.$s]}" != "$(expected_counts "$s")" ]]; then
    check "$mode" "$s" "missing/extraneous/mismatched ${COUNTS[$mode.$s]}, expected $(expected_counts "$s")"
  else
    check "$mode" "$s" ok
  fi
}

expected_counts() {
  if [[ $1 == A ]]; then echo "0 0 0"; else echo "$WANT_MISSING $WANT_EXTRANEOUS $WANT_MISMATCHED"; fi
}

run_rows() { godwit_verify rows "$1"; }
run_hash() { godwit_verify hash "$1"; }

# naive_side URL OUT: one side of the naive dual scan, its digest in OUT, psql's RSS in OUT.rss.
naive_side() {
  set -o pipefail
  /usr/bin/time -f %M -o "$2.rss" psql -X -q -v ON_ERROR_STOP=1 -d "$1" \
    -c "COPY (SELECT * FROM $TABLE ORDER BY id) TO STDOUT" | md5sum > "$2"
}

# The naive baseline: both sides' text COPY in key order, piped to md5sum, side by side.
run_naive() {
  local s=$1 out="$WORK/naive-$1" start a b rss
  start=$(now)
  naive_side "$(src_url)" "$out.source" 2> "$out.log" &
  a=$!
  naive_side "$(tgt_url)" "$out.target" 2>> "$out.log" &
  b=$!
  wait "$a" || fail_with "$out.log" "naive scan of the source"
  wait "$b" || fail_with "$out.log" "naive scan of the target"
  rss=$(cat "$out.source.rss" "$out.target.rss" | sort -n | tail -n 1)
  record naive "$s" "$(elapsed "$start" "$(now)")" "$rss"
  if cmp -s "$out.source" "$out.target"; then COUNTS[naive.$s]=equal; else COUNTS[naive.$s]=differ; fi
  if [[ ${COUNTS[naive.$s]} == "$([[ $s == A ]] && echo equal || echo differ)" ]]; then
    check naive "$s" ok
  else
    check naive "$s" "digests ${COUNTS[naive.$s]}"
  fi
}

# data-diff with its defaults (hashdiff across databases, bisection factor 32, threshold 16384)
# and --threads equal to our jobs; every column compared (-c each, else it compares the key
# alone). Its URLs need a password (any, with trust authentication); its --json output is one
# line per differing row and side, ["-", [key, ...]] for the source and ["+", ...] for the
# target, on stdout between its warnings, and wrapped at $COLUMNS by its console library.
run_data-diff() {
  local s=$1 out="$WORK/data-diff-$1" start args=() c status=0 src tgt
  for c in $DD_COLUMNS; do args+=(-c "$c"); done
  src="postgresql://postgres:bench@127.0.0.1:$PORT_SOURCE/bench"
  tgt="postgresql://postgres:bench@127.0.0.1:$PORT_TARGET/bench"
  start=$(now)
  COLUMNS=1000000 /usr/bin/time -f %M -o "$out.rss" "$VENV/bin/data-diff" --no-tracking \
    "$src" "$TABLE" "$tgt" "$TABLE" -k id "${args[@]}" -j "$JOBS" --json \
    > "$out.out" 2> "$out.log" || status=$?
  record data-diff "$s" "$(elapsed "$start" "$(now)")" "$(tail -n 1 "$out.rss")"
  ((status == 0)) || fail_with "$out.log" "data-diff (exit $status)"
  COUNTS[data-diff.$s]=$(data_diff_counts "$out.out")
  if [[ "${COUNTS[data-diff.$s]}" == "$(expected_counts "$s")" ]]; then
    check data-diff "$s" ok
  else
    check data-diff "$s" "missing/extraneous/mismatched ${COUNTS[data-diff.$s]}, expected $(expected_counts "$s")"
  fi
}

# "missing extraneous mismatched" from data-diff's output: a key with a "-" line only is
# missing, with a "+" line only extraneous, with both mismatched.
data_diff_counts() {
  { grep '^\[' "$1" || true; } | jq -rs 'group_by(.[1][0]) | map(map(.[0]) | sort | join(""))
    | "\(map(select(. == "-")) | length) \(map(select(. == "+")) | length) \(map(select(. == "+-")) | length)"' ||
    echo "- - -"
}

run_scenario() {
  local s=$1 round tool
  for round in $(seq 1 "$REPEAT"); do
    ((REPEAT == 1)) || say "scenario $s, round $round of $REPEAT"
    for tool in $TOOLS; do
      "run_$tool" "$s"
      keep_best
    done
  done
}

# --- report ----------------------------------------------------------------------------------

mib() { [[ -n "${RSS[$1]:-}" ]] && echo $((RSS[$1] / 1024)) || echo -; }

report() {
  local s tool label rss_kib=0
  echo
  echo "godwit verify benchmark: $TABLE, $ROWS rows ($SIZE), --jobs $JOBS, fsync=$FSYNC, warm caches," \
    "best of $REPEAT round(s), load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) now"
  printf '%-34s %8s %9s %9s  %-18s %s\n' tool scenario seconds "RSS MiB" "miss/extra/mism" answer
  for s in A B; do
    for tool in $TOOLS; do
      case $tool in
        rows) label="godwit verify --mode rows" ;;
        hash) label="godwit verify --mode hash" ;;
        naive) label="naive COPY | md5sum, both sides" ;;
        data-diff) label="data-diff 0.11.2 -j $JOBS" ;;
      esac
      printf '%-34s %8s %9s %9s  %-18s %s\n' "$label" "$s" "${B[$tool.$s]:--}" "$(mib "$tool")" \
        "${COUNTS[$tool.$s]:--}" "${CHECK[$tool.$s]:--}"
    done
  done
  for tool in rows hash; do
    [[ -n "${RSS[$tool]:-}" ]] && ((RSS[$tool] > rss_kib)) && rss_kib=${RSS[$tool]}
  done
  RSS_MIB=$((rss_kib / 1024))
  ((rss_kib > 0)) || RSS_MIB=-
  R_NAIVE_A=$(ratio "${B[rows.A]:-}" "${B[naive.A]:-}")
  R_NAIVE_B=$(ratio "${B[rows.B]:-}" "${B[naive.B]:-}")
  R_DD_A=$(ratio "${B[data-diff.A]:-}" "${B[rows.A]:-}")
  R_DD_B=$(ratio "${B[data-diff.B]:-}" "${B[rows.B]:-}")
  R_HASH_A=$(ratio "${B[rows.A]:-}" "${B[hash.A]:-}")
  R_HASH_B=$(ratio "${B[rows.B]:-}" "${B[hash.B]:-}")
  echo
  printf '%-40s %10s %8s %s\n' target measured limit result
  target() { printf '%-40s %10s %8s %s\n' "$1" "$2" "$3" "$4"; }
  OK_NAIVE_A=$(at_most "$R_NAIVE_A" "$MAX_ROWS_NAIVE")
  OK_NAIVE_B=$(at_most "$R_NAIVE_B" "$MAX_ROWS_NAIVE")
  OK_DD_A=$(at_least "$R_DD_A" "$MIN_DD_ROWS")
  OK_DD_B=$(at_least "$R_DD_B" "$MIN_DD_ROWS")
  OK_HASH=$(at_least "$R_HASH_A" "$MIN_ROWS_HASH")
  OK_RSS=$(at_most "$RSS_MIB" "$MAX_RSS_MIB")
  target "A: rows / naive" "$R_NAIVE_A" "<= $MAX_ROWS_NAIVE" "$OK_NAIVE_A"
  target "B: rows / naive" "$R_NAIVE_B" "<= $MAX_ROWS_NAIVE" "$OK_NAIVE_B"
  target "A: data-diff / rows" "$R_DD_A" ">= $MIN_DD_ROWS" "$OK_DD_A"
  target "B: data-diff / rows" "$R_DD_B" ">= $MIN_DD_ROWS" "$OK_DD_B"
  target "A: rows / hash" "$R_HASH_A" ">= $MIN_ROWS_HASH" "$OK_HASH"
  target "B: rows / hash (no target)" "$R_HASH_B" "" ""
  target "godwit peak RSS (MiB)" "$RSS_MIB" "<= $MAX_RSS_MIB" "$OK_RSS"
  ANSWERS_OK=PASS
  for s in A B; do
    for tool in $TOOLS; do
      [[ "${CHECK[$tool.$s]:-}" == ok ]] || ANSWERS_OK=FAIL
    done
  done
  target "every tool found what differs" "" "" "$ANSWERS_OK"
  summary "$rss_kib"
}

num() { [[ "${1:--}" == - ]] && echo null || echo "$1"; }

summary() {
  local json s tool
  json=$(printf '{%s,"rows":%s,"jobs":%s,"fsync":"%s","rounds":%s,"load_start":"%s"' \
    "$(commit_fields)" "$ROWS" "$JOBS" "$FSYNC" "$REPEAT" "$LOAD_START")
  for s in A B; do
    for tool in rows hash naive data-diff; do
      json+=$(printf ',"%s_%s_s":%s' "${tool/-/_}" "$s" "$(num "${B[$tool.$s]:-}")")
    done
  done
  json+=$(printf ',"godwit_peak_rss_kib":%s,"data_diff_peak_rss_kib":%s' "$1" "${RSS[data-diff]:-null}")
  json+=$(printf ',"rows_naive_A":%s,"rows_naive_B":%s,"data_diff_rows_A":%s,"data_diff_rows_B":%s' \
    "$(num "$R_NAIVE_A")" "$(num "$R_NAIVE_B")" "$(num "$R_DD_A")" "$(num "$R_DD_B")")
  json+=$(printf ',"rows_hash_A":%s,"rows_hash_B":%s' "$(num "$R_HASH_A")" "$(num "$R_HASH_B")")
  json+=$(printf ',"naive":"%s","data_diff":"%s","hash":"%s","rss":"%s","answers":"%s"}' \
    "$OK_NAIVE_A/$OK_NAIVE_B" "$OK_DD_A/$OK_DD_B" "$OK_HASH" "$OK_RSS" "$ANSWERS_OK")
  bench_line "$json"
}

# --- main ------------------------------------------------------------------------------------

main() {
  declare -gA T=() B=() RSS=() CHECK=() COUNTS=()
  STARTED=()
  local tool
  for tool in $TOOLS; do
    [[ "$tool" =~ ^(rows|hash|naive|data-diff)$ ]] ||
      die "unknown tool in BENCH_TOOLS: $tool (rows, hash, naive, data-diff)"
  done
  ((ROWS >= 1000)) || die "BENCH_ROWS must be at least 1000"
  install_missing
  install_data_diff
  need_godwit
  start_clusters
  build_dataset
  SIZE=$(table_size)
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  say "scenario A: identical tables ($SIZE each)"
  run_scenario A
  break_target
  run_scenario B
  report
  [[ "$ANSWERS_OK" == PASS ]] || exit 2
  [[ "$OK_NAIVE_A $OK_NAIVE_B $OK_DD_A $OK_DD_B $OK_HASH $OK_RSS" != *FAIL* ]] || exit 1
}

# Sourcing the script (to try one function) runs nothing.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
