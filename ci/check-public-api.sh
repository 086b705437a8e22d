#!/usr/bin/env bash
# Fails when the public API differs from the reviewed listing api/public-api.txt, so that no API
# change goes in unnoticed. The listing comes from rustdoc JSON (all features) via
# ci/public-api.py.
#
#   bash ci/check-public-api.sh           # compare; exit 1 and show the diff if they differ
#   bash ci/check-public-api.sh --bless   # accept the current API: rewrite api/public-api.txt
set -euo pipefail
cd "$(dirname "$0")/.."

listing=api/public-api.txt
# A target directory of its own: the JSON build must not invalidate the main one.
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/api"

bless=0
case "${1:-}" in
  "") ;;
  --bless) bless=1 ;;
  *) echo "usage: bash ci/check-public-api.sh [--bless]" >&2; exit 2 ;;
esac

fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
python3 ci/public-api.py --target-dir "$target_dir" >"$fresh"

if [ "$bless" = 1 ]; then
  mkdir -p "$(dirname "$listing")"
  cp "$fresh" "$listing"
  echo "wrote $listing: $(tail -n 1 "$listing")"
  exit 0
fi

if [ ! -f "$listing" ]; then
  echo "error: $listing is missing; create it with: bash ci/check-public-api.sh --bless" >&2
  exit 1
fi

if ! diff -u --label "$listing (reviewed)" --label "public API of the current code" \
  "$listing" "$fresh"; then
  cat >&2 <<EOF

error: the public API differs from $listing (diff above: - reviewed, + current code).
If the change is intended, update the listing and commit it with the code change:
    bash ci/check-public-api.sh --bless
and add a CHANGELOG.md line under "Unreleased" for it.
EOF
  exit 1
fi
echo "public API matches $listing ($(tail -n 1 "$listing"))"
