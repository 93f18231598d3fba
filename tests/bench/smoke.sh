#!/usr/bin/env bash
# CTest's bench_smoke: runs `run.sh --quick` when SLAB5_BENCH_SMOKE=1, else reports skipped
# (exit 77, which CTest counts as skipped, not failed).
if [[ "${SLAB5_BENCH_SMOKE:-}" != 1 ]]; then
  echo "bench_smoke: skipped (set SLAB5_BENCH_SMOKE=1 to run tests/bench/run.sh --quick)"
  exit 77
fi
exec bash "$1" --quick
