#!/usr/bin/env bash
# Load benchmark on loopback (issue 6): release talkshop-server node(s) on a
# fresh database, then the storage-free floor server, both driven by the same
# generator (crates/loadgen); prints both reports and our/floor ratios.
#
#   scripts/bench-load.sh [--nodes K] [--buyers N] [--staff M] [--rate R]
#                         [--duration S] [--no-floor] [--no-build] [--out DIR]
#                         [-- extra talkshop-load flags]
#
# Defaults: 1 node, 1900 buyers + 100 staff = 2,000 WebSockets, 200 msg/s for 30 s.
# DATABASE_URL picks the database (default: a fresh SQLite file in a temp
# folder). With --nodes K, K server processes listen on consecutive ports and
# share that database; buyers and staff sockets are spread over them. Events
# cross nodes only with a storage that relays them (PostgreSQL LISTEN/NOTIFY);
# on SQLite a second node sees only its own events. SERVER_BIN runs another
# server binary (for example a build of an older commit) with --no-build.
# DB_PID (a PostgreSQL postmaster's pid, first line of $PGDATA/postmaster.pid)
# adds the database's CPU to the report.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

NODES=1 BUYERS=1900 STAFF=100 RATE=200 DURATION=30 FLOOR=1 BUILD=1
OUT="${OUT:-${CARGO_TARGET_DIR:-$ROOT/target}/bench-load}"
BASE_PORT="${BASE_PORT:-18080}" FLOOR_PORT="${FLOOR_PORT:-18070}"
EXTRA=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) NODES="$2"; shift 2 ;;
    --buyers) BUYERS="$2"; shift 2 ;;
    --staff) STAFF="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-floor) FLOOR=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Two sockets per connection on loopback (ours and the server's) plus the HTTP
# pool: raise the open-file limit well above the connection count.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)"

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [[ $BUILD == 1 ]]; then
  cargo build --release -p talkshop-server --bin talkshop-server
  cargo build --release -p talkshop-loadgen --bins
fi
SERVER="${SERVER_BIN:-$TARGET/release/talkshop-server}" LOAD="$TARGET/release/talkshop-load" FLOOR_BIN="$TARGET/release/talkshop-floor"

TMP="$(mktemp -d)"
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'cleanup; rm -rf "$TMP"' EXIT

export TALKSHOP_STAFF_PASSWORD="bench-load-password"
export TALKSHOP_DEMO=true
export TALKSHOP_SECRET="bench-load-secret-0123456789abcdef"
export TALKSHOP_DEMO_API_KEY="bench-load-api-key"
DB="${DATABASE_URL:-sqlite://$TMP/bench.db}"
KIND="${DB%%:*}"; [[ $KIND == postgresql ]] && KIND=postgres

wait_up() { # url
  for _ in $(seq 300); do curl -fs "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; return 1
}

# The server(s): started one after the other so migrations run once.
URLS=()
for ((i = 0; i < NODES; i++)); do
  port=$((BASE_PORT + i))
  DATABASE_URL="$DB" TALKSHOP_BIND="127.0.0.1:$port" TALKSHOP_DIST="$TMP/no-dist" \
    "$SERVER" >"$OUT/node$i.log" 2>&1 &
  PIDS+=($!)
  wait_up "http://127.0.0.1:$port"
  URLS+=("http://127.0.0.1:$port")
done
NODE_LIST="$(IFS=,; echo "${URLS[*]}")" PID_LIST="$(IFS=,; echo "${PIDS[*]}")"
LABEL="talkshop ${KIND} ${NODES} node(s)"
echo "== $LABEL: $NODE_LIST (pids $PID_LIST)"
DB_FLAGS=()
[[ -n ${DB_PID:-} ]] && DB_FLAGS=(--db-pid "$DB_PID")
"$LOAD" --nodes "$NODE_LIST" --server-pid "$PID_LIST" "${DB_FLAGS[@]}" --buyers "$BUYERS" --staff "$STAFF" \
  --rate "$RATE" --duration "$DURATION" --label "$LABEL" --json "$OUT/server.json" "${EXTRA[@]}"
cleanup

if [[ $FLOOR == 1 ]]; then
  "$FLOOR_BIN" --bind "127.0.0.1:$FLOOR_PORT" >"$OUT/floor.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$FLOOR_PORT/" && break; sleep 0.1; done
  "$LOAD" --nodes "http://127.0.0.1:$FLOOR_PORT" --server-pid "${PIDS[0]}" --buyers "$BUYERS" --staff "$STAFF" \
    --rate "$RATE" --duration "$DURATION" --label "floor (no storage)" --json "$OUT/floor.json" "${EXTRA[@]}"
  cleanup
  echo
  echo "== $LABEL / floor"
  jq -rn --slurpfile s "$OUT/server.json" --slurpfile f "$OUT/floor.json" '
    def n(x): if x == null then "n/a" else ((x * 100 | round) / 100 | tostring) end;
    def r(a; b): if b == 0 or b == null or a == null then "n/a" else n(a / b) + "x" end;
    def row(name; a; b): "  \(name | . + " " * (22 - length))\(n(a)) vs \(n(b))  = \(r(a; b))";
    $s[0] as $s | $f[0] as $f |
    "  (talkshop vs floor = ratio)",
    row("persisted msg/s"; $s.persisted_per_s; $f.persisted_per_s),
    row("delivered msg/s"; $s.delivered_per_s; $f.delivered_per_s),
    row("receipts frames/s"; $s.receipts_per_s; $f.receipts_per_s),
    row("HTTP ack p50 ms"; $s.http_ack.p50_ms; $f.http_ack.p50_ms),
    row("delivery p50 ms"; $s.delivery.p50_ms; $f.delivery.p50_ms),
    row("delivery p99 ms"; $s.delivery.p99_ms; $f.delivery.p99_ms),
    row("delivery max ms"; $s.delivery.max_ms; $f.delivery.max_ms),
    row("RSS KiB/connection"; $s.rss_kib_per_connection; $f.rss_kib_per_connection),
    row("server CPU cores"; $s.server_cpu_cores; $f.server_cpu_cores)'
fi
echo "reports in $OUT"
