#!/usr/bin/env bash
# CTest entry: the Jest example against a throwaway slab5d (docs/testing.md), with the Jest
# pinned in tests/js/package-lock.json. Usage: run.sh SLAB5D_BIN. Exit 77 (skipped) when node
# or npm is missing.
set -euo pipefail
here="$(cd "${BASH_SOURCE[0]%/*}" && pwd)"
root="$here/../../.."
"$root/scripts/js-deps.sh"
exec "$1" exec --password-cost test --seed "$here/../../fixtures/acme.json" -- \
  node "$root/tests/js/node_modules/jest/bin/jest.js" --config "$here/jest.config.json" --rootDir "$here" --ci
