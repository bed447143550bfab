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

# PostgreSQL from Debian (started when down), a role for the tests, TEST_POSTGRES_URL.
source scripts/postgres.sh

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (native, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

say "cargo clippy (console and domain for wasm32)"
CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo clippy --target wasm32-unknown-unknown -p vpn-console -p vpn-console-core -p vpn-console-domain -p vpn-console-pages --features vpn-console/csr --all-targets -- -D warnings

say "the domain crate pulls no server or heavy crate into the wasm"
heavy=$(cargo tree -p vpn-console-domain -e normal --target wasm32-unknown-unknown --prefix none \
  | grep -E '^(tokio|sqlx|axum|hyper|reqwest|regex|utoipa) ' || true)
if [ -n "$heavy" ]; then echo "unexpected in the domain crate: $heavy"; exit 1; fi
echo "ok: $(cargo tree -p vpn-console-domain -e normal --target wasm32-unknown-unknown --prefix none | sort -u | wc -l) crates"

say "native tests (SQLite and PostgreSQL)"
cargo test --workspace

say "domain and console tests in headless Chromium (wasm-bindgen-test)"
export WASM_BINDGEN_TEST_TIMEOUT=120
CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo test --target wasm32-unknown-unknown -p vpn-console-domain -p vpn-console-core -p vpn-console -p vpn-console-pages --features vpn-console/csr

say "console build (trunk, release, offline)"
scripts/build-console.sh
ls -l dist/*.wasm

say "end-to-end journeys (Playwright + Debian Chromium + the real server)"
# `cargo test --workspace` built the server binary for the API tests already, with the same
# features; building it alone would resolve features anew and recompile half the dependencies.
test -x target/debug/vpn-console-server
SERVER_BIN="$PWD/target/debug/vpn-console-server" CONSOLE_DIR="$PWD/dist" node --test --test-concurrency=1 tests/e2e/

say "schemathesis against the OpenAPI document (no 5xx, every answer matches it)"
scripts/schemathesis.sh

echo
echo "all tests passed in $(( $(date +%s) - started )) s"
