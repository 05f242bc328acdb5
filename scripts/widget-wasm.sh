#!/usr/bin/env bash
# Trunk's post_build hook for the buyer widget (Trunk.toml): builds the widget's
# wasm split in parts and puts it in Trunk's staging directory with its page.
#
# Trunk runs cargo, then wasm-bindgen on cargo's output: it has no step where
# the wasm can be split before wasm-bindgen, so index.html has no `rel="rust"`
# and this hook does what Trunk would, plus the split:
#   1. cargo build --release --cfg talkshop_split, linked with --emit-relocs
#      (wasm-split follows the relocations to see which code each part needs),
#      std rebuilt for size;
#   2. wasm-split-cli (wasm_split_cli_support): the first-open wasm, one wasm
#      per part group (src/parts.rs: `panels`, `cards`), a shared chunk, and the
#      loader `__wasm_split.js`;
#   3. wasm-bindgen --target web on the first-open wasm, keeping the function
#      table exported (the parts import it: --keep-lld-exports);
#   4. wasm-opt -Oz on every wasm (index.html's flags for the first-open one),
#      the first-open one slimmed before (scripts/slim-glue.py);
#   5. hashed names (one hash of all the files, 16 hex digits, like Trunk's),
#      the loader's and glue's references rewritten to them, both minified
#      (esbuild), and the page's script and preload tags, as Trunk writes them.
# Other pages (console.html, bench.html) keep Trunk's own rust step.
set -euo pipefail
case "$(basename "${TRUNK_HTML_FILE:-}")" in index.html) ;; *) exit 0 ;; esac
cd "$(dirname "$0")/.."
source scripts/env.sh
stage=${TRUNK_STAGING_DIR:?run by trunk build}
target=target/split
work=$target/widget-parts
rm -rf "$work" && mkdir -p "$work/split" "$work/bg" "$work/out"

# std rebuilt for size (rust-src, scripts/setup.sh) with the unstable flags that
# stable rustc accepts under RUSTC_BOOTSTRAP=1: a panic is a bare trap (no
# message formatting or unwinding code: the release profile aborts anyway), no
# file/line of panics in the data, and `{:?}` writes nothing (the widget never
# shows Debug text; debug builds and tests keep it). -19 KB brotli (BENCHMARKS.md).
RUSTC_BOOTSTRAP=1 RUSTFLAGS="--cfg erase_components --cfg talkshop_split -C link-args=--emit-relocs \
  -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
  cargo build -Zbuild-std=std,panic_abort --release --target wasm32-unknown-unknown --bin talkshop-widget --target-dir "$target"
wasm-split-cli "$target/wasm32-unknown-unknown/release/talkshop-widget.wasm" "$work/split" --out-name talkshop-widget
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$work/bg" --out-name talkshop-widget "$work/split/talkshop-widget.wasm"
# No stream classes (nothing makes one), and short names for the glue's ~210
# imports in the wasm and the glue (hashed names do not compress): -5 KB brotli
# wasm, -2.2 KB glue (BENCHMARKS.md). Before wasm-opt, which drops the code.
python3 scripts/slim-glue.py "$work/bg/talkshop-widget_bg.wasm" "$work/bg/talkshop-widget.js"

# --low-memory-unused: no address below 1 KiB is ever reached by wrapping a
# pointer around (Rust never does), so constant offsets fold into loads and
# stores: 1.2–1.5 KB less brotli (BENCHMARKS.md, Size).
# --reorder-functions-by-name (after -Oz, while the Rust names are there):
# the instances of one generic function sit side by side, and brotli finds
# their likeness: -2.5 KB brotli on the first-open wasm.
# --ignore-implicit-traps: a load or a division is never expected to trap
# (Rust checks bounds and divisors itself, and its panics are explicit
# `unreachable`s, which this keeps), so code may move past them; --converge:
# the passes again until nothing shrinks. -372 B brotli (BENCHMARKS.md).
flags=(--enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-multivalue --reorder-functions-by-name --strip-debug --strip-producers
  --low-memory-unused --ignore-implicit-traps --converge)
wasm-opt -Oz "${flags[@]}" "$work/bg/talkshop-widget_bg.wasm" -o "$work/out/talkshop-widget_bg.wasm"
parts=()
for f in "$work"/split/*.wasm; do
  name=$(basename "$f" .wasm)
  [ "$name" = talkshop-widget ] && continue
  wasm-opt -Oz "${flags[@]}" "$f" -o "$work/out/$name.wasm" 2>/dev/null
  parts+=("$name")
done
cp "$work/bg/talkshop-widget.js" "$work/split/__wasm_split.js" "$work/out/"

hash=$(cat "$work"/out/* | sha256sum | cut -c1-16)
glue=talkshop-widget-$hash.js
wasm=talkshop-widget-${hash}_bg.wasm
loader=talkshop-split-$hash.js
sed -e "s|from \"\./__wasm_split\.js\"|from \"./$loader\"|g" -e "s|talkshop-widget_bg\.wasm|$wasm|g" \
  "$work/out/talkshop-widget.js" >"$stage/$glue"
cp "$work/out/talkshop-widget_bg.wasm" "$stage/$wasm"
rewrite=(-e "s|\"\./talkshop-widget\.js\"|\"./$glue\"|g")
for name in "${parts[@]}"; do
  cp "$work/out/$name.wasm" "$stage/talkshop-part-$name-$hash.wasm"
  rewrite+=(-e "s|\"\./$name\.wasm\"|\"./talkshop-part-$name-$hash.wasm\"|g")
done
sed "${rewrite[@]}" "$work/out/__wasm_split.js" >"$stage/$loader"
# Minified (names of exports and imports kept): the glue 8.7 -> 6.7 KB brotli.
for js in "$stage/$glue" "$stage/$loader"; do
  esbuild --minify --format=esm --log-level=error "$js" --outfile="$js.min" && mv "$js.min" "$js"
done
grep -q "\"./$glue\"" "$stage/$loader" || { echo "the split loader does not import $glue" >&2; exit 1; }
grep -q "\"./$loader\"" "$stage/$glue" || { echo "the glue does not import $loader" >&2; exit 1; }

# The page: what Trunk writes for a rust asset (the server reads the names from it).
tags="<script type=module>import init from '/$glue';await init({ module_or_path: '/$wasm' });</script>"
tags+="<link crossorigin href=/$glue rel=modulepreload><link crossorigin href=/$loader rel=modulepreload>"
tags+="<link as=fetch crossorigin href=/$wasm rel=preload type=application/wasm>"
sed -i "s|</head>|$tags</head>|" "$stage/index.html"
grep -q "$wasm" "$stage/index.html" || { echo "index.html has no </head> to put the widget in" >&2; exit 1; }
echo "widget: $wasm, $glue, $loader, parts: ${parts[*]}"
