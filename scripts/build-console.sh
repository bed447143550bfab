#!/usr/bin/env bash
# Builds the console (wasm, release, size-optimised) into dist/, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# Trunk runs cargo offline: the crates come from crates.io first, as Cargo.lock pins them (a
# no-op when they are there already).
cargo fetch --locked
CARGO_TARGET_DIR="$WASM_TARGET_DIR" trunk build --release --offline
# The what-if and the settings page: a module of their own (crates/console-pages), imported by the
# console when one is opened, so not part of its first load. Optimised as Trunk does the console.
CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo build --release --offline --target wasm32-unknown-unknown -p vpn-console-pages
wasm-bindgen --target web --no-typescript --out-dir dist --out-name console-pages \
  "$WASM_TARGET_DIR/wasm32-unknown-unknown/release/vpn_console_pages.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
  --enable-multivalue --enable-sign-ext --enable-mutable-globals -o dist/console-pages_bg.wasm dist/console-pages_bg.wasm
# Precompressed copies, served by the server when the browser accepts them. Zopfli writes gzip
# that any browser reads, about 4% smaller than gzip -9 (10 KB of the wasm); gzip -9 where it is
# missing (scripts/bootstrap.sh installs it).
if command -v zopfli >/dev/null; then
  gz() { zopfli --gzip "$1"; }
else
  gz() { gzip -9 -k -f "$1"; }
fi
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) -print0 |
  while IFS= read -r -d '' f; do gz "$f"; done
# Brotli too where Debian's brotli is installed (scripts/bootstrap.sh --bench installs it).
if command -v brotli >/dev/null; then
  find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
    -exec brotli -q 11 -k -f {} \;
fi
