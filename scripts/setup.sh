#!/usr/bin/env bash
# Installs the toolchain Talkshop needs, idempotently: every step is skipped when
# its tool is already there. The recipe is the one verified on these machines
# (see DESIGN.md "Toolchain"): Debian's Chromium + chromedriver + PostgreSQL (+ brotli),
# wasm-bindgen-cli at the exact version in Cargo.lock (no --locked),
# wasm-pack --locked, Trunk 0.21.14 --locked.
#
# One deviation: Debian's binaryen (wasm-opt 108) corrupts the externref table
# that wasm-bindgen 0.2.130 emits ("WebAssembly.Table.set(): Argument 1 is
# invalid"), so wasm-opt comes from the npm registry's binaryen 132 instead,
# installed into .tools/ and put first on PATH by scripts/env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
[ -x /usr/lib/postgresql/15/bin/postgres ] && command -v psql >/dev/null 2>&1 || need_apt+=(postgresql)
# brotli: scripts/build-widget.sh writes a .br (quality 11) next to each widget file.
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
# scripts/slim-glue.py (widget build) and the render bench's static server.
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# A Thai font, so Thai text renders in headless screenshots.
fc-list 2>/dev/null | grep -q "Loma" || need_apt+=(fonts-tlwg-loma-otf)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The widget's release build rebuilds std for size (scripts/widget-wasm.sh).
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  log "rustup component add rust-src"
  rustup component add rust-src
fi
# The wasm-bindgen CLI must match the library version exactly.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock 2>/dev/null || true)
wb_version=${wb_version:-0.2.130}
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version"; then
  log "cargo install wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi
if ! command -v wasm-pack >/dev/null 2>&1; then
  log "cargo install wasm-pack"
  cargo install wasm-pack --locked
fi
if ! trunk --version 2>/dev/null | grep -q "0.21.14"; then
  log "cargo install trunk 0.21.14"
  cargo install trunk --version 0.21.14 --locked
fi
# Splits the widget's release wasm into the first-open part and parts loaded on
# first use (scripts/widget-wasm.sh); its version pairs with Leptos' wasm_split_helpers.
if ! command -v wasm-split-cli >/dev/null 2>&1 || ! cargo install --list | grep -q "^wasm_split_cli_support v0.2.4:"; then
  log "cargo install wasm_split_cli_support 0.2.4 (wasm-split-cli)"
  cargo install wasm_split_cli_support --version 0.2.4 --features build-binary --locked --force
fi
if ! .tools/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 132"; then
  log "npm install binaryen@132 (wasm-opt) into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent binaryen@132.0.0
fi
if ! .tools/node_modules/.bin/esbuild --version 2>/dev/null | grep -qx "0.25.12"; then
  log "npm install esbuild@0.25.12 (minifies the widget's JS glue) into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent esbuild@0.25.12
fi
if [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
  log "npm install axe-core (accessibility checks in the end-to-end tests) into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --silent axe-core@4.10.2
fi
log "toolchain ready"
