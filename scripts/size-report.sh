#!/usr/bin/env bash
# What a buyer's browser receives: starts the server on the release widget in
# dist/ (scripts/build-widget.sh) with a throwaway SQLite file on a free port,
# fetches embed.js, the CSS, the wasm and its JS glue with
# `Accept-Encoding: br`, `gzip` and none, and prints the body bytes sent
# (curl's size_download; HTTP headers add ~300 B per file), per file and in
# total before the first click (embed.js + CSS: the launcher) and at the first
# open (+ wasm + JS glue + the parts' loader), then each part of the widget
# loaded on first use (scripts/widget-wasm.sh). Fails when an encoding that
# was asked for is not sent.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
source scripts/env.sh

[ -f dist/index.html ] || { echo "dist/ is missing: run scripts/build-widget.sh first" >&2; exit 1; }
name() { grep -oE "$1" dist/index.html | head -n1; }
wasm=$(name 'talkshop-widget-[0-9a-f]{16}_bg\.wasm')
glue=$(name 'talkshop-widget-[0-9a-f]{16}\.js')
css=$(name 'widget-[0-9a-f]{16}\.css')
loader=$(name 'talkshop-split-[0-9a-f]{16}\.js')
[ -n "$wasm" ] && [ -n "$glue" ] && [ -n "$css" ] && [ -n "$loader" ] ||
  { echo "dist/index.html names no widget files" >&2; exit 1; }
mapfile -t parts < <(cd dist && ls talkshop-part-*-"${wasm:16:16}".wasm)

cargo build --quiet -p talkshop-server
server=target/debug/talkshop-server
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

args=(--bind 127.0.0.1:0 --database-url "sqlite://$tmp/size.db" --dist "$PWD/dist")
# Demo shops exist only with --demo on servers that have that flag.
if "$server" --help | grep -qE '^ +--demo( |$)'; then args+=(--demo); fi
TALKSHOP_SECRET=size-report TALKSHOP_STAFF_PASSWORD=size-report TALKSHOP_DEMO_API_KEY=size-report \
  TALKSHOP_WEBHOOK_SECRET=size-report TALKSHOP_IDENTITY_SECRET=size-report \
  "$server" "${args[@]}" >"$tmp/out" 2>"$tmp/err" &
pid=$!
url=
for _ in $(seq 1 600); do
  url=$(sed -n 's|^Talkshop demo shop: *\(http://[^/]*\)/.*$|\1|p' "$tmp/out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the server did not start:" >&2; cat "$tmp/err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not say where it listens within 60 s" >&2; cat "$tmp/err" >&2; exit 1; }

# bytes PATH ENCODING: body bytes received; checks the status and Content-Encoding
# (a body under 1 KiB may come uncompressed).
bytes() {
  local accept=() want=$2 got sent
  [ "$want" = none ] || accept=(-H "Accept-Encoding: $want")
  sent=$(curl -sS --fail -o /dev/null -D "$tmp/headers" -w '%{size_download}' "${accept[@]}" "$url$1") || return 1
  got=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^[Cc]ontent-[Ee]ncoding: *//p')
  # Files under 1 KiB are sent as they are (build-widget.sh: compressing gains nothing there).
  if [ "${got:-none}" != "$want" ] && ! { [ -z "$got" ] && [ "$sent" -lt 1024 ]; }; then
    echo "$1 with Accept-Encoding $want came with Content-Encoding '${got:-none}'" >&2
    return 1
  fi
  echo "$sent"
}

declare -A size
printf 'What the browser receives from the server (body bytes), %s\n\n' "$(date -u +%Y-%m-%d)"
printf '%-56s %10s %10s %10s\n' file br gzip 'none (raw)'
for part in embed.js css wasm js loader; do
  case $part in
    embed.js) path=/embed.js ;;
    css) path=/$css ;;
    wasm) path=/$wasm ;;
    js) path=/$glue ;;
    loader) path=/$loader ;;
  esac
  for enc in br gzip none; do size[$part.$enc]=$(bytes "$path" "$enc"); done
  case $part in css) label=CSS ;; js) label='JS glue' ;; loader) label="parts' loader (JS)" ;; *) label=$part ;; esac
  printf '%-56s %10s %10s %10s\n' "$label" "${size[$part.br]}" "${size[$part.gzip]}" "${size[$part.none]}"
done
echo
for enc in br gzip none; do
  launcher=$((size[embed.js.$enc] + size[css.$enc]))
  open=$((launcher + size[wasm.$enc] + size[js.$enc] + size[loader.$enc]))
  size[launcher.$enc]=$launcher
  size[open.$enc]=$open
done
printf '%-56s %10s %10s %10s\n' 'before the first click (embed.js + CSS: the launcher)' \
  "${size[launcher.br]}" "${size[launcher.gzip]}" "${size[launcher.none]}"
printf '%-56s %10s %10s %10s\n' "at the first open (+ wasm + JS glue + parts' loader)" \
  "${size[open.br]}" "${size[open.gzip]}" "${size[open.none]}"
awk -v br="${size[open.br]}" -v gz="${size[open.gzip]}" \
  'BEGIN { printf "against the 150 KB (150,000 B) target at the first open: %.2fx with br, %.2fx with gzip\n", br / 150000, gz / 150000 }'

echo
echo "loaded on first use (src/parts.rs; chunk_*: code two parts share, fetched with the first of them):"
later=0
for part in "${parts[@]}"; do
  br=$(bytes "/$part" br); gz=$(bytes "/$part" gzip); raw=$(bytes "/$part" none)
  printf '%-56s %10s %10s %10s\n' "$part" "$br" "$gz" "$raw"
  later=$((later + br))
done
printf 'all parts: %s B br; the whole widget, everything ever loaded: %s B br\n' "$later" "$((size[open.br] + later))"
