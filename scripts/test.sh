#!/usr/bin/env bash
# Runs every test: formatting and lints, protocol + server + widget unit tests
# (cargo test; the server's again on PostgreSQL), widget components in headless Chromium (wasm-pack), the
# release widget build with its size, and the end-to-end browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/env.sh

step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server, protocol, e2e on the host; widget on wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p talkshop-widget --target wasm32-unknown-unknown --all-targets -- -D warnings
# The split release build's code path (src/parts.rs), in its own target dir (other flags).
RUSTFLAGS="--cfg erase_components --cfg talkshop_split" \
  cargo clippy -p talkshop-widget --target wasm32-unknown-unknown --target-dir target/split-check -- -D warnings

step "cargo test: protocol, server (HTTP + WebSocket on SQLite), widget logic"
cargo test

step "server tests again on PostgreSQL (private cluster on 127.0.0.1:54329), with the multi-node tests"
source scripts/postgres.sh
cargo test -p talkshop-server
unset TALKSHOP_TEST_DATABASE TALKSHOP_TEST_POSTGRES_URL

step "widget components in headless Chromium (wasm-pack)"
# Only the widget crate: the server does not build for wasm32.
wasm-pack test --headless --chrome -- -p talkshop-widget

step "release build of the widget (Trunk)"
scripts/build-widget.sh
scripts/size-report.sh

step "end to end: real server + release widget, buyer and merchant browsers (WebDriver)"
cargo test -p talkshop-e2e -- --test-threads=1

step "all tests passed"
# What the run left on disk (a clean run once filled a CI machine's disk: see Cargo.toml [profile.dev]).
du -sh target 2>/dev/null || true
df -h . | tail -1
