#!/usr/bin/env bash
# Release build of the buyer widget (dist/) and the merchant console (dist/console/),
# then a brotli (quality 11) and a gzip (-9) copy next to every file the server
# sends compressed: it picks foo.wasm.br or foo.wasm.gz by the browser's
# Accept-Encoding (tower-http ServeDir, precompressed), so nothing is compressed per request.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v brotli >/dev/null || { echo "brotli is missing: run scripts/setup.sh" >&2; exit 1; }
# A buyer's page that loaded the previous build fetches that build's parts
# (scripts/widget-wasm.sh) on first use, after a rebuild too: keep them, with
# their compressed copies, for one more build (Trunk empties dist/).
previous=$(grep -oE 'talkshop-widget-[0-9a-f]{16}_bg\.wasm' dist/index.html 2>/dev/null | head -n1 | cut -c17-32 || true)
kept=$(mktemp -d)
trap 'rm -rf "$kept"' EXIT
if [ -n "$previous" ]; then
  find dist -maxdepth 1 -name "talkshop-part-*-$previous.wasm*" -exec cp {} "$kept/" \;
fi
# --minify: the widget CSS minified by Trunk (lightningcss), 3,587 -> 3,157 B brotli;
# the host page loads it before the first click. The JS glue is minified by the hook.
trunk build --release --minify true
cp -n "$kept"/* dist/ 2>/dev/null || true
trunk build console.html --release --dist dist/console --public-url /console/
# embed.js minified (comments and long names out): the server fills in this
# build's file names and compresses it itself (routes/site.rs), so it gets no
# .br/.gz here. 2,309 -> ~1,700 B brotli, before the first click.
esbuild --minify --format=esm --log-level=error crates/server/assets/embed.js --outfile=dist/embed.js

# Trunk empties dist/ on every build, so no stale .br/.gz outlive their file
# (the previous build's parts, kept above, come with their own).
# Files under 1 KiB gain nothing worth a second request path.
find dist -type f \( -name '*.wasm' ! -name "talkshop-part-*-${previous:-none}.wasm" -o -name '*.js' ! -name embed.js -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
  -size +1k -print0 |
  while IFS= read -r -d '' f; do
    brotli --quality=11 --force --keep --output="$f.br" -- "$f"
    gzip -9 --no-name --force --keep -- "$f"
  done
