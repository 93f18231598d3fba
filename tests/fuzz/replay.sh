#!/usr/bin/env bash
# Replays every file in the given directories through one fuzz target, once each (libFuzzer
# runs the inputs it is given as files and exits non-zero on the first one that fails).
# Usage: tests/fuzz/replay.sh BUILD/tests/fuzz/fuzz_TARGET DIR...
set -euo pipefail
target=$1
shift
files=()
for dir in "$@"; do
  [[ -d $dir ]] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir" -type f ! -name '.*' -print0 | sort -z)
done
if ((${#files[@]} == 0)); then
  echo "$(basename "$target"): no inputs to replay"
  exit 0
fi
echo "$(basename "$target"): replaying ${#files[@]} inputs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -runs=1 per file is implied; keep the output short unless something fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$target" -rss_limit_mb=2048 -timeout=10 "${files[@]}" >"$log" 2>&1; then
  cat "$log"
  echo "$(basename "$target"): an input above fails" >&2
  exit 1
fi
echo "$(basename "$target"): all ${#files[@]} inputs pass"
