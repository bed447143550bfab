#!/usr/bin/env bash
# The benchmarks: installs what is needed, builds the console and the server (server-release),
# measures, prints one table and writes it to BENCHMARKS.md. Every figure is measured next to a
# baseline in the same run: transfer size of the console, time to the first row in Chromium, a
# region of 10,000 gateways (API paging and search, frames while paging), the O&M Events dialog
# with 100 tunnels, API throughput on SQLite and PostgreSQL (wrk), and the scheduler with 10,000
# events due at once. Every server listens on 127.0.0.1 only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
# Other work on the machine shows in the absolute figures (less in the ratios): recorded.
export BENCH_LOAD_START; BENCH_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
scripts/bootstrap.sh --test --bench
source scripts/env.sh
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
source scripts/postgres.sh

GATEWAYS=${BENCH_GATEWAYS:-10000}
export BENCH_REGION=bench-1
SERVER="$PWD/target/server-release/vpn-console-server"
export BARE_BIN="$PWD/target/server-release/examples/bare_handler"
export CONSOLE_DIR="$PWD/dist"
export BENCH_WORK; BENCH_WORK=$(mktemp -d -t om-bench-XXXXXX)
export BENCH_RESULTS="$BENCH_WORK/results.jsonl"
: > "$BENCH_RESULTS"
PG_DB="om_bench_$$"
PG_BASE="${TEST_POSTGRES_URL%/*}"
server_pid=""

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
  pg_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$BENCH_WORK"
}
trap cleanup EXIT

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

# Adds the region of $GATEWAYS gateways to the database of the running server.
generate_region() {
  local name=$1 url=$2 t0=$SECONDS
  DATABASE_URL="$url" RUST_LOG=warn "$SERVER" generate-region --account acme --region "$BENCH_REGION" --gateways "$GATEWAYS"
  echo "$name: region generated in $(( SECONDS - t0 )) s"
}

# The API figures of one database: latency and throughput with the read cache off (every
# request reads the database), then throughput with it on, as the server runs by default.
api_figures() {
  local name=$1 url=$2
  READ_CACHE_TTL_MS=0 start_server "$name" "$url"
  generate_region "$name" "$url"
  BENCH_LABEL=$name BENCH_READ_CACHE=off node tests/bench/api.mjs
  stop_server
  start_server "$name" "$url"
  BENCH_LABEL=$name BENCH_READ_CACHE=on node tests/bench/api.mjs
}

say "console build (trunk, release, offline)"
scripts/build-console.sh

say "server build (server-release), the bare handler and the scheduler benchmark"
cargo build --profile server-release -p vpn-console-server --bin vpn-console-server --example bare_handler
cargo bench --profile server-release -p vpn-console-server --bench scheduler --no-run

# Databases of interrupted earlier runs whose process is gone.
for db in $(psql -Atq "$TEST_POSTGRES_URL" -c "SELECT datname FROM pg_database WHERE datname LIKE 'om\_bench\_%'"); do
  kill -0 "${db##*_}" 2>/dev/null || pg_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

say "console transfer size"
node tests/bench/transfer.mjs

# The servers serve the console and, beside it, the hand-written baseline page of the browser
# figures (same origin, same server, the console's stylesheet).
cp -r dist "$BENCH_WORK/console"
css=$(grep -o '/main-[0-9a-f]*\.css' dist/index.html | head -1)
sed "s|MAIN_CSS|$css|" tests/bench/baseline.html >"$BENCH_WORK/console/baseline.html"
cp tests/bench/baseline.js "$BENCH_WORK/console/"
gzip -9 -k -f "$BENCH_WORK/console/baseline.html" "$BENCH_WORK/console/baseline.js"

say "SQLite: API latency and throughput, then the browser"
api_figures SQLite "sqlite://$BENCH_WORK/console.db"
node tests/bench/browser.mjs
stop_server

say "PostgreSQL: API latency and throughput"
pg_admin "CREATE DATABASE $PG_DB"
api_figures PostgreSQL "$PG_BASE/$PG_DB"
stop_server
pg_admin "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"

say "scheduler: 10,000 events due at once (SQLite, PostgreSQL)"
cargo bench --profile server-release -p vpn-console-server --bench scheduler

say "bulk: window placement of 10,000 events, a bulk request of 100 (SQLite, PostgreSQL)"
cargo bench --profile server-release -p vpn-console-server --bench bulk

say "database growth per thousand writes (SQLite, PostgreSQL)"
cargo bench --profile server-release -p vpn-console-server --bench growth

say "report"
node tests/bench/report.mjs "$BENCH_RESULTS" BENCHMARKS.md "$(( $(date +%s) - started ))"
