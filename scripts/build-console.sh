#!/usr/bin/env bash
# Builds the console (wasm, release, size-optimised) into dist/, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
CARGO_TARGET_DIR="$WASM_TARGET_DIR" trunk build --release --offline
# Precompressed copies, served by the server when the browser accepts them.
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
  -exec gzip -9 -k -f {} \;
