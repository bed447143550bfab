#!/usr/bin/env bash
# Installs what the project needs, from crates.io, npm and Debian only, pinned, and skips what is
# already there at the right version. `--test` adds what the tests need (Chromium, ChromeDriver,
# PostgreSQL); `--bench` adds to those what the benchmarks need (wrk, brotli).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# wasm-bindgen-cli must equal the wasm-bindgen of Cargo.lock exactly (pinned =0.2.130 in
# Cargo.toml), or Trunk tries to download one.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
: "${WASM_BINDGEN_VERSION:=0.2.130}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (several minutes, once)"
  # --locked fails for this version on crates.io's index (a yanked dependency); the version is pinned.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  fi
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

# The console's precompressed gzip copies (scripts/build-console.sh).
apt_install zopfli

# binaryen (wasm-opt 132), playwright-core and axe-core, exactly as package-lock.json says.
if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi

for flag in "$@"; do
  case "$flag" in
    --test) apt_install chromium chromium-driver postgresql ;;
    # The benchmarks (scripts/bench.sh): the tests' packages, a load generator and brotli.
    --bench) apt_install chromium chromium-driver postgresql wrk brotli ;;
  esac
done
