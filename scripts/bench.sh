#!/usr/bin/env bash
# The benchmarks: installs what is needed, builds the console and the server (server-release),
# measures, prints one table and writes it to BENCHMARKS.md with the commit it was measured at.
# Every figure is measured next to a baseline in the same run (see PARTS below). Every server
# listens on 127.0.0.1 only; every load is bounded in time.
#
#   ./scripts/bench.sh                 every part, in order; BENCHMARKS.md is written anew
#   ./scripts/bench.sh --only PART     one part (repeatable: --only api --only wrk); its rows in
#                                      BENCHMARKS.md are replaced, the other parts' rows kept
#   ./scripts/bench.sh --list          the parts
set -euo pipefail
cd "$(dirname "$0")/.."

# The parts, in the order a whole run measures them. Adding a part is one line here and a
# function part_NAME (dashes as underscores) below; it may call the need_* steps it depends on.
PARTS=(
  "size       the console's transfer size: raw, gzip, brotli"
  "first-row  time to the first row in Chromium, cold and warm, next to a hand-written page"
  "ui         frames while paging 10,000 gateways; the O&M Events dialog with 100 tunnels"
  "api        API latency, paging and search in 10,000 gateways (SQLite, PostgreSQL)"
  "wrk        API throughput, read cache off and on (SQLite, PostgreSQL)"
  "scheduler  10,000 events due at once (SQLite, PostgreSQL)"
  "growth     database growth per thousand writes (SQLite, PostgreSQL)"
  "live       2,000 open live-update streams: commit to arrival p50/p99, memory per stream"
  "bulk       window placement of 10,000 events; a bulk request of 100 (SQLite, PostgreSQL)"
  "webhooks   10,000 deliveries to a local receiver; a reschedule's cost with endpoints (SQLite, PostgreSQL)"
  "soak       webhook fairness: 2 minutes of changes, a hanging endpoint beside healthy ones (SQLite)"
)
part_names() { for p in "${PARTS[@]}"; do echo "${p%% *}"; done; }

only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) [ $# -ge 2 ] || { echo "--only needs a part: $(part_names | xargs)" >&2; exit 2; }
            part_names | grep -qx -- "$2" || { echo "no part '$2'; the parts: $(part_names | xargs)" >&2; exit 2; }
            only+=("$2"); shift 2 ;;
    --list) printf '%s\n' "${PARTS[@]}"; exit 0 ;;
    *) echo "usage: $0 [--only PART]... [--list]" >&2; exit 2 ;;
  esac
done
if [ ${#only[@]} -eq 0 ]; then mapfile -t selected < <(part_names); else selected=("${only[@]}"); fi

started=$(date +%s)
# Other work on the machine shows in the absolute figures (less in the ratios): recorded.
export BENCH_LOAD_START; BENCH_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# Recorded before anything is built: the commit, and whether the work tree differs from it.
export BENCH_COMMIT; BENCH_COMMIT=$(git rev-parse --short HEAD)
export BENCH_DIRTY; BENCH_DIRTY=$(git status --porcelain --untracked-files=no | wc -l)
scripts/bootstrap.sh --test --bench
source scripts/env.sh
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

GATEWAYS=${BENCH_GATEWAYS:-10000}
export BENCH_REGION=bench-1
SERVER="$PWD/target/server-release/vpn-console-server"
export BARE_BIN="$PWD/target/server-release/examples/bare_handler"
export CONSOLE_DIR="$PWD/dist"
export BENCH_WORK; BENCH_WORK=$(mktemp -d -t om-bench-XXXXXX)
export BENCH_RESULTS="$BENCH_WORK/results.jsonl"
: > "$BENCH_RESULTS"
SQLITE_URL="sqlite://$BENCH_WORK/console.db"
PG_DB="om_bench_$$"
PG_URL=""
server_pid=""
done_steps=" "

pg_admin() { psql -q -v ON_ERROR_STOP=1 "$TEST_POSTGRES_URL" -c "$1"; }

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

cleanup() {
  stop_server
  if [ -n "$PG_URL" ]; then pg_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$BENCH_WORK"
}
trap cleanup EXIT

# Runs a preparation step once per run: `once NAME command...`.
once() {
  case "$done_steps" in *" $1 "*) return 0 ;; esac
  "${@:2}"
  done_steps+="$1 "
}

build_console() {
  say "console build (trunk, release, offline)"
  scripts/build-console.sh
  # The servers serve the console and, beside it, the hand-written baseline page of the browser
  # figures (same origin, same server, the console's stylesheet).
  cp -r dist "$BENCH_WORK/console"
  local css; css=$(grep -o '/main-[0-9a-f]*\.css' dist/index.html | head -1)
  sed "s|MAIN_CSS|$css|" tests/bench/baseline.html >"$BENCH_WORK/console/baseline.html"
  cp tests/bench/baseline.js "$BENCH_WORK/console/"
  gzip -9 -k -f "$BENCH_WORK/console/baseline.html" "$BENCH_WORK/console/baseline.js"
}
build_server() {
  say "server build (server-release)"
  cargo build --profile server-release -p vpn-console-server --bin vpn-console-server
}
build_bare_handler() {
  say "the bare handler, the API figures' baseline (server-release)"
  cargo build --profile server-release -p vpn-console-server --example bare_handler
}
# PostgreSQL (scripts/postgres.sh does nothing when TEST_POSTGRES_URL is set) and a database of
# this run; databases of interrupted earlier runs whose process is gone are dropped.
prepare_postgres() {
  source scripts/postgres.sh
  for db in $(psql -Atq "$TEST_POSTGRES_URL" -c "SELECT datname FROM pg_database WHERE datname LIKE 'om\_bench\_%'"); do
    kill -0 "${db##*_}" 2>/dev/null || pg_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  done
  pg_admin "CREATE DATABASE $PG_DB"
  PG_URL="${TEST_POSTGRES_URL%/*}/$PG_DB"
}
# The cargo benchmarks: when several parts run, their binaries are built in one cargo call, which
# compiles them side by side instead of one after another; one part alone builds only its own.
bench_parts="growth live bulk scheduler webhooks soak"
build_benches() {
  local wanted=() part
  for part in "${selected[@]}"; do
    case " $bench_parts " in *" $part "*) wanted+=(--bench "$part") ;; esac
  done
  say "benchmark builds (server-release): ${wanted[*]}"
  cargo bench --profile server-release -p vpn-console-server "${wanted[@]}" --no-run
}
need_benches() { once benches build_benches; }
need_console() { once console build_console; }
need_server() { need_console; once server build_server; }
need_bare_handler() { once bare-handler build_bare_handler; }
need_postgres() { once postgres prepare_postgres; }

# Starts the server on a free loopback port with the demo data; sets BENCH_URL. The read cache is
# on unless READ_CACHE_TTL_MS=0 is in the environment.
start_server() {
  local name=$1 url=$2 log="$BENCH_WORK/$1.log"
  DATABASE_URL="$url" CONSOLE_DIR="$BENCH_WORK/console" RUST_LOG=warn \
    "$SERVER" --listen 127.0.0.1:0 --demo >"$log" 2>&1 &
  server_pid=$!
  BENCH_URL=""
  for _ in $(seq 1 600); do
    BENCH_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$BENCH_URL" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$log"; echo "the server ($name) exited"; exit 1; }
    sleep 0.1
  done
  [ -n "$BENCH_URL" ] || { cat "$log"; echo "the server ($name) did not start"; exit 1; }
  export BENCH_URL
  echo "$name: server at $BENCH_URL"
}

# Adds the region of $GATEWAYS gateways to a database, once per run (the server of that database
# must have started once, for the schema and the demo data).
generate_region() {
  local name=$1 url=$2 t0=$SECONDS
  DATABASE_URL="$url" RUST_LOG=warn "$SERVER" generate-region --account acme --region "$BENCH_REGION" --gateways "$GATEWAYS"
  echo "$name: region generated in $(( SECONDS - t0 )) s"
}
# Starts the server of a database (SQLite or PostgreSQL) with its big region.
start_with_region() {
  local name=$1 url=$2
  start_server "$name" "$url"
  once "region-$name" generate_region "$name" "$url"
}

part_size() {
  need_console
  node tests/bench/transfer.mjs
}

part_first_row() {
  need_server
  start_server SQLite "$SQLITE_URL"
  node tests/bench/first_row.mjs
  stop_server
}

part_ui() {
  need_server
  start_with_region SQLite "$SQLITE_URL"
  node tests/bench/browser.mjs
  stop_server
}

# Latency with the read cache off: every request reads the database.
part_api() {
  need_server
  need_bare_handler
  need_postgres
  local name url
  for name in SQLite PostgreSQL; do
    if [ "$name" = SQLite ]; then url=$SQLITE_URL; else url=$PG_URL; fi
    READ_CACHE_TTL_MS=0 start_with_region "$name" "$url"
    BENCH_LABEL=$name BENCH_API=latency BENCH_READ_CACHE=off node tests/bench/api.mjs
    stop_server
  done
}

# Throughput with the read cache off (every request reads the database), then on, as the
# server runs by default.
part_wrk() {
  need_server
  need_bare_handler
  need_postgres
  local name url
  for name in SQLite PostgreSQL; do
    if [ "$name" = SQLite ]; then url=$SQLITE_URL; else url=$PG_URL; fi
    READ_CACHE_TTL_MS=0 start_with_region "$name" "$url"
    BENCH_LABEL=$name BENCH_API=wrk BENCH_READ_CACHE=off node tests/bench/api.mjs
    stop_server
    start_server "$name" "$url"
    BENCH_LABEL=$name BENCH_API=wrk BENCH_READ_CACHE=on node tests/bench/api.mjs
    stop_server
  done
}

# Database growth per thousand writes (audit log and idempotency records), SQLite and PostgreSQL.
part_growth() {
  need_postgres
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench growth
}

# 2,000 open live-update streams: a change's arrival at every client, p50/p99, memory per stream
# (SQLite; three replicas on PostgreSQL).
part_live() {
  need_postgres
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench live
}

# Planning: the window placement of 10,000 events, a bulk request of 100 (SQLite, PostgreSQL).
part_bulk() {
  need_postgres
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench bulk
}

part_scheduler() {
  need_postgres
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench scheduler
}

# The webhook outbox and dispatcher (crates/server/benches/webhooks.rs).
part_webhooks() {
  need_postgres
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench webhooks
}

# Webhook fairness (crates/server/benches/soak.rs): per endpoint, the changes received and
# duplicates; the healthy endpoints' lateness while another endpoint never answers.
part_soak() {
  need_benches
  cargo bench --profile server-release -p vpn-console-server --bench soak
}

export BENCH_PARTS_RUN="${selected[*]}"
export BENCH_PARTS_ALL; BENCH_PARTS_ALL=$(part_names | xargs)
for part in "${selected[@]}"; do
  say "part: $part"
  part_started=$(date +%s)
  export BENCH_PART=$part
  "part_${part//-/_}"
  # A part that measured nothing (a benchmark that silently did not run) is an error, not a
  # table without its rows.
  if ! grep -q "\"part\":\"$part\"" "$BENCH_RESULTS"; then
    echo "part $part recorded no figures" >&2
    exit 1
  fi
  echo "$part $(( $(date +%s) - part_started ))" >>"$BENCH_WORK/took.txt"
  echo "$part took $(( $(date +%s) - part_started )) s"
done

say "report"
node tests/bench/report.mjs "$BENCH_RESULTS" BENCHMARKS.md "$(( $(date +%s) - started ))"
