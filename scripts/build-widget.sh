#!/usr/bin/env bash
# Release build of the buyer widget (dist/) and the merchant console (dist/console/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
trunk build --release
trunk build console.html --release --dist dist/console --public-url /console/
