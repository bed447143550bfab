# Sourced by the scripts: tool paths and the separate target folders of the two builds.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The wasm build and the native build keep separate target folders so neither invalidates the other.
export WASM_TARGET_DIR="$PWD/target/wasm"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
