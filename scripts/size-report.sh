#!/usr/bin/env bash
# Prints the release widget's size (raw and gzip -9) from dist/.
set -euo pipefail
cd "$(dirname "$0")/../dist"
total=0
printf '%-12s %10s %10s\n' part raw gzip
for pattern in '*_bg.wasm' 'talkshop-widget-*.js' 'widget-*.css'; do
  for f in $pattern; do
    raw=$(stat -c%s "$f"); gz=$(gzip -9c "$f" | wc -c); total=$((total + gz))
    printf '%-12s %10s %10s\n' "${f##*.}" "$raw" "$gz"
  done
done
embed=../crates/server/assets/embed.js
raw=$(stat -c%s "$embed"); gz=$(gzip -9c "$embed" | wc -c); total=$((total + gz))
printf '%-12s %10s %10s\n' embed.js "$raw" "$gz"
printf '%-12s %10s %10s\n' total '' "$total"
css_gz=$(gzip -9c widget-*.css | wc -c)
printf 'before the first click (embed.js + CSS, the launcher): %s B gzipped\n' "$((gz + css_gz))"
