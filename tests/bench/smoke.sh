#!/usr/bin/env bash
# CTest's bench_smoke and bench_scaling_smoke: runs the given script (run.sh, scaling.sh) with
# --quick when SLAB5_BENCH_SMOKE=1, else reports skipped (exit 77, which CTest counts as
# skipped, not failed).
if [[ "${SLAB5_BENCH_SMOKE:-}" != 1 ]]; then
  echo "bench smoke: skipped (set SLAB5_BENCH_SMOKE=1 to run $(basename "$1") --quick)"
  exit 77
fi
exec bash "$1" --quick
