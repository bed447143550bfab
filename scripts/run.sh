#!/usr/bin/env bash
# Installs what is needed, builds the console and the server, and runs them on SQLite with the
# demo data at http://127.0.0.1:8080 (override with LISTEN_ADDR, DATABASE_URL, TIME_SCALE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
source scripts/env.sh
scripts/build-console.sh
cargo build -p vpn-console-server
export DEMO_DATA=1 CONSOLE_DIR="${CONSOLE_DIR:-dist}"
echo "Log in as alice@acme.example (operator), victor@acme.example (viewer) or gina@globex.example, password demo-password."
exec target/debug/vpn-console-server "$@"
