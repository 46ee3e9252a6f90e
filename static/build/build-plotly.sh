#!/usr/bin/env bash
# Build the custom plotly.js bundle for selfscan (core + scatterpolar, bar, box).
#
#   bash static/build/build-plotly.sh
#
# Output:
#   static/vendor/plotly-selfscan.<sha256:10>.min.js   (older builds removed)
#   static/vendor/plotly-selfscan.<sha256:10>.css      (plotly's own stylesheet, for strict CSP)
#   static/vendor/manifest.json                        ("plotly", "plotly_css" keys updated)
set -euo pipefail

BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATIC_DIR="$(cd "$BUILD_DIR/.." && pwd)"
VENDOR_DIR="$STATIC_DIR/vendor"
MANIFEST="$VENDOR_DIR/manifest.json"

cd "$BUILD_DIR"

# Exact versions from package-lock.json. Install scripts are not needed: esbuild's
# native binary comes from its platform-specific optional dependency.
npm ci --no-audit --no-fund --ignore-scripts

TMP_DIR="$(mktemp -d)"
trap 'rm -rf "$TMP_DIR"' EXIT

# --platform=browser: never resolve node builtins (the subset needs none: no WebGL,
#   no stream/buffer). --define:global=window as plotly's own esbuild config does.
# --loader:.css=empty: registry.js statically requires maplibre-gl.css for "map"
#   subplots, which this bundle does not contain; drop it instead of emitting a .css.
# --legal-comments=none: licences are listed in static/README.md (plotly.js: MIT).
./node_modules/.bin/esbuild plotly-entry.js \
    --bundle \
    --minify \
    --format=iife \
    --platform=browser \
    --target=es2017 \
    --define:global=window \
    --define:define.amd=false \
    --loader:.css=empty \
    --legal-comments=none \
    --log-level=warning \
    --outfile="$TMP_DIR/plotly.min.js"

if ! grep -q 'scatterpolar' "$TMP_DIR/plotly.min.js"; then
    echo "build-plotly: bundle does not contain scatterpolar" >&2
    exit 1
fi

mkdir -p "$VENDOR_DIR"

JS_HASH="$(sha256sum "$TMP_DIR/plotly.min.js" | cut -c1-10)"
JS_NAME="plotly-selfscan.$JS_HASH.min.js"

CSS_SRC="node_modules/plotly.js/dist/plotly.css"
CSS_HASH="$(sha256sum "$CSS_SRC" | cut -c1-10)"
CSS_NAME="plotly-selfscan.$CSS_HASH.css"

# Remove older builds (but not the file we are about to (re)write).
find "$VENDOR_DIR" -maxdepth 1 -type f -name 'plotly-selfscan.*.min.js' ! -name "$JS_NAME" -delete
find "$VENDOR_DIR" -maxdepth 1 -type f -name 'plotly-selfscan.*.css' ! -name "$CSS_NAME" -delete

cp "$TMP_DIR/plotly.min.js" "$VENDOR_DIR/$JS_NAME"
cp "$CSS_SRC" "$VENDOR_DIR/$CSS_NAME"
chmod 0644 "$VENDOR_DIR/$JS_NAME" "$VENDOR_DIR/$CSS_NAME"

# Merge into the manifest: a flat JSON object {logical name: path relative to static/}.
node - "$MANIFEST" "vendor/$JS_NAME" "vendor/$CSS_NAME" <<'EOF'
const fs = require('fs');
const [file, js, css] = process.argv.slice(2);
let manifest = {};
if (fs.existsSync(file)) {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
}
manifest.plotly = js;
manifest.plotly_css = css;
const sorted = Object.fromEntries(Object.keys(manifest).sort().map((k) => [k, manifest[k]]));
const tmp = file + '.tmp';
fs.writeFileSync(tmp, JSON.stringify(sorted, null, 2) + '\n');
fs.renameSync(tmp, file);
EOF

RAW="$(wc -c < "$VENDOR_DIR/$JS_NAME")"
GZ="$(gzip -9 -c "$VENDOR_DIR/$JS_NAME" | wc -c)"
echo "build-plotly: static/vendor/$JS_NAME ($RAW bytes, $GZ bytes gzip -9)"
echo "build-plotly: static/vendor/$CSS_NAME"
echo "build-plotly: static/vendor/manifest.json updated"
