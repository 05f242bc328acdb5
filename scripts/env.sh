# Sourced by the other scripts: puts the project's tools first on PATH.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# Incremental compilation data is large and only helps repeated local builds.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
