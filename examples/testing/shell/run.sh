#!/usr/bin/env bash
# CTest entry: the shell example against a throwaway slab5d (docs/testing.md).
# Usage: run.sh SLAB5D_BIN. Exit 77 (skipped) when curl or jq is missing.
set -euo pipefail
here="$(cd "${BASH_SOURCE[0]%/*}" && pwd)"
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 77; }
done
exec "$1" exec --password-cost test --seed "$here/../../fixtures/acme.json" -- bash "$here/test.sh"
