#!/usr/bin/env bash
# slab5d on one machine, SQLite vs PostgreSQL, one vs two instances (docs/scaling.md).
#
#   tests/bench/scaling.sh           DURATION per measurement (default 10s), ROUNDS rounds
#                                    (default 3; the table shows medians)
#   tests/bench/scaling.sh --quick   1s, one round: only checks that it runs
#
# Measures GET /v1/workspace and POST /v1/contacts (wrk, 64 connections in all, rate limit off)
# against: slab5d on a SQLite file; one slab5d on PostgreSQL; two slab5d on the same
# PostgreSQL database, each driven by its own wrk with half the connections, their rates
# added. Everything runs on this machine and on loopback, so slab5d, PostgreSQL and wrk share
# its cores: the figures say what one machine does, not what a bigger one would.
#
# PostgreSQL: PG_URL (or the file PG_URL_FILE) names a server to make databases on (a
# throwaway one, e.g. CTest's pg_cluster fixture); without it the script starts a cluster of its own with
# scripts/pg-cluster.sh. SLAB5D_BIN uses an existing binary instead of building build/release.
# BENCH_OUT also writes the table to that file. Exits non-zero only when it cannot run.
set -euo pipefail

QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "scaling.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
if [[ $QUICK == 1 ]]; then DURATION=${DURATION:-1s}; ROUNDS=${ROUNDS:-1}; else DURATION=${DURATION:-10s}; ROUNDS=${ROUNDS:-3}; fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LUA="$ROOT/tests/bench/report.lua"
CONNS=64

log() { printf '[scaling] %s\n' "$*" >&2; }
die() { printf 'scaling.sh: %s\n' "$*" >&2; exit 1; }

need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v psql >/dev/null || need_pkgs+=(postgresql)
command -v curl >/dev/null || need_pkgs+=(curl)
if (( ${#need_pkgs[@]} )); then
  log "installing ${need_pkgs[*]}"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null \
    || die "cannot install ${need_pkgs[*]} (needs apt-get and root or sudo)"
fi

if [[ -z "${SLAB5D_BIN:-}" ]]; then
  log "building Release (cmake --preset release)"
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build build/release --target slab5d >/dev/null) \
    || die "the Release build failed"
  SLAB5D_BIN="$ROOT/build/release/slab5d"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/slab5-scaling.XXXXXX")
chmod 755 "$TMP"
PIDS=()
OWN_CLUSTER=""
DATABASES=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null || true; done
  for d in "${DATABASES[@]:-}"; do
    [[ -n "$d" ]] && psql -X -q "$PG_URL" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
  done
  [[ -n "$OWN_CLUSTER" ]] && bash "$ROOT/scripts/pg-cluster.sh" stop "$OWN_CLUSTER" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

if [[ -z "${PG_URL:-}" && -n "${PG_URL_FILE:-}" ]]; then PG_URL=$(cat "$PG_URL_FILE"); fi
if [[ -z "${PG_URL:-}" ]]; then
  OWN_CLUSTER=$(mktemp -d /tmp/slab5-scaling-pg.XXXXXX)
  rmdir "$OWN_CLUSTER"
  log "starting a throwaway PostgreSQL cluster (scripts/pg-cluster.sh)"
  bash "$ROOT/scripts/pg-cluster.sh" start "$OWN_CLUSTER" >/dev/null || die "cannot start PostgreSQL"
  PG_URL=$(cat "$OWN_CLUSTER/url")
fi
PG_VERSION=$(psql -X -A -t "$PG_URL" -c "SHOW server_version" 2>/dev/null || echo "?")
PG_FSYNC=$(psql -X -A -t "$PG_URL" -c "SHOW fsync" 2>/dev/null || echo "?")

# new_pg_database NAME → a postgres:// URL of a new database on PG_URL's server.
new_pg_database() {
  local name="slab5_scaling_$1_$$"
  psql -X -q "$PG_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  DATABASES+=("$name")
  echo "${PG_URL%/*}/$name"
}

# start NAME DB [flags…]: slab5d on a free port; sets URL_<NAME> and, on a new database, TOKEN.
start() {
  local name=$1 db=$2; shift 2
  local out="$TMP/$name.out"
  "$SLAB5D_BIN" serve --db "$db" --listen 127.0.0.1:0 --rate-limit off --threads 2 "$@" >"$out" 2>>"$TMP/$name.log" &
  PIDS+=($!)
  for _ in $(seq 200); do grep -q listening "$out" 2>/dev/null && break; sleep 0.05; done
  grep -q listening "$out" || die "slab5d ($name) did not start: $(tail -3 "$TMP/$name.log")"
  printf -v "URL_$name" '%s' "$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$out")"
  if grep -q SLAB5_WORKSPACE_TOKEN "$out"; then TOKEN=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$out"); fi
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b==0) print "n/a"; else printf "%.2f", a/b}'; }

# measure PATH METHOD URL… → requests/s summed over one wrk per URL (CONNS split between them)
# and the largest p99 (µs), as "RPS P99".
measure() {
  local path=$1 method=$2; shift 2
  local n=$# c=$(( CONNS / $# )) i=0 files=() wpids=()
  for url in "$@"; do
    i=$((i + 1))
    local f="$TMP/wrk.$i"
    files+=("$f")
    local body=""
    [[ $method == POST ]] && body='{"name":"Scaling Contact","email":"scaling@example.com"}'
    BENCH_METHOD=$method BENCH_BODY=$body wrk -t1 -c"$c" -d"$DURATION" --latency -s "$LUA" \
      -H "Authorization: Bearer $TOKEN" "$url$path" >"$f" 2>&1 &
    wpids+=($!)
  done
  for j in "${wpids[@]}"; do wait "$j" || true; done
  local rps=0 p99=0 status=0 sockets=0
  for f in "${files[@]}"; do
    local line; line=$(grep '^BENCH ' "$f" || echo "BENCH rps=0 p99_us=0 bad_status=1 socket_errors=1")
    rps=$(awk -v a="$rps" -v b="$(field "$line" rps)" 'BEGIN {printf "%.1f", a + b}')
    p99=$(awk -v a="$p99" -v b="$(field "$line" p99_us)" 'BEGIN {print (b > a ? b : a)}')
    status=$(( status + $(field "$line" bad_status) ))
    sockets=$(( sockets + $(field "$line" socket_errors) ))
  done
  (( status + sockets == 0 )) ||
    log "warning: $method $path on $n instance(s): $status answers >= 400, $sockets socket errors (wrk: $(grep -h 'Socket errors' "${files[@]}" | tr '\n' ' '))"
  echo $(( status + sockets )) >>"$TMP/errors"  # measure runs in a subshell
  echo "$rps $p99"
}

# ---- the three set-ups -------------------------------------------------------------------
log "SQLite: one slab5d"
start sqlite "$TMP/scaling.db" --password-cost test
TOKEN_SQLITE=$TOKEN
log "PostgreSQL: one slab5d, then a second on the same database"
PGDB=$(new_pg_database shared)
mkdir -p "$TMP/assets"
start pg1 "$PGDB" --password-cost test --kek-file "$TMP/kek" --assets-dir "$TMP/assets"
TOKEN_PG=$TOKEN
start pg2 "$PGDB" --password-cost test --kek-file "$TMP/kek" --assets-dir "$TMP/assets"

declare -A R
: >"$TMP/errors"
for round in $(seq "$ROUNDS"); do
  for route in "GET /v1/workspace" "POST /v1/contacts"; do
    method=${route%% *}; path=${route#* }
    log "round $round: $route"
    TOKEN=$TOKEN_SQLITE; R["$route|sqlite"]+="$(measure "$path" "$method" "$URL_sqlite")"$'\n'
    TOKEN=$TOKEN_PG; R["$route|pg1"]+="$(measure "$path" "$method" "$URL_pg1")"$'\n'
    TOKEN=$TOKEN_PG; R["$route|pg2"]+="$(measure "$path" "$method" "$URL_pg1" "$URL_pg2")"$'\n'
  done
done

med() { awk -v k="$2" 'NF {print $k}' <<<"${R[$1]}" | median; }
ROWS=()
for route in "GET /v1/workspace" "POST /v1/contacts"; do
  s=$(med "$route|sqlite" 1); p1=$(med "$route|pg1" 1); p2=$(med "$route|pg2" 1)
  ROWS+=("$(printf '%-20s | %9.0f req/s, p99 %6.1f ms | %9.0f req/s, p99 %6.1f ms | %9.0f req/s, p99 %6.1f ms | %5s | %5s' \
    "$route" "$s" "$(awk -v u="$(med "$route|sqlite" 2)" 'BEGIN{print u/1000}')" \
    "$p1" "$(awk -v u="$(med "$route|pg1" 2)" 'BEGIN{print u/1000}')" \
    "$p2" "$(awk -v u="$(med "$route|pg2" 2)" 'BEGIN{print u/1000}')" \
    "$(ratio "$p1" "$s")" "$(ratio "$p2" "$p1")")")
done

{
  echo "failed requests in all runs: $(awk '{n += $1} END {print n + 0}' "$TMP/errors")"
  echo "slab5d scaling: $(nproc) cores, PostgreSQL $PG_VERSION (fsync $PG_FSYNC), wrk -t1 per instance, $CONNS connections in all, $DURATION x $ROUNDS round(s), medians"
  printf '%-20s | %-30s | %-30s | %-30s | %-5s | %-5s\n' "route" "SQLite, 1 instance" "PostgreSQL, 1 instance" "PostgreSQL, 2 instances" "PG/SQ" "2/1"
  for r in "${ROWS[@]}"; do echo "$r"; done
} | tee "${BENCH_OUT:-/dev/null}"
