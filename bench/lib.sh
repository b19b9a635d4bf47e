# shellcheck shell=bash
# Helpers shared by bench/fetch.sh, bench/verify.sh and bench/replicate.sh; sourced, not run.
# The script sets, before calling them: REPO (the repository), PG_BINDIR (the server binaries),
# FSYNC and PG_SETTINGS (its own postgresql.conf lines, see start_cluster), and STARTED=() in
# main. It may define before_cleanup (run first on exit, its failure ignored).
# shellcheck disable=SC2154 # REPO, PG_BINDIR, FSYNC, PG_SETTINGS, STARTED: set by the script

die() {
  echo "bench: error: $*" >&2
  exit 2
}

# fail_with LOG WHAT: the end of a failed step's log (the work directory goes away), then die.
fail_with() {
  tail -n 20 "$1" | sed 's/^/  | /' >&2
  die "$2 failed"
}
say() { echo "bench: $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------

# install_packages PKG...: apt-get install of what the script found missing (nothing: no-op).
install_packages() {
  (($# == 0)) && return 0
  { [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; } ||
    die "missing $*; install them (Debian: apt-get install $*)"
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" > /dev/null ||
    { apt-get update > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" > /dev/null; } ||
    die "apt-get install $* failed"
}

# GODWIT_BIN if set (it must be executable), else a release build of godwit-cli.
build_godwit() {
  if [[ -n "${GODWIT_BIN:-}" ]]; then
    [[ -x "$GODWIT_BIN" ]] || die "GODWIT_BIN=$GODWIT_BIN is not executable"
    return 0
  fi
  say "building godwit (cargo build --release -p godwit-cli)"
  (cd "$REPO" && cargo build --release -q -p godwit-cli) || die "cargo build failed"
  GODWIT_BIN="$REPO/target/release/godwit"
}

# --- clusters --------------------------------------------------------------------------------

# Runs a server-side command as `postgres` when we are root (initdb refuses root).
as_pg() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for _ in $(seq 1 500); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || {
      echo "$p"
      return 0
    }
  done
  die "no free TCP port found"
}

# start_cluster NAME: initdb + start on a free port; sets PORT_<NAME>. The settings every
# benchmark shares, then the script's own PG_SETTINGS lines.
start_cluster() {
  local name=$1 dir="$WORK/$1" port
  port=$(free_port)
  as_pg "$PG_BINDIR/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-locale \
    > "$WORK/$name-initdb.log" 2>&1 || fail_with "$WORK/$name-initdb.log" "initdb $name"
  cat >> "$dir/postgresql.conf" << EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$WORK'
max_connections = 100
shared_buffers = 1GB
maintenance_work_mem = 512MB
work_mem = 64MB
max_wal_size = 4GB
checkpoint_timeout = 30min
fsync = $FSYNC
synchronous_commit = on
autovacuum = off
timezone = 'UTC'
${PG_SETTINGS:-}
EOF
  as_pg "$PG_BINDIR/pg_ctl" -D "$dir" -l "$WORK/$name.log" -w -t 60 start > /dev/null ||
    fail_with "$WORK/$name.log" "starting the $name cluster"
  STARTED+=("$dir")
  printf -v "PORT_${name^^}" '%s' "$port"
}

# start_clusters: the work directory (removed on exit by cleanup), then the source and the
# target clusters; sets WORK, PORT_SOURCE and PORT_TARGET.
start_clusters() {
  WORK=$(mktemp -d /tmp/godwit-bench.XXXXXX)
  chmod 755 "$WORK"
  [[ $(id -u) == 0 ]] && chown postgres: "$WORK"
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  start_cluster source
  start_cluster target
  say "source on port $PORT_SOURCE, target on port $PORT_TARGET, work dir $WORK"
}

cleanup() {
  local status=$?
  if declare -F before_cleanup > /dev/null; then before_cleanup 2> /dev/null || true; fi
  if [[ "${BENCH_KEEP:-0}" == 1 && -n "${WORK:-}" ]]; then
    say "kept $WORK (clusters still running: ${STARTED[*]:-none})"
    exit "$status"
  fi
  for dir in "${STARTED[@]:-}"; do
    [[ -z "$dir" ]] || as_pg "$PG_BINDIR/pg_ctl" -D "$dir" -m immediate -w stop > /dev/null 2>&1 || true
  done
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
  exit "$status"
}

url() { echo "postgresql://postgres@127.0.0.1:$1/$2"; }
q() { PGTZ=UTC psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" "${@:2}"; }

# --- timing and verdicts ---------------------------------------------------------------------

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# ratio A B: A / B to two decimals, "-" when either is missing ("-" or empty) or B is not positive.
ratio() { awk -v a="${1:--}" -v b="${2:--}" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
at_most() { awk -v v="$1" -v m="$2" 'BEGIN { print (v == "-") ? "n/a" : (v <= m) ? "PASS" : "FAIL" }'; }
at_least() { awk -v v="$1" -v m="$2" 'BEGIN { print (v == "-") ? "n/a" : (v >= m) ? "PASS" : "FAIL" }'; }

# Keeps the best time of every figure over the rounds so far (T this round, B the best).
# shellcheck disable=SC2004 # T and B are associative arrays (declare -gA in main)
keep_best() {
  local k
  for k in "${!T[@]}"; do
    if [[ -z "${B[$k]:-}" ]] || awk -v a="${T[$k]}" -v b="${B[$k]}" 'BEGIN { exit !(a < b) }'; then
      B[$k]=${T[$k]}
    fi
  done
  T=()
}

# --- summary ---------------------------------------------------------------------------------

# The JSON line's first two fields: `"commit":"abc1234","dirty":false`.
commit_fields() {
  local commit dirty
  commit=$(git -C "$REPO" log -1 --format=%h 2> /dev/null || echo unknown)
  dirty=$([[ -n "$(git -C "$REPO" status --porcelain 2> /dev/null)" ]] && echo true || echo false)
  printf '"commit":"%s","dirty":%s' "$commit" "$dirty"
}

# bench_line JSON: the last line of the output, and BENCH_SUMMARY's content when set.
bench_line() {
  echo "BENCH $1"
  [[ -z "${BENCH_SUMMARY:-}" ]] || echo "$1" > "$BENCH_SUMMARY"
}
