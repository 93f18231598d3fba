#!/usr/bin/env bash
# Installs what is missing, builds slab5 and slab5d, and runs every test.
# Usage: scripts/test.sh [preset]   (preset: dev, ci or asan; default ci)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-ci}"

scripts/install-deps.sh
# The npm packages of tests/js (pinned in its package-lock.json), when they changed.
scripts/js-deps.sh
# Share the compiler cache across checkouts of the same tree (CI clones afresh).
export CCACHE_BASEDIR="$PWD"
echo "==> configuring ($preset)"
cmake --preset "$preset" >/dev/null
echo "==> building"
cmake --build --preset "$preset" -j "$(nproc)"
echo "==> testing"
ctest --preset "$preset" -j "$(nproc)"
