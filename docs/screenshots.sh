#!/usr/bin/env bash
# Screenshots of the main screens at 1280×800 (desktop) and 390×844 (phone), taken by
# the browser tests (tests/api/e2e.rs) in headless Chromium as they walk each role's
# flow: docs/screenshots/<screen>-desktop.png and <screen>-phone.png. Screens that
# scroll sideways on a phone are reported as notes.
#
# Needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver).
# pngquant and optipng, when installed, make the PNGs several times smaller.
set -euo pipefail
cd "$(dirname "$0")/.."

out=docs/screenshots
rm -rf "$out"
mkdir -p "$out"
# The flows fail rather than skip when the browser is missing.
CUSTODIA_REQUIRE_TOOLS=1 CUSTODIA_SCREENSHOTS="$out" \
  cargo test --all-features --test api e2e:: -- --test-threads=2 --nocapture 2>&1 |
  grep -E '^(note|test |test result)|panicked' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "the browser tests failed" >&2; exit 1; }

if command -v pngquant >/dev/null; then
  # 256 colours are plenty for flat pages of text; --skip-if-larger keeps the original.
  pngquant --force --ext .png --quality=80-100 --speed 1 --strip --skip-if-larger "$out"/*.png || true
fi
if command -v optipng >/dev/null; then
  optipng -quiet -o2 -strip all "$out"/*.png
fi
du -sh "$out"
