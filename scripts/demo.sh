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
export TALKSHOP_IDENTITY_SECRET="${TALKSHOP_IDENTITY_SECRET:-demo-identity-secret}"
# The demo pages' "Sign in" button asks /demo/identity for a userHash, standing in for a shop's backend.
# The demo shops, their staff, API key and payment details exist only with --demo.
export TALKSHOP_DEMO=true
export TALKSHOP_DEMO_IDENTITY="${TALKSHOP_DEMO_IDENTITY:-true}"
echo
echo "Demo shop with the widget:  http://$TALKSHOP_BIND/"
echo "Second demo shop (THB, Thai): http://$TALKSHOP_BIND/siam"
echo "Hostile CSS host page:      http://$TALKSHOP_BIND/hostile"
echo "Strict CSP host page:       http://$TALKSHOP_BIND/csp"
echo "Any page in another language or dark: add ?locale=pt-BR|th|id&theme=dark"
echo "Merchant console:           http://$TALKSHOP_BIND/console  (staff@demo.talkshop.test or staff@siam.talkshop.test / $TALKSHOP_STAFF_PASSWORD)"
echo "Merchant API key (demo):    $TALKSHOP_DEMO_API_KEY"
echo "Stop with Ctrl-C."
echo
exec ./target/debug/talkshop-server
