#!/usr/bin/env bash
# Runs the demo: installs the toolchain if missing, builds the widget with
# Trunk in release mode, starts the server on SQLite and prints the demo URL.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/env.sh

scripts/build-widget.sh
cargo build -p talkshop-server

export TALKSHOP_DIST="${TALKSHOP_DIST:-$PWD/dist}"
export DATABASE_URL="${DATABASE_URL:-sqlite://$PWD/talkshop-demo.db}"
export TALKSHOP_BIND="${TALKSHOP_BIND:-127.0.0.1:8080}"
export TALKSHOP_STAFF_PASSWORD="${TALKSHOP_STAFF_PASSWORD:-talkshop-demo}"
export TALKSHOP_DEMO_API_KEY="${TALKSHOP_DEMO_API_KEY:-demo-api-key}"
echo
echo "Demo shop with the widget:  http://$TALKSHOP_BIND/"
echo "Second demo shop (THB):     http://$TALKSHOP_BIND/siam"
echo "Merchant console:           http://$TALKSHOP_BIND/console  (staff@demo.talkshop.test or staff@siam.talkshop.test / $TALKSHOP_STAFF_PASSWORD)"
echo "Merchant API key (demo):    $TALKSHOP_DEMO_API_KEY"
echo "Stop with Ctrl-C."
echo
exec ./target/debug/talkshop-server
