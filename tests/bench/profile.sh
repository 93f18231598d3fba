#!/usr/bin/env bash
# Instructions per request of slab5d's authenticated GET /v1/workspace, under callgrind:
# deterministic, so it compares builds on a busy machine where wall-clock numbers do not.
#
#   tests/bench/profile.sh [SLAB5D_BIN] [REQUESTS]     (default build/release/slab5d, 2000)
#
# Prints the instructions per request and the top functions (inclusive), and leaves the
# callgrind file in $PROFILE_OUT (default /tmp/slab5d.callgrind) for callgrind_annotate.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/release/slab5d}
N=${2:-2000}
OUT=${PROFILE_OUT:-/tmp/slab5d.callgrind}
command -v valgrind >/dev/null || { echo "profile.sh: needs valgrind" >&2; exit 1; }
TMP=$(mktemp -d)
PID=""
trap '[[ -n $PID ]] && kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

rm -f "$OUT" "$OUT".*
valgrind --tool=callgrind --callgrind-out-file="$OUT" "$BIN" serve --db "$TMP/db" --listen 127.0.0.1:0 \
  --rate-limit off --threads 1 >"$TMP/out" 2>"$TMP/log" &
PID=$!
for _ in $(seq 600); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$TMP/out")/v1/workspace
TOKEN=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$TMP/out")
requests() {  # one keep-alive connection, $1 requests
  { echo "header = \"Authorization: Bearer $TOKEN\""; for _ in $(seq "$1"); do echo "url = \"$URL\""; echo 'output = "/dev/null"'; done; } >"$TMP/curl.cfg"
  curl -s -K "$TMP/curl.cfg"
}
requests 200                    # warm-up: caches, prepared statements, allocator
sleep 1.2                       # let the usage recorder flush the warm-up batch
callgrind_control -z "$PID" >/dev/null
requests "$N"
sleep 1.2                       # include the usage flush of these requests
callgrind_control -d "$PID" >/dev/null
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
dump="$OUT.1"
total=$(sed -n 's/^summary: //p; s/^totals: //p' "$dump" | head -1)
echo "requests: $N  instructions: $total  per request: $(( total / N ))"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | sed -n '/Ir/,$p' | grep -v '^-' | head -45 | cut -c1-180
