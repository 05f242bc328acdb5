#!/usr/bin/env bash
# Render benchmark: a thread of N messages in headless Chromium, React 19 +
# @chatscope/chat-ui-kit-react (the peer) and hand-written DOM (the floor)
# against our ThreadView (bench.html), all measured in one browser run by
# bench/render/measure.mjs; prints medians, the ratios and the DOM size of a
# 10,000-message thread. Results land in $CARGO_TARGET_DIR/bench-render/ (or target/).
#   scripts/bench-render.sh [--no-build]      RUNS=7 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build=1
[ "${1:-}" = "--no-build" ] && build=0
out="${CARGO_TARGET_DIR:-$PWD/target}/bench-render"
mkdir -p "$out"
nice_="nice -n 19"

if [ "$build" = 1 ]; then
  echo "==> peer pages (vite build)"
  (cd bench/render && { [ -d node_modules ] || $nice_ npm ci --no-audit --no-fund; } && $nice_ npx vite build --logLevel warn)
  echo "==> our page (trunk build bench.html)"
  $nice_ trunk build bench.html --release --dist "$out/ours" --public-url / 2>&1 | tail -n 1
fi

port_peer=$((18700 + RANDOM % 100)); port_ours=$((port_peer + 100))
python3 -m http.server "$port_peer" --bind 127.0.0.1 --directory bench/render/dist >/dev/null 2>&1 &
peer_pid=$!
python3 -m http.server "$port_ours" --bind 127.0.0.1 --directory "$out/ours" >/dev/null 2>&1 &
ours_pid=$!
trap 'kill $peer_pid $ours_pid 2>/dev/null || true' EXIT
for port in "$port_peer" "$port_ours"; do
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
done
react="http://127.0.0.1:$port_peer/index.html"
vanilla="http://127.0.0.1:$port_peer/vanilla.html"
ours="http://127.0.0.1:$port_ours/index.html"
# The same page with windowing off: every row rendered, the cost per row.
ours_all="http://127.0.0.1:$port_ours/index.html?all"

echo "==> measuring (one browser: React peer, vanilla floor, ours, ours with every row; n = 100, 1,000, 5,000; ${RUNS:-7} runs, median)"
(cd bench/render && $nice_ node measure.mjs "$react" "$vanilla" "$ours" "$ours_all") | tee "$out/runs.jsonl"
echo "==> ours at n = 10,000 (DOM size)"
(cd bench/render && SIZES=10000 RUNS=3 $nice_ node measure.mjs "$ours") | tee "$out/ours-10000.jsonl"

python3 - "$out/runs.jsonl" "$out/ours-10000.jsonl" "$react" "$vanilla" "$ours" "$ours_all" <<'PY' | tee "$out/summary.txt"
import json, sys
rows = [json.loads(l) for f in sys.argv[1:3] for l in open(f) if l.strip()]
react, vanilla, ours, ours_all = sys.argv[3:7]
by = {(r["url"], r["n"]): r for r in rows}
pair = lambda x: f"{x['renderMs']:>6.1f} / {x['paintMs']:>5.1f}"
ratio = lambda a, b, k: a[k] / b[k] if b[k] else float("inf")
ratios = lambda o, b: f"{ratio(o, b, 'renderMs'):>5.2f} / {ratio(o, b, 'paintMs'):>5.2f}"
for name, page in (("ours (windowed)", ours), ("ours, every row rendered (?all)", ours_all)):
    print(f"\n{name}: medians, render / paint ms; ratios below 1 are faster")
    print(f"{'n':>6} | {'React':>14} | {'vanilla':>14} | {'ours':>14} | {'ours/React':>13} | {'ours/vanilla':>13} | ours before layout")
    for n in (100, 1000, 5000):
        r, v, o = by[(react, n)], by[(vanilla, n)], by[(page, n)]
        print(f"{n:>6} | {pair(r)} | {pair(v)} | {pair(o)} | {ratios(o, r)} | {ratios(o, v)} | {o.get('buildMs', 0):>6.1f}")
print()
for n in (100, 1000, 5000):
    print(f"elements at n = {n}: React {by[(react, n)]['nodes']}, vanilla {by[(vanilla, n)]['nodes']}, "
          f"ours {by[(ours, n)]['nodes']} (in the thread: {by[(ours, n)].get('threadNodes')}), "
          f"every row {by[(ours_all, n)]['nodes']}")
big = by[(ours, 10000)]
print(f"ours at n = 10000: {big.get('threadNodes')} elements in the thread ({big['nodes']} in the document), "
      f"render {big['renderMs']} ms, paint {big['paintMs']} ms")
PY
