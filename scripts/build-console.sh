#!/usr/bin/env bash
# Builds the console (wasm, release, size-optimised) into dist/, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
CARGO_TARGET_DIR="$WASM_TARGET_DIR" trunk build --release --offline
# Precompressed copies, served by the server when the browser accepts them.
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
  -exec gzip -9 -k -f {} \;
# Brotli too where Debian's brotli is installed (scripts/bootstrap.sh --bench installs it).
if command -v brotli >/dev/null; then
  find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
    -exec brotli -q 11 -k -f {} \;
fi
