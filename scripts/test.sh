#!/usr/bin/env bash
# Installs what is needed and runs every test: formatting, lints, native tests (SQLite and a real
# PostgreSQL), the domain and console tests compiled to wasm in headless Chromium, and the
# end-to-end journeys in Chromium against the real server.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/bootstrap.sh --test
source scripts/env.sh
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}

# PostgreSQL from Debian: started when it is down, a role for the tests, a fresh database per
# test (the tests create and drop them).
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  say "PostgreSQL"
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_lsclusters -h | grep -q . || pg_createcluster "$version" main
    cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
    pg_ctlcluster --skip-systemctl-redirect $cluster start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  as_postgres "psql -q -v ON_ERROR_STOP=1 -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'om_test') THEN CREATE ROLE om_test LOGIN PASSWORD 'om_test' CREATEDB; END IF; END \\\$\\\$;\""
  # Databases left by an interrupted earlier run.
  for db in $(as_postgres "psql -Atq -c \"SELECT datname FROM pg_database WHERE datname LIKE 'om_t_%'\""); do
    as_postgres "psql -q -c 'DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)'"
  done
  export TEST_POSTGRES_URL="postgres://om_test:om_test@127.0.0.1:5432/postgres"
fi

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (native, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

say "cargo clippy (console and domain for wasm32)"
CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo clippy --target wasm32-unknown-unknown -p vpn-console -p vpn-console-domain --all-targets -- -D warnings

say "the domain crate pulls no server or heavy crate into the wasm"
heavy=$(cargo tree -p vpn-console-domain -e normal --target wasm32-unknown-unknown --prefix none \
  | grep -E '^(tokio|sqlx|axum|hyper|reqwest|regex|utoipa) ' || true)
if [ -n "$heavy" ]; then echo "unexpected in the domain crate: $heavy"; exit 1; fi
echo "ok: $(cargo tree -p vpn-console-domain -e normal --target wasm32-unknown-unknown --prefix none | sort -u | wc -l) crates"

say "native tests (SQLite and PostgreSQL)"
cargo test --workspace

say "domain and console tests in headless Chromium (wasm-bindgen-test)"
export WASM_BINDGEN_TEST_TIMEOUT=120
CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo test --target wasm32-unknown-unknown -p vpn-console-domain -p vpn-console

say "console build (trunk, release, offline)"
scripts/build-console.sh
ls -l dist/*.wasm

say "end-to-end journeys (Playwright + Debian Chromium + the real server)"
cargo build -p vpn-console-server
SERVER_BIN="$PWD/target/debug/vpn-console-server" CONSOLE_DIR="$PWD/dist" node --test --test-concurrency=1 tests/e2e/

echo
echo "all tests passed in $(( $(date +%s) - started )) s"
