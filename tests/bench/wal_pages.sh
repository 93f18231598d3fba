#!/usr/bin/env bash
# Which b-trees a group commit of contact creates writes (docs/performance.md).
# Usage: tests/bench/wal_pages.sh SLAB5D [SECONDS]
# Runs `wrk -t2 -c64` of POST /v1/contacts for SECONDS (3) against a new database, stops slab5d
# with SIGKILL so that the WAL is left as written, and reads the WAL's frames: the pages each
# commit wrote, attributed to their table or index with SQLite's dbstat (on a copy), averaged
# over the second half of the commits.
set -euo pipefail
BIN=${1:?usage: wal_pages.sh SLAB5D [SECONDS]}; SECS=${2:-3}
LUA="$(cd "$(dirname "$0")" && pwd)/report.lua"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/slab5-wal.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
"$BIN" serve --db "$TMP/m.db" --listen 127.0.0.1:0 --rate-limit off >"$TMP/out" 2>"$TMP/log" &
PID=$!
for _ in $(seq 200); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$TMP/out")
TOK=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$TMP/out")
BENCH_METHOD=POST BENCH_BODY='{"name":"Bench Contact","email":"bench@example.com"}' \
  wrk -t2 -c64 -d"${SECS}s" --latency -s "$LUA" -H "Authorization: Bearer $TOK" "$URL/v1/contacts" | grep '^BENCH '
kill -9 "$PID"; wait "$PID" 2>/dev/null || true
cp "$TMP/m.db-wal" "$TMP/wal.bin"
python3 - "$TMP" <<'PY'
import collections, shutil, sqlite3, struct, sys
d = sys.argv[1]
wal = open(d + "/wal.bin", "rb").read()
page = struct.unpack(">I", wal[8:12])[0]
commits, cur, off = [], set(), 32
while off + 24 + page <= len(wal):
    pgno, size_after = struct.unpack(">II", wal[off:off + 8])
    cur.add(pgno)
    if size_after:  # the last frame of a commit
        commits.append(cur)
        cur = set()
    off += 24 + page
shutil.copy(d + "/m.db", d + "/c.db")
shutil.copy(d + "/wal.bin", d + "/c.db-wal")
owner = {pg: name for name, pg in sqlite3.connect(d + "/c.db").execute("SELECT name, pageno FROM dbstat")}
tail = commits[len(commits) // 2:]
per = collections.Counter(owner.get(pg, "(free list)") for c in tail for pg in c)
print(f"{len(commits)} commits; distinct pages per commit (second half): {sum(per.values()) / len(tail):.1f}")
for name, n in per.most_common():
    print(f"{n / len(tail):7.2f}  {name}")
PY
