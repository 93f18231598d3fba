#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan), replays every saved
# regression input and seed, then fuzzes each target for SECONDS (default 30) on a copy of
# its seed corpus. Exits non-zero if any input crashes, leaks, times out or runs out of
# memory; the inputs that did are printed and kept under the temporary directory it names.
#
# Usage: tests/fuzz/run.sh [SECONDS-PER-TARGET]
#   FUZZ_TARGETS="fuzz_jwt fuzz_token"  only these targets
#   FUZZ_KEEP=1                         keep the temporary directory (grown corpora, logs)
#   FUZZ_SEED=N                         the mutation seed (default 1, so that a run can be repeated;
#                                       use 0 for a random one when hunting)
# A crash found here becomes a regression test: minimise it (docs/security.md), save it as
# tests/fuzz/regressions/<target>/<name>, fix the code, and CTest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: tests/fuzz/run.sh [SECONDS-PER-TARGET]" >&2; exit 2; }

all_targets=(fuzz_http_request fuzz_json_body fuzz_token fuzz_jwt fuzz_cursor fuzz_idempotency fuzz_cli_args
             fuzz_config)
read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"

echo "=== building the fuzz targets (cmake --preset fuzz)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -- "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "=== replaying regression inputs and seeds"
regex=$(IFS='|'; echo "^(${targets[*]})_regressions$")
ctest --preset fuzz -R "$regex"

work=$(mktemp -d "${TMPDIR:-/tmp}/slab5-fuzz.XXXXXX")
failed=()
for t in "${targets[@]}"; do
  bin=build/fuzz/tests/fuzz/$t
  corpus=$work/corpus/$t
  crashes=$work/crashes/$t
  mkdir -p "$corpus" "$crashes"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [[ -f tests/fuzz/dict/$t.dict ]] && dict=(-dict=tests/fuzz/dict/"$t".dict)
  echo "=== $t: fuzzing for ${seconds}s"
  status=0
  "$bin" "$corpus" "${dict[@]}" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes"/ >"$work/$t.log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$work/$t.log" | tr '\n' ' ' || true
  grep -E '^#[0-9]+.*DONE' "$work/$t.log" | tail -n 1 || true
  if ((status != 0)) || [[ -n $(ls -A "$crashes") ]]; then
    failed+=("$t")
    echo "--- $t FAILED (exit $status); the report:"
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|^ALARM|out-of-memory|deadly signal|uncaught exception|terminate called' \
      "$work/$t.log" | head -n 80 || tail -n 60 "$work/$t.log"
    for f in "$crashes"/*; do
      [[ -f $f ]] || continue
      echo "--- input $f ($(stat -c %s "$f") bytes), base64:"
      head -c 4096 "$f" | base64 | head -n 20
    done
  fi
done

if ((${#failed[@]} > 0)); then
  echo "=== FAILED: ${failed[*]} (logs, corpora and inputs kept in $work)" >&2
  exit 1
fi
echo "=== all ${#targets[@]} targets ran ${seconds}s each without a failure"
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then echo "kept: $work"; else rm -rf "$work"; fi
