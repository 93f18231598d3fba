#!/usr/bin/env bash
# CTest entry: the pytest example against a throwaway slab5d (docs/testing.md).
# Usage: run.sh SLAB5D_BIN. Exit 77 (skipped) when pytest is not installed.
set -euo pipefail
here="$(cd "${BASH_SOURCE[0]%/*}" && pwd)"
# Debian's python3-pytest belongs to /usr/bin/python3, which another python3 on PATH may hide.
py=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import pytest' 2>/dev/null; then
    py="$candidate"
    break
  fi
done
if [[ -z "$py" ]]; then
  echo "pytest is not installed (scripts/install-deps.sh installs Debian's python3-pytest)" >&2
  exit 77
fi
exec "$1" exec --password-cost test --seed "$here/../../fixtures/acme.json" -- \
  "$py" -m pytest -q -p no:cacheprovider "$here"
