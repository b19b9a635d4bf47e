#!/usr/bin/env bash
# Change-data-capture benchmark: `godwit replicate` against PostgreSQL's own logical replication
# (CREATE SUBSCRIPTION) on the same clusters and the same load, in three scenarios: live
# (pgbench -N while replicating: lag), backlog (the same load while apply is stopped, then the
# drain: transactions/s) and one big transaction (time to apply it). Prints a table of figures
# and ratios, godwit's peak RSS, PASS/FAIL per target and a last `BENCH {json}` line; method
# and settings: bench/README.md.
#
#   bench/replicate.sh                                            # full size (about 8 minutes)
#   BENCH_SCALE=1 BENCH_DURATION=5 BENCH_BIG_ROWS=50000 bench/replicate.sh   # smoke run
#
# Environment: BENCH_SCALE (10), BENCH_CLIENTS (4), BENCH_DURATION (60 s of pgbench per load),
# BENCH_BIG_ROWS (2000000), BENCH_FSYNC (on), BENCH_SCENARIOS ("live backlog big"),
# BENCH_KEEP=1 (keep the temp dir and clusters running), BENCH_SUMMARY=FILE (also write the
# JSON line there), GODWIT_BIN (skip the build), PG_BINDIR.
# Exit: 0 every target met, 1 a target missed, 2 a copy was wrong or a step failed.
set -euo pipefail
export LC_NUMERIC=C # a decimal point in $EPOCHREALTIME

SCALE=${BENCH_SCALE:-10}
CLIENTS=${BENCH_CLIENTS:-4}
DURATION=${BENCH_DURATION:-60}
BIG_ROWS=${BENCH_BIG_ROWS:-2000000}
FSYNC=${BENCH_FSYNC:-on}
SCENARIOS=${BENCH_SCENARIOS:-live backlog big}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
REPO=$(cd "$(dirname "$0")/.." && pwd)
HERE="$REPO/bench"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# postgresql.conf beyond lib.sh's shared settings.
PG_SETTINGS="wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_logical_replication_workers = 4
wal_retrieve_retry_interval = '100ms'
full_page_writes = on"

# Targets of issue 6.
MIN_DRAIN_RATIO=1.0 # godwit backlog drain rate / native's
MAX_BIG_RATIO=1.0   # godwit big-transaction time / native's
MAX_LAG_S=1.0       # godwit's largest lag under live load
MAX_RSS_MIB=256     # godwit peak resident set size

SLOT=bench_godwit # godwit's slot (and publication) on the source
SUB=bench_native  # the native subscription, its slot and its publication

# --- prerequisites -------------------------------------------------------------------------

install_missing() {
  local pkgs=()
  [[ -x "$PG_BINDIR/initdb" ]] || pkgs+=(postgresql-15)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v pgbench > /dev/null || pkgs+=(postgresql-contrib)
  install_packages "${pkgs[@]}"
}

# --- connections (the clusters: start_clusters in lib.sh) ----------------------------------

# Run first by lib.sh's cleanup: a godwit still running is stopped before its clusters.
before_cleanup() { stop_godwit; }

src_url() { url "$PORT_SOURCE" "${1:-bench}"; }
# The target cluster holds one database per tool: `godwit` and `native`.
tgt_url() { url "$PORT_TARGET" "$1"; }

# --- setup -----------------------------------------------------------------------------------

setup() {
  say "source: pgbench -i -s $SCALE + replicate-setup.sql; both targets a copy of it"
  q "$(src_url postgres)" -c 'CREATE DATABASE bench'
  pgbench -i -q -s "$SCALE" "$(src_url)" > "$WORK/pgbench-init.log" 2>&1 ||
    fail_with "$WORK/pgbench-init.log" "pgbench -i"
  q "$(src_url)" -f "$HERE/replicate-setup.sql"
  q "$(src_url)" -c 'VACUUM ANALYZE'
  local db
  for db in godwit native; do
    q "$(tgt_url postgres)" -c "CREATE DATABASE $db"
    pg_dump -d "$(src_url)" | q "$(tgt_url "$db")" > /dev/null || die "copying bench into $db"
    q "$(tgt_url "$db")" -c 'VACUUM ANALYZE'
  done
  # Both slots are made only now: the copies hold exactly the source, and every later source
  # transaction reaches both consumers.
  q "$(src_url)" -c "CREATE PUBLICATION $SUB FOR ALL TABLES"
  q "$(tgt_url native)" -c "CREATE SUBSCRIPTION $SUB CONNECTION 'host=127.0.0.1 port=$PORT_SOURCE
    dbname=bench user=postgres' PUBLICATION $SUB WITH (copy_data = false, enabled = false)"
  start_godwit setup
  wait_recorded
  stop_godwit
  q "$(src_url)" -c CHECKPOINT
  q "$(tgt_url postgres)" -c CHECKPOINT
}

# --- the two consumers -----------------------------------------------------------------------

# start_godwit PHASE: `godwit replicate` in the background under /usr/bin/time.
start_godwit() {
  GODWIT_PHASE=$1
  /usr/bin/time -f '%M %U %S' -o "$WORK/rss-$1" "$GODWIT_BIN" replicate --source "$(src_url)" \
    --target "$(tgt_url godwit)" --slot "$SLOT" --log-format json > "$WORK/godwit-$1.log" 2>&1 &
  TIME_PID=$!
}

# The slot exists, its start is recorded on the target, and godwit streams (its signal
# handlers are installed once it does: a SIGTERM before that would kill it).
wait_recorded() {
  for _ in $(seq 1 300); do
    if grep -q '"streaming slot' "$WORK/godwit-$GODWIT_PHASE.log" &&
      [[ -n "$(q "$(tgt_url godwit)" -c "SELECT applied_lsn FROM _godwit.replication
        WHERE slot_name = '$SLOT'" 2> /dev/null)" ]]; then
      sleep 0.3
      return 0
    fi
    kill -0 "$TIME_PID" 2> /dev/null || fail_with "$WORK/godwit-$GODWIT_PHASE.log" "godwit replicate"
    sleep 0.1
  done
  die "godwit replicate did not record its slot within 30 s"
}

# SIGTERM to godwit (not to time), wait for its clean exit; records its peak RSS.
stop_godwit() {
  [[ -n "${TIME_PID:-}" ]] || return 0
  local child
  child=$(pgrep -P "$TIME_PID" || true)
  [[ -z "$child" ]] || kill -TERM "$child"
  if ! wait "$TIME_PID"; then
    TIME_PID=
    fail_with "$WORK/godwit-$GODWIT_PHASE.log" "godwit replicate ($GODWIT_PHASE)"
  fi
  TIME_PID=
  local rss user sys
  read -r rss user sys < <(tail -n 1 "$WORK/rss-$GODWIT_PHASE")
  ((rss > PEAK_RSS)) && PEAK_RSS=$rss
  CPU[$GODWIT_PHASE]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  say "godwit $GODWIT_PHASE: peak RSS $rss KiB, CPU ${CPU[$GODWIT_PHASE]} s"
}

start_native() { q "$(tgt_url native)" -c "ALTER SUBSCRIPTION $SUB ENABLE"; }

# Disable the subscription and wait until its apply worker is gone and its slot released.
stop_native() {
  q "$(tgt_url native)" -c "ALTER SUBSCRIPTION $SUB DISABLE"
  for _ in $(seq 1 300); do
    [[ "$(q "$(src_url)" -c "SELECT count(*) FROM pg_replication_slots
      WHERE slot_name = '$SUB' AND active")" == 0 ]] && return 0
    sleep 0.1
  done
  die "the native subscription's slot stayed active"
}

# --- load and measurement --------------------------------------------------------------------

# load NAME: pgbench -N for DURATION seconds (-n: no vacuum and no TRUNCATE of pgbench_history
# before it, which would replicate); sets TXNS[NAME]; then the marker transaction.
load() {
  say "$1: pgbench -N -c $CLIENTS -T $DURATION"
  pgbench -n -N -c "$CLIENTS" -j "$CLIENTS" -T "$DURATION" "$(src_url)" > "$WORK/pgbench-$1.log" 2>&1 ||
    fail_with "$WORK/pgbench-$1.log" "pgbench ($1)"
  TXNS[$1]=$(awk '/number of transactions actually processed/ { print $NF }' "$WORK/pgbench-$1.log")
  TPS[$1]=$(awk -F'[ =]+' '/^tps/ { printf "%.0f", $2; exit }' "$WORK/pgbench-$1.log")
  say "$1: ${TXNS[$1]} transactions, ${TPS[$1]} tps"
  mark
}

# A new marker, committed after everything before it.
mark() {
  MARKER=$((MARKER + 1))
  q "$(src_url)" -c "INSERT INTO bench_marker (id) VALUES ($MARKER)"
}

# wait_marker DB TIMEOUT: blocks until the current marker is on the target; prints when.
wait_marker() {
  q "$(tgt_url "$1")" -c "SELECT bench_wait($MARKER, $2)" || die "waiting for marker $MARKER in $1"
}

# sampler DB SQL FILE: every 100 ms, `epoch lsn-as-bytes` of SQL into FILE, in the background.
sampler() {
  printf '%s\n\\watch 0.1\n' "$2" | q "$1" -F ' ' > "$3" 2> /dev/null &
  SAMPLERS+=($!)
}

SOURCE_LSN="SELECT extract(epoch FROM clock_timestamp()), pg_current_wal_lsn() - '0/0'"
GODWIT_LSN="SELECT extract(epoch FROM clock_timestamp()), coalesce((SELECT applied_lsn::pg_lsn - '0/0'
  FROM _godwit.replication WHERE slot_name = '$SLOT'), 0)"
NATIVE_LSN="SELECT extract(epoch FROM clock_timestamp()), coalesce((SELECT s.remote_lsn - '0/0'
  FROM pg_replication_origin_status s JOIN pg_subscription p ON s.external_id = 'pg_' || p.oid
  WHERE p.subname = '$SUB'), 0)"

# lag SOURCE_SAMPLES APPLIED_SAMPLES FROM TO: "max p99 mean" seconds. The lag at a sample of the
# applied position A taken at time t is t minus the moment the source's WAL reached A
# (interpolated between source samples): how old the newest source state on the target is.
lag() {
  awk -v from="$3" -v to="$4" '
    NR == FNR { st[n] = $1; sl[n] = $2; n++; next }
    $1 >= from && $1 <= to && $2 > 0 {
      while (i < n - 1 && sl[i + 1] < $2) i++
      if (sl[i] >= $2 || i == n - 1) reached = st[i]
      else reached = st[i] + (st[i + 1] - st[i]) * ($2 - sl[i]) / (sl[i + 1] - sl[i])
      if (sl[0] >= $2) reached = st[0]
      v = $1 - reached; if (v < 0) v = 0
      lags[m++] = v; sum += v
    }
    END {
      if (m == 0) { print "- - -"; exit }
      for (a = 1; a < m; a++) { x = lags[a]; b = a - 1; while (b >= 0 && lags[b] > x) { lags[b + 1] = lags[b]; b-- } lags[b + 1] = x }
      p = int(0.99 * (m - 1))
      printf "%.3f %.3f %.3f\n", lags[m - 1], lags[p], sum / m
    }' "$1" "$2"
}

stop_samplers() {
  local p
  for p in "${SAMPLERS[@]:-}"; do [[ -z "$p" ]] || kill "$p" 2> /dev/null || true; done
  for p in "${SAMPLERS[@]:-}"; do [[ -z "$p" ]] || wait "$p" 2> /dev/null || true; done
  SAMPLERS=()
}

# live TOOL: the load while TOOL replicates (the other one stopped), lag sampled throughout.
live() {
  local tool=$1 from to sql
  [[ $tool == godwit ]] && sql=$GODWIT_LSN || sql=$NATIVE_LSN
  if [[ $tool == godwit ]]; then
    start_godwit live
    wait_recorded
  else
    start_native
  fi
  sampler "$(src_url)" "$SOURCE_LSN" "$WORK/lsn-source-$tool"
  sampler "$(tgt_url "$tool")" "$sql" "$WORK/lsn-$tool"
  sleep 1
  from=$(now)
  load "live-$tool"
  to=$(now)
  wait_marker "$tool" 600 > /dev/null
  stop_samplers
  # The first second of the load is left out (the consumer takes up the first transactions).
  read -r "LAG_MAX[$tool]" "LAG_P99[$tool]" "LAG_MEAN[$tool]" < <(lag "$WORK/lsn-source-$tool" "$WORK/lsn-$tool" \
    "$(awk -v a="$from" 'BEGIN { printf "%.3f", a + 1 }')" "$to")
  say "live $tool: lag max ${LAG_MAX[$tool]} s, p99 ${LAG_P99[$tool]} s, mean ${LAG_MEAN[$tool]} s"
  if [[ $tool == godwit ]]; then stop_godwit; else stop_native; fi
}

# catch_up TOOL: apply everything pending (untimed) and stop again.
catch_up() {
  mark
  if [[ $1 == godwit ]]; then
    start_godwit catch-up
    wait_marker godwit 1200 > /dev/null
    stop_godwit
  else
    start_native
    wait_marker native 1200 > /dev/null
    stop_native
  fi
}

# drain TOOL NAME: start TOOL on a waiting backlog; sets DRAIN[TOOL-NAME], seconds from its start
# until the marker after the backlog is on the target.
drain() {
  local tool=$1 name=$2 start seen
  say "$name: $tool applies the backlog"
  start=$(now)
  if [[ $tool == godwit ]]; then start_godwit "$name"; else start_native; fi
  seen=$(wait_marker "$tool" 1800)
  DRAIN[$tool-$name]=$(elapsed "$start" "$seen")
  if [[ $tool == godwit ]]; then stop_godwit; else stop_native; fi
  say "$name: $tool took ${DRAIN[$tool-$name]} s"
}

backlog() {
  load backlog
  drain native backlog
  drain godwit backlog
  RATE[native]=$(awk -v n="${TXNS[backlog]}" -v s="${DRAIN[native-backlog]}" 'BEGIN { printf "%.0f", n / s }')
  RATE[godwit]=$(awk -v n="${TXNS[backlog]}" -v s="${DRAIN[godwit-backlog]}" 'BEGIN { printf "%.0f", n / s }')
}

big() {
  say "big: one transaction of $BIG_ROWS rows into bench_big"
  local start
  start=$(now)
  MARKER=$((MARKER + 1))
  q "$(src_url)" -v rows="$BIG_ROWS" -v marker="$MARKER" -f "$HERE/replicate-big.sql" ||
    die "the big transaction failed"
  T_BIG_SOURCE=$(elapsed "$start" "$(now)")
  drain native big
  drain godwit big
}

# --- checks ----------------------------------------------------------------------------------

# "rows hash" of one table, independent of row order.
table_digest() {
  q "$1" -c "SELECT count(*) || ' ' || coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)
    FROM $2 t"
}

check_copies() {
  local t want got tool
  for tool in godwit native; do VERIFY[$tool]=ok; done
  for t in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history bench_big bench_marker; do
    want=$(table_digest "$(src_url)" "$t")
    for tool in godwit native; do
      got=$(table_digest "$(tgt_url "$tool")" "$t")
      [[ "$got" == "$want" ]] || {
        say "$tool: $t differs: source [$want], target [$got]"
        VERIFY[$tool]=FAIL
      }
    done
  done
}

# --- report ----------------------------------------------------------------------------------

report() {
  local rss_mib=$((PEAK_RSS / 1024)) drain_ratio big_ratio
  ((PEAK_RSS > 0)) || rss_mib=-
  drain_ratio=$(ratio "${RATE[godwit]:--}" "${RATE[native]:--}")
  big_ratio=$(ratio "${DRAIN[godwit-big]:--}" "${DRAIN[native-big]:--}")
  echo
  echo "godwit replicate benchmark: pgbench scale $SCALE, -N -c $CLIENTS -T $DURATION," \
    "$BIG_ROWS-row transaction, fsync=$FSYNC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-44s %12s %12s %8s\n' "" godwit native ratio
  row() { printf '%-44s %12s %12s %8s\n' "$1" "${2:--}" "${3:--}" "${4:-}"; }
  row "live: source tps while replicating" "${TPS[live-godwit]:-}" "${TPS[live-native]:-}"
  row "live: lag max (s)" "${LAG_MAX[godwit]:-}" "${LAG_MAX[native]:-}"
  row "live: lag p99 (s)" "${LAG_P99[godwit]:-}" "${LAG_P99[native]:-}"
  row "live: lag mean (s)" "${LAG_MEAN[godwit]:-}" "${LAG_MEAN[native]:-}"
  row "backlog: transactions (${TPS[backlog]:-?} tps at the source)" "${TXNS[backlog]:-}" "${TXNS[backlog]:-}"
  row "backlog: drain (s)" "${DRAIN[godwit-backlog]:-}" "${DRAIN[native-backlog]:-}"
  row "backlog: drain rate (transactions/s)" "${RATE[godwit]:-}" "${RATE[native]:-}" "$drain_ratio"
  row "big: $BIG_ROWS rows, applied in (s)" "${DRAIN[godwit-big]:-}" "${DRAIN[native-big]:-}" "$big_ratio"
  row "  (written on the source in ${T_BIG_SOURCE:-?} s)"
  row "copies equal to the source" "${VERIFY[godwit]:-}" "${VERIFY[native]:-}"
  echo
  printf '%-44s %10s %8s %s\n' target measured limit result
  DRAIN_OK=$(at_least "$drain_ratio" "$MIN_DRAIN_RATIO")
  BIG_OK=$(at_most "$big_ratio" "$MAX_BIG_RATIO")
  LAG_OK=$(at_most "${LAG_MAX[godwit]:--}" "$MAX_LAG_S")
  RSS_OK=$(at_most "$rss_mib" "$MAX_RSS_MIB")
  printf '%-44s %10s %8s %s\n' "backlog drain rate: godwit / native" "$drain_ratio" ">= $MIN_DRAIN_RATIO" "$DRAIN_OK"
  printf '%-44s %10s %8s %s\n' "big transaction time: godwit / native" "$big_ratio" "<= $MAX_BIG_RATIO" "$BIG_OK"
  printf '%-44s %10s %8s %s\n' "live: godwit lag max (s)" "${LAG_MAX[godwit]:--}" "<= $MAX_LAG_S" "$LAG_OK"
  printf '%-44s %10s %8s %s\n' "godwit peak RSS (MiB)" "$rss_mib" "<= $MAX_RSS_MIB" "$RSS_OK"
  COPIES_OK=$([[ "${VERIFY[godwit]} ${VERIFY[native]}" == "ok ok" ]] && echo PASS || echo FAIL)
  printf '%-44s %10s %8s %s\n' "copies equal to the source" "" "" "$COPIES_OK"
  summary "$drain_ratio" "$big_ratio"
}

summary() {
  local json
  n() { [[ -n "${1:-}" && "$1" != - ]] && echo "$1" || echo null; }
  json=$(printf '{%s,"scale":%s,"clients":%s,"duration_s":%s,"big_rows":%s,"fsync":"%s",' \
    "$(commit_fields)" "$SCALE" "$CLIENTS" "$DURATION" "$BIG_ROWS" "$FSYNC")
  json+=$(printf '"live_lag_max_s":{"godwit":%s,"native":%s},"live_lag_p99_s":{"godwit":%s,"native":%s},' \
    "$(n "${LAG_MAX[godwit]:-}")" "$(n "${LAG_MAX[native]:-}")" "$(n "${LAG_P99[godwit]:-}")" "$(n "${LAG_P99[native]:-}")")
  json+=$(printf '"backlog_txns":%s,"drain_txn_per_s":{"godwit":%s,"native":%s},' \
    "$(n "${TXNS[backlog]:-}")" "$(n "${RATE[godwit]:-}")" "$(n "${RATE[native]:-}")")
  json+=$(printf '"big_s":{"godwit":%s,"native":%s},"godwit_peak_rss_kib":%s,' \
    "$(n "${DRAIN[godwit-big]:-}")" "$(n "${DRAIN[native-big]:-}")" "$PEAK_RSS")
  json+=$(printf '"drain_ratio":%s,"big_ratio":%s,"drain":"%s","big":"%s","lag":"%s","rss":"%s","copies":"%s"}' \
    "$(n "$1")" "$(n "$2")" "$DRAIN_OK" "$BIG_OK" "$LAG_OK" "$RSS_OK" "$COPIES_OK")
  bench_line "$json"
}

# --- main ------------------------------------------------------------------------------------

main() {
  declare -gA CPU=() TXNS=() TPS=() DRAIN=() RATE=() LAG_MAX=() LAG_P99=() LAG_MEAN=() VERIFY=()
  STARTED=()
  SAMPLERS=()
  PEAK_RSS=0
  MARKER=0
  TIME_PID=
  local s
  for s in $SCENARIOS; do
    [[ "$s" =~ ^(live|backlog|big)$ ]] || die "unknown scenario in BENCH_SCENARIOS: $s (live, backlog, big)"
  done
  install_missing
  build_godwit
  start_clusters
  setup
  # One consumer at a time, each on the same load; the other catches up, untimed, in between.
  for s in $SCENARIOS; do
    case $s in
      live)
        live native
        catch_up godwit
        live godwit
        catch_up native
        ;;
      backlog) backlog ;;
      big) big ;;
    esac
  done
  check_copies
  report
  [[ "$COPIES_OK" == PASS ]] || exit 2
  [[ "$DRAIN_OK $BIG_OK $LAG_OK $RSS_OK" != *FAIL* ]] || exit 1
}

# Sourcing the script (to try one function) runs nothing.
[[ "${BASH_SOURCE[0]}" != "$0" ]] || main "$@"
