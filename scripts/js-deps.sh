#!/usr/bin/env bash
# Installs the npm packages the test suite runs (tests/js: the OpenAPI validator, ajv), exactly
# as pinned in tests/js/package-lock.json, with `npm ci` — only when node_modules is missing or
# the lockfile changed since the last install. Safe to run from several tests at once.
# Exit 0 ready, 77 node or npm missing (install them with scripts/install-deps.sh), else failed.
set -euo pipefail
cd "${BASH_SOURCE[0]%/*}/../tests/js"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node and npm are not installed (scripts/install-deps.sh installs Debian's nodejs and npm)" >&2
  exit 77
fi
exec 9>.npm-ci.lock
flock 9
stamp=node_modules/.slab5-lockfile.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "==> tests/js: npm ci (package-lock.json changed or node_modules missing)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
