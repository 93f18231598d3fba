#!/usr/bin/env bash
# Contact creates of several slab5d builds against bare SQLite, alternating (docs/performance.md).
# Usage: tests/bench/creates.sh [--rounds N] [--duration D] BIN [BIN …]
# Each round starts every BIN on a new database in turn, runs `wrk -t2 -c64 -dD --latency` of
# POST /v1/contacts with the harness's body, and prints requests/s, p99, errors, the writer
# thread's CPU per create (the busiest thread's utime+stime from /proc), the whole process's
# CPU per create and the WAL's size;
# then the harness's bare-SQLite script (20,000 one-row commits). Loopback only.
set -euo pipefail
ROUNDS=4; DURATION=10s; BINS=()
while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) BINS+=("$1"); shift ;;
  esac
done
((${#BINS[@]})) || { echo "usage: creates.sh [--rounds N] [--duration D] BIN [BIN …]" >&2; exit 2; }
for t in wrk sqlite3; do command -v $t >/dev/null || { echo "creates.sh: needs $t" >&2; exit 1; }; done
LUA="$(cd "$(dirname "$0")" && pwd)/report.lua"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/slab5-creates.XXXXXX")
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

one() {  # one() BIN → a line of figures
  local bin=$1 dir="$TMP/run"
  rm -rf "$dir"; mkdir "$dir"
  "$bin" serve --db "$dir/m.db" --listen 127.0.0.1:0 --rate-limit off >"$dir/out" 2>"$dir/log" &
  PID=$!
  for _ in $(seq 200); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.05; done
  local url tok
  url=$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$dir/out")
  tok=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$dir/out")
  cpu() { for t in /proc/$PID/task/*; do echo "$(basename "$t") $(awk '{print $14+$15}' "$t/stat")"; done | sort; }
  cpu >"$dir/c0"
  local p0; p0=$(awk '{print $14+$15}' "/proc/$PID/stat")
  local r
  r=$(BENCH_METHOD=POST BENCH_BODY='{"name":"Bench Contact","email":"bench@example.com"}' \
      wrk -t2 -c64 -d"$DURATION" --latency -s "$LUA" -H "Authorization: Bearer $tok" "$url/v1/contacts" | grep '^BENCH ')
  cpu >"$dir/c1"
  local p1; p1=$(awk '{print $14+$15}' "/proc/$PID/stat")
  local wal top req
  wal=$(stat -c %s "$dir/m.db-wal" 2>/dev/null || echo 0)
  top=$(join "$dir/c0" "$dir/c1" | awk '{print $3-$2}' | sort -n | tail -1)
  req=$(sed -n 's/.* requests=\([^ ]*\).*/\1/p' <<<"$r")
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  awk -v r="$r" -v top="$top" -v req="$req" -v tick="$(getconf CLK_TCK)" -v wal="$wal" -v proc=$((p1 - p0)) 'BEGIN {
    split(r, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    us = req > 0 ? 1e6 / tick / req : 0
    printf "%.0f creates/s, p99 %.1f ms, errors %d, writer %.1f us/create, process %.1f us/create, WAL %.0f MB\n",
      v["rps"], v["p99_us"] / 1000, v["socket_errors"] + v["bad_status"], top * us, proc * us, wal / 1048576 }'
}

bare() {
  local n=20000
  rm -f "$TMP/bare.db"*
  { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    echo "CREATE TABLE t (id TEXT PRIMARY KEY, name TEXT, email TEXT, created_at TEXT);"
    for i in $(seq $n); do
      echo "BEGIN IMMEDIATE; INSERT INTO t VALUES ('con_$i', 'Bench Contact', 'bench@example.com', '2026-01-01T00:00:00.000Z'); COMMIT;"
    done; } >"$TMP/bare.sql"
  local t0 t1
  t0=$(date +%s%N); sqlite3 "$TMP/bare.db" <"$TMP/bare.sql" >/dev/null; t1=$(date +%s%N)
  awk -v n=$n -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f rows/s\n", n / (ns / 1e9)}'
}

for r in $(seq "$ROUNDS"); do
  for b in "${BINS[@]}"; do echo "round $r  $b: $(one "$b")"; done
  echo "round $r  bare SQLite: $(bare)"
done
