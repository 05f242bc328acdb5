#!/usr/bin/env bash
# Installs the toolchain Talkshop needs, idempotently: every step is skipped when
# its tool is already there. The recipe is the one verified on these machines
# (see DESIGN.md "Toolchain"): Debian's Chromium + chromedriver + binaryen +
# PostgreSQL, wasm-bindgen-cli at the exact version in Cargo.lock (no --locked),
# wasm-pack --locked, Trunk 0.21.14 --locked.
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
command -v wasm-opt >/dev/null 2>&1 || need_apt+=(binaryen)
[ -x /usr/lib/postgresql/15/bin/postgres ] && command -v psql >/dev/null 2>&1 || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
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
log "toolchain ready"
