#!/usr/bin/env bash
# Release build of the buyer widget (dist/) and the merchant console (dist/console/),
# then a brotli (quality 11) and a gzip (-9) copy next to every file the server
# sends compressed: it picks foo.wasm.br or foo.wasm.gz by the browser's
# Accept-Encoding (tower-http ServeDir, precompressed), so nothing is compressed per request.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command -v brotli >/dev/null || { echo "brotli is missing: run scripts/setup.sh" >&2; exit 1; }
# --minify: the widget CSS minified by Trunk (lightningcss), 3,587 -> 3,157 B brotli;
# the host page loads it before the first click. The JS glue is left as is (Trunk does not minify it).
trunk build --release --minify true
trunk build console.html --release --dist dist/console --public-url /console/

# Trunk empties dist/ on every build, so no stale .br/.gz outlive their file.
# Files under 1 KiB gain nothing worth a second request path.
find dist -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) \
  -size +1k -print0 |
  while IFS= read -r -d '' f; do
    brotli --quality=11 --force --keep --output="$f.br" -- "$f"
    gzip -9 --no-name --force --keep -- "$f"
  done
