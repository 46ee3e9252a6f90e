#!/usr/bin/env bash
# Vendor the NL Design System CSS used by selfscan.
#
#   bash static/build/vendor-nlds.sh
#
# Copies, with exact versions from package-lock.json:
#   @utrecht/component-library-css      dist/index.css -> component-library.css (unchanged)
#   @nl-design-system-unstable/voorbeeld-design-tokens
#                                       dist/theme.css -> design-tokens.css
#       (the only change: the selector `.voorbeeld-theme` is renamed to `.utrecht-theme`,
#        the class the templates put on <body>)
# plus both LICENSE files (EUPL-1.2) and a VERSION note, into static/vendor/nl-design-system/,
# and records them in static/vendor/manifest.json ("nlds_tokens", "nlds_components").
#
# Why not @utrecht/design-tokens: its LICENSE.md says the tokens are proprietary assets of
# Gemeente Utrecht and the open-source licence does NOT apply. The "voorbeeld" (example)
# theme of the NL Design System is EUPL-1.2 and defines the same --utrecht-* / --basis-*
# custom properties. Fonts: the theme names Noto Sans/Serif but loads no font files;
# static/css/selfscan.css overrides the font tokens with a system font stack.
set -euo pipefail

BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATIC_DIR="$(cd "$BUILD_DIR/.." && pwd)"
VENDOR_DIR="$STATIC_DIR/vendor"
OUT_DIR="$VENDOR_DIR/nl-design-system"
MANIFEST="$VENDOR_DIR/manifest.json"

cd "$BUILD_DIR"
npm ci --no-audit --no-fund --ignore-scripts

COMP_PKG="@utrecht/component-library-css"
TOKENS_PKG="@nl-design-system-unstable/voorbeeld-design-tokens"
COMP_DIR="node_modules/$COMP_PKG"
TOKENS_DIR="node_modules/$TOKENS_PKG"

pkg_field() { node -p "require('./$1/package.json').$2"; }
lock_integrity() { node -p "require('./package-lock.json').packages['node_modules/$1'].integrity"; }

COMP_VERSION="$(pkg_field "$COMP_DIR" version)"
COMP_LICENSE="$(pkg_field "$COMP_DIR" license)"
TOKENS_VERSION="$(pkg_field "$TOKENS_DIR" version)"
TOKENS_LICENSE="$(pkg_field "$TOKENS_DIR" license)"

for lic in "$COMP_LICENSE" "$TOKENS_LICENSE"; do
    if [ "$lic" != "EUPL-1.2" ]; then
        echo "vendor-nlds: unexpected licence '$lic' (expected EUPL-1.2); check before vendoring" >&2
        exit 1
    fi
done

if ! grep -q '^\.voorbeeld-theme {$' "$TOKENS_DIR/dist/theme.css"; then
    echo "vendor-nlds: $TOKENS_PKG dist/theme.css no longer has a '.voorbeeld-theme {' block" >&2
    exit 1
fi

TMP_DIR="$(mktemp -d)"
trap 'rm -rf "$TMP_DIR"' EXIT

cp "$COMP_DIR/dist/index.css" "$TMP_DIR/component-library.css"
sed 's/^\.voorbeeld-theme {$/.utrecht-theme {/' "$TOKENS_DIR/dist/theme.css" > "$TMP_DIR/design-tokens.css"
cp "$COMP_DIR/LICENSE.md" "$TMP_DIR/LICENSE-utrecht-component-library-css.md"
cp "$TOKENS_DIR/LICENSE.md" "$TMP_DIR/LICENSE-voorbeeld-design-tokens.md"

cat > "$TMP_DIR/VERSION" <<EOF
NL Design System CSS vendored for selfscan by static/build/vendor-nlds.sh
Do not edit these files by hand: change the pinned versions in static/build/package.json,
run 'npm install' there to update package-lock.json, then re-run the script.

component-library.css
  package:   $COMP_PKG@$COMP_VERSION (dist/index.css, unmodified)
  licence:   $COMP_LICENSE (LICENSE-utrecht-component-library-css.md)
  integrity: $(lock_integrity "$COMP_PKG")

design-tokens.css
  package:   $TOKENS_PKG@$TOKENS_VERSION (dist/theme.css)
  licence:   $TOKENS_LICENSE (LICENSE-voorbeeld-design-tokens.md)
  integrity: $(lock_integrity "$TOKENS_PKG")
  modified:  selector '.voorbeeld-theme' renamed to '.utrecht-theme' (nothing else changed)

Fonts: none vendored. The tokens name 'Noto Sans'/'Noto Serif'; static/css/selfscan.css
overrides --basis-text-font-family-default, --basis-heading-font-family and
--basis-text-font-family-monospace with system font stacks.
EOF

mkdir -p "$OUT_DIR"
# Replace the folder's contents in one go so no stale file survives a version change.
find "$OUT_DIR" -mindepth 1 -maxdepth 1 -type f -delete
cp "$TMP_DIR"/* "$OUT_DIR/"
chmod 0644 "$OUT_DIR"/*

node - "$MANIFEST" <<'EOF'
const fs = require('fs');
const file = process.argv[2];
let manifest = {};
if (fs.existsSync(file)) {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
}
manifest.nlds_tokens = 'vendor/nl-design-system/design-tokens.css';
manifest.nlds_components = 'vendor/nl-design-system/component-library.css';
const sorted = Object.fromEntries(Object.keys(manifest).sort().map((k) => [k, manifest[k]]));
const tmp = file + '.tmp';
fs.writeFileSync(tmp, JSON.stringify(sorted, null, 2) + '\n');
fs.renameSync(tmp, file);
EOF

echo "vendor-nlds: $COMP_PKG@$COMP_VERSION, $TOKENS_PKG@$TOKENS_VERSION -> static/vendor/nl-design-system/"
ls -l "$OUT_DIR"

# The pages load only the tokens the stylesheets use (design-tokens-used.css, about 3 KB instead of
# about 200 KB): one round trip less on a slow phone connection (docs/performance.md).
python3 "$(dirname "$0")/trim_design_tokens.py"
