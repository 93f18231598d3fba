#!/usr/bin/env bash
# slab5 benchmark harness (issue 6, docs/performance.md).
#
#   tests/bench/run.sh            full run: DURATION per measurement (default 10s), ROUNDS
#                                 alternating rounds (default 3), scale fixtures of 1,000 vs
#                                 1,000,000 rows
#   tests/bench/run.sh --quick    1s per measurement, one round, 1,000 vs 10,000 rows: only
#                                 checks that the harness runs (CI's bench_smoke)
#
# Environment: DURATION, ROUNDS, SCALE_SMALL, SCALE_LARGE override the above; HOOK_ROUNDS the
# rounds of section 9 (default 12, 1 with --quick). SLAB5D_BIN and
# SLAB5_BIN use existing binaries instead of building build/release. BENCH_OUT also writes
# the table to that file.
#
# Everything runs on loopback in one run: nginx (fixed JSON body of the same size as
# slab5d's response) and slab5d are measured alternately with the same wrk command, and the
# table reports ratios. Targets are reported as PASS/FAIL but never fail the script: a
# benchmark is not a timed test. The script exits non-zero only when it cannot run.
set -euo pipefail

QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
if [[ $QUICK == 1 ]]; then
  DURATION=${DURATION:-1s}; ROUNDS=${ROUNDS:-1}; SCALE_SMALL=${SCALE_SMALL:-1000}; SCALE_LARGE=${SCALE_LARGE:-10000}
  HF_RUNS=5; LOGINS=3; HOOK_ROUNDS=${HOOK_ROUNDS:-1}; HOOK_WARMUP=1s
else
  DURATION=${DURATION:-10s}; ROUNDS=${ROUNDS:-3}; SCALE_SMALL=${SCALE_SMALL:-1000}; SCALE_LARGE=${SCALE_LARGE:-1000000}
  HF_RUNS=60; LOGINS=21; HOOK_ROUNDS=${HOOK_ROUNDS:-12}; HOOK_WARMUP=3s
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LUA="$ROOT/tests/bench/report.lua"
CONNS=64

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# ---- tools ----------------------------------------------------------------------------
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_pkgs+=(nginx-light)
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
for t in curl sqlite3 jq; do command -v $t >/dev/null || need_pkgs+=($t); done
if (( ${#need_pkgs[@]} )); then
  log "installing ${need_pkgs[*]}"
  SUDO=""; [[ $(id -u) == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null \
    || die "cannot install ${need_pkgs[*]} (needs apt-get and root or sudo)"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---- build ----------------------------------------------------------------------------
if [[ -z "${SLAB5D_BIN:-}" || -z "${SLAB5_BIN:-}" ]]; then
  log "building Release (cmake --preset release)"
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build build/release --target slab5d slab5 >/dev/null) \
    || die "the Release build failed"
  SLAB5D_BIN="$ROOT/build/release/slab5d"; SLAB5_BIN="$ROOT/build/release/slab5"
fi

# ---- scratch space and cleanup -------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/slab5-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
  die "no free port found"
}

# start_slab5d NAME DB [extra flags…]: starts slab5d on a free port; sets URL_<NAME>,
# and, on a new database, TOKEN_<NAME>, PASSWORD_<NAME>, WS_<NAME>.
start_slab5d() {
  local name=$1 db=$2; shift 2
  local out="$TMP/$name.out"
  "$SLAB5D_BIN" serve --db "$db" --listen 127.0.0.1:0 --rate-limit off "$@" >"$out" 2>>"$TMP/$name.log" &
  PIDS+=($!)
  printf -v "PID_$name" '%s' "$!"
  for _ in $(seq 200); do grep -q listening "$out" 2>/dev/null && break; sleep 0.05; done
  grep -q listening "$out" || die "slab5d ($name) did not start: $(tail -3 "$TMP/$name.log")"
  local url; url=$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$out")
  printf -v "URL_$name" '%s' "$url"
  if grep -q SLAB5_WORKSPACE_TOKEN "$out"; then
    printf -v "TOKEN_$name" '%s' "$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$out")"
    printf -v "PASSWORD_$name" '%s' "$(sed -n 's/^# owner [^,]*, password \([^,]*\), .*/\1/p' "$out")"
    printf -v "WS_$name" '%s' "$(sed -n 's/.* workspace \(wrk_[a-z0-9]*\).*/\1/p' "$out")"
  fi
}

# stop_slab5d NAME: stops a slab5d start_slab5d started, logging the CPU it used in all.
stop_slab5d() {
  local pid_var="PID_$1" pid cpu
  pid=${!pid_var:-}
  [[ -n $pid ]] || return 0
  cpu=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / t}' "/proc/$pid/stat" 2>/dev/null || echo "?")
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  log "  slab5d ($1) stopped after ${cpu} s of CPU"
}

# wrkrun URL [wrk args…] → the BENCH line (fields: requests rps p50_us p99_us …)
wrkrun() {
  local url=$1; shift
  wrk -t2 -c$CONNS -d"$DURATION" --latency -s "$LUA" "$@" "$url" | grep '^BENCH ' || echo "BENCH requests=0 rps=0 p50_us=0 p99_us=0 max_us=0 socket_errors=1 bad_status=0"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ms() { awk -v u="$1" 'BEGIN {printf "%.2f", u/1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b==0) print "n/a"; else printf "%.2f", a/b}'; }
verdict() { awk -v c="$1" 'BEGIN {print (c ? "PASS" : "FAIL")}'; }

ROWS=()
row() { ROWS+=("$(printf '%-48s | %-46s | %-40s | %s' "$1" "$2" "$3" "$4")"); }
note() { ROWS+=("$(printf '%-48s | %s' "$1" "skipped: $2")"); }

# ---- the server under test -------------------------------------------------------------
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "starting slab5d (default password cost, usage metering on, --rate-limit off)"
start_slab5d main "$TMP/main.db"
H_AUTH="Authorization: Bearer $TOKEN_main"
WS_URL="$URL_main/v1/workspace"
code=$(curl -s -o "$TMP/ws.json" -w '%{http_code}' -H "$H_AUTH" "$WS_URL")
[[ $code == 200 ]] || die "GET /v1/workspace answered $code"
# slab5d's body carries a fresh request id each time but always has the same length.
BODY_LEN=$(wc -c <"$TMP/ws.json")

# A contact for the app-plane read (section 7); its body is fixed-size too (no request id).
code=$(curl -s -o "$TMP/contact.json" -w '%{http_code}' -X POST -H "$H_AUTH" -H 'Content-Type: application/json' \
  -d '{"name":"Bench Contact","email":"bench@example.com","phone":"+1 555 0100","notes":"read benchmark"}' \
  "$URL_main/v1/contacts")
CONTACT_ID=""
if [[ $code == 201 ]]; then
  CONTACT_ID=$(jq -r '.data.id' "$TMP/contact.json")
  curl -s -o "$TMP/contact_get.json" -H "$H_AUTH" "$URL_main/v1/contacts/$CONTACT_ID"
fi
CONTACT_LEN=$( [[ -f $TMP/contact_get.json ]] && wc -c <"$TMP/contact_get.json" || echo 64)

# ---- nginx with a fixed body of the same size ------------------------------------------
NGX_PORT=$(free_port)
mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
prefix='{"data":{"pad":"'; suffix='"}}'
pad=$(( BODY_LEN - ${#prefix} - ${#suffix} ))
FIXED_BODY="$prefix$(head -c "$pad" /dev/zero | tr '\0' 'x')$suffix"
cpad=$(( CONTACT_LEN - ${#prefix} - ${#suffix} ))
CONTACT_BODY="$prefix$(head -c "$cpad" /dev/zero | tr '\0' 'x')$suffix"
user_line=""; [[ $(id -u) == 0 ]] && user_line="user nobody nogroup;"
cat >"$TMP/nginx/nginx.conf" <<EOF
$user_line
worker_processes auto;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log $TMP/nginx/logs/access.log;
  client_body_temp_path $TMP/nginx/tmp/body;
  proxy_temp_path $TMP/nginx/tmp/proxy;
  fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
  scgi_temp_path $TMP/nginx/tmp/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / { default_type application/json; return 200 '$FIXED_BODY'; }
    location /v1/contacts/ { default_type application/json; return 200 '$CONTACT_BODY'; }
    location /hook { access_log $TMP/nginx/logs/hook.log; return 200; }
  }
}
EOF
grep -q '^user ' "$TMP/nginx/nginx.conf" && chmod 755 "$TMP" "$TMP/nginx" && chmod -R a+rwX "$TMP/nginx/tmp"
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" 2>"$TMP/nginx/stderr" &
PIDS+=($!)
NGX_URL="http://127.0.0.1:$NGX_PORT/v1/workspace"
for _ in $(seq 100); do curl -sf -o /dev/null "$NGX_URL" && break; sleep 0.05; done
NGX_LEN=$(curl -sf "$NGX_URL" | wc -c) || die "nginx did not start: $(cat "$TMP/nginx/stderr")"
[[ $NGX_LEN == "$BODY_LEN" ]] || die "nginx body is $NGX_LEN bytes, slab5d's $BODY_LEN"

# ---- 1. GET /v1/workspace vs nginx, alternating -----------------------------------------
log "GET /v1/workspace vs nginx: $ROUNDS round(s) of $DURATION each side, wrk -t2 -c$CONNS"
wrkrun "$WS_URL" -H "$H_AUTH" >/dev/null  # warm-up (also fills the credential cache)
n_rps=(); s_rps=(); s_p99=(); n_p99=(); s_err=0; n_err=0
for r in $(seq "$ROUNDS"); do
  : >"$TMP/nginx/logs/access.log"; : >"$TMP/main.log"
  n=$(wrkrun "$NGX_URL"); s=$(wrkrun "$WS_URL" -H "$H_AUTH")
  n_rps+=("$(field "$n" rps)"); n_p99+=("$(field "$n" p99_us)")
  s_rps+=("$(field "$s" rps)"); s_p99+=("$(field "$s" p99_us)")
  s_err=$(( s_err + $(field "$s" socket_errors) + $(field "$s" bad_status) ))
  n_err=$(( n_err + $(field "$n" socket_errors) + $(field "$n" bad_status) ))
  log "  round $r: nginx $(field "$n" rps) req/s p99 $(ms "$(field "$n" p99_us)") ms; slab5d $(field "$s" rps) req/s p99 $(ms "$(field "$s" p99_us)") ms"
done
NRPS=$(printf '%s\n' "${n_rps[@]}" | median); SRPS=$(printf '%s\n' "${s_rps[@]}" | median)
NP99=$(printf '%s\n' "${n_p99[@]}" | median); SP99=$(printf '%s\n' "${s_p99[@]}" | median)
R=$(ratio "$SRPS" "$NRPS")
row "GET /v1/workspace (API key) vs nginx" "slab5d $(printf '%.0f' "$SRPS") req/s, nginx $(printf '%.0f' "$NRPS")" \
    "ratio $R (target >= 0.65)" "$(verdict "$(awk -v r="$R" 'BEGIN{print (r>=0.65)}')")"
row "  p99 latency (median of rounds)" "slab5d $(ms "$SP99") ms, nginx $(ms "$NP99") ms" "target < 5 ms" \
    "$(verdict "$(awk -v p="$SP99" 'BEGIN{print (p<5000)}')")"
row "  errors (socket + status >= 400)" "slab5d $s_err, nginx $n_err" "target 0" "$(verdict "$([[ $s_err == 0 ]] && echo 1 || echo 0)")"

# ---- 2. authenticated write --------------------------------------------------------------
code=$(curl -s -o "$TMP/key.json" -w '%{http_code}' -X POST -H "$H_AUTH" -H 'Content-Type: application/json' \
  -d '{"name":"bench probe","scopes":["crm:read"]}' "$WS_URL/api-keys")
if [[ $code == 404 || $code == 405 ]]; then
  note "POST /v1/workspace/api-keys" "the route answers $code on this build (keys branch not merged)"
elif [[ $code != 201 && $code != 200 ]]; then
  note "POST /v1/workspace/api-keys" "the probe answered $code: $(head -c 200 "$TMP/key.json")"
else
  log "POST /v1/workspace/api-keys for $DURATION"
  w=$(BENCH_METHOD=POST BENCH_BODY='{"name":"bench key","scopes":["crm:read"]}' wrkrun "$WS_URL/api-keys" -H "$H_AUTH")
  row "POST /v1/workspace/api-keys (API key)" "$(printf '%.0f' "$(field "$w" rps)") req/s, p99 $(ms "$(field "$w" p99_us)") ms" \
      "errors $(( $(field "$w" socket_errors) + $(field "$w" bad_status) ))" "figure"
fi

# ---- 3. session token read, 4. login -------------------------------------------------------
LOGIN_BODY=$(jq -cn --arg e dev@slab5.local --arg p "$PASSWORD_main" --arg w "$WS_main" \
  '{provider:"local", email:$e, password:$p, workspaceId:$w}')
code=$(curl -s -o "$TMP/login.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$LOGIN_BODY" \
  "$URL_main/v1/auth/session")
ACCESS=$(jq -r '.data.accessToken // empty' "$TMP/login.json" 2>/dev/null || true)
if [[ $code != 200 || -z "$ACCESS" ]]; then
  why="POST /v1/auth/session answered $code"; [[ $code == 404 || $code == 405 ]] && why+=" (identity branch not merged)"
  note "GET /v1/workspace (session token)" "$why"
  note "POST /v1/auth/session median" "$why"
  note "GET /health while logins run" "$why"
else
  log "GET /v1/workspace with a session token for $DURATION"
  wrkrun "$WS_URL" -H "Authorization: Bearer $ACCESS" -H "X-Workspace-Id: $WS_main" >/dev/null
  s=$(BENCH_WORKSPACE="$WS_main" wrkrun "$WS_URL" -H "Authorization: Bearer $ACCESS")
  row "GET /v1/workspace (session token)" "$(printf '%.0f' "$(field "$s" rps)") req/s, p99 $(ms "$(field "$s" p99_us)") ms" \
      "errors $(( $(field "$s" socket_errors) + $(field "$s" bad_status) ))" "figure"

  log "login median over $LOGINS sequential logins (default password cost)"
  for _ in $(seq "$LOGINS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -X POST -H 'Content-Type: application/json' -d "$LOGIN_BODY" "$URL_main/v1/auth/session"
  done >"$TMP/logins.txt"
  LMED=$(median <"$TMP/logins.txt")
  row "POST /v1/auth/session (local, default cost)" "median $(awk -v s="$LMED" 'BEGIN{printf "%.1f", s*1000}') ms over $LOGINS" "" "figure"

  log "GET /health latency idle, then while 4 clients log in continuously"
  idle=$(wrk -t1 -c1 -d"$DURATION" --latency -s "$LUA" "$URL_main/health" | grep '^BENCH ')
  BENCH_METHOD=POST BENCH_BODY="$LOGIN_BODY" wrk -t1 -c4 -d"$DURATION" -s "$LUA" "$URL_main/v1/auth/session" >"$TMP/logins.wrk" &
  lp=$!
  sleep 0.2
  busy=$(wrk -t1 -c1 -d"$DURATION" --latency -s "$LUA" "$URL_main/health" | grep '^BENCH ')
  wait $lp
  lw=$(grep '^BENCH ' "$TMP/logins.wrk")
  row "GET /health p99 while logins run" "idle $(ms "$(field "$idle" p99_us)") ms, under logins $(ms "$(field "$busy" p99_us)") ms" \
      "logins $(printf '%.1f' "$(field "$lw" rps)")/s" "figure"
fi

# ---- 5. slab5 workspace --json vs curl -------------------------------------------------
if SLAB5_API_BASE_URL="$URL_main/v1" SLAB5_WORKSPACE_TOKEN="$TOKEN_main" HOME="$TMP" XDG_CONFIG_HOME="$TMP/cfg" \
     "$SLAB5_BIN" workspace --json >"$TMP/cli.json" 2>"$TMP/cli.err" && grep -q "$WS_main" "$TMP/cli.json"; then
  log "hyperfine: slab5 workspace --json vs curl -s ($HF_RUNS runs each)"
  SLAB5_API_BASE_URL="$URL_main/v1" SLAB5_WORKSPACE_TOKEN="$TOKEN_main" HOME="$TMP" XDG_CONFIG_HOME="$TMP/cfg" \
    hyperfine -N --style none --warmup 3 --runs "$HF_RUNS" --export-json "$TMP/hf.json" \
    -n curl "curl -s -H 'Authorization: Bearer $TOKEN_main' $WS_URL" \
    -n slab5 "$SLAB5_BIN workspace --json" >/dev/null
  CMED=$(jq '.results[] | select(.command=="curl") | .median' "$TMP/hf.json")
  SMED=$(jq '.results[] | select(.command=="slab5") | .median' "$TMP/hf.json")
  R=$(ratio "$SMED" "$CMED")
  row "slab5 workspace --json vs curl -s" \
      "slab5 $(awk -v s="$SMED" 'BEGIN{printf "%.2f", s*1000}') ms, curl $(awk -v s="$CMED" 'BEGIN{printf "%.2f", s*1000}') ms" \
      "ratio $R (target <= 1.25)" "$(verdict "$(awk -v r="$R" 'BEGIN{print (r<=1.25)}')")"
else
  note "slab5 workspace --json vs curl -s" "slab5 workspace --json fails on this build: $(head -c 160 "$TMP/cli.err" | tr '\n' ' ')"
fi

# ---- 6. scale: SCALE_LARGE vs SCALE_SMALL keys and audit events -------------------------
log "scale fixtures: $SCALE_SMALL and $SCALE_LARGE API keys + audit events"
"$SLAB5D_BIN" init --db "$TMP/tpl.db" --password-cost test >"$TMP/tpl.out" 2>/dev/null || die "slab5d init failed"
TPL_TOKEN=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$TMP/tpl.out")
TPL_WS=$(sed -n 's/.* workspace \(wrk_[a-z0-9]*\).*/\1/p' "$TMP/tpl.out")
TPL_TEN=$(sqlite3 "$TMP/tpl.db" "SELECT tenant_id FROM workspaces WHERE id='$TPL_WS'")
fixture() {  # fixture DB N: N API keys, N audit events and N contacts in the template's workspace, one transaction
  # Contacts: every one has a company (100 contacts each); exactly 50 are named "Jane …" and
  # 50 belong to cmp_00fjane0000000000000000000, at every N, so the queries below return the same page at
  # both scales and only the table grows.
  cp "$TMP/tpl.db" "$1"
  sqlite3 "$1" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $2)
INSERT INTO credentials (id, kind, workspace_id, name, description, prefix, token_hash, scopes, created_at,
                         updated_at, last_used_at, expires_at, revoked_at, created_by_type, created_by_id)
SELECT printf('key_00fixture%017d', i), 'api_key', '$TPL_WS', 'fixture key ' || i, '',
       'slab5_sk_' || substr(lower(hex(randomblob(4))), 1, 8), lower(hex(randomblob(32))),
       '["crm:read","crm:write"]', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', NULL, NULL,
       CASE WHEN i % 10 = 0 THEN '2026-02-01T00:00:00.000Z' END, 'system', 'system'
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $2)
INSERT INTO audit_events (id, workspace_id, tenant_id, action, actor_type, actor_id, target_type, target_id,
                          source, route, status, request_id, correlation_id, ip, user_agent, before_json,
                          after_json, created_at)
SELECT printf('aud_00fixture%017d', i), '$TPL_WS', '$TPL_TEN', 'api_key.created', 'api_key',
       printf('key_00fixture%017d', i), 'api_key', printf('key_00fixture%017d', i), 'api',
       'POST /v1/workspace/api-keys', 201, printf('req_00fixture%017d', i), printf('req_00fixture%017d', i),
       '127.0.0.1', 'slab5/0.1.0', NULL,
       '{"id":"' || printf('key_00fixture%017d', i) || '","name":"fixture key","scopes":["crm:read","crm:write"]}',
       '2026-01-01T00:00:00.000Z'
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < $2)
INSERT INTO contacts (id, workspace_id, tenant_id, created_at, updated_at, version, origin, created_by_type,
                      created_by_id, custom_fields, name, email, phone, title, company_id, company_name, notes)
SELECT printf('con_00fixture%017d', i), '$TPL_WS', '$TPL_TEN', '2026-01-01T00:00:00.000Z',
       '2026-01-01T00:00:00.000Z', 1, 'api', 'api_key', 'key_fixture', '{}',
       CASE WHEN i <= 50 THEN 'Jane Fixture ' || i ELSE 'Contact ' || hex(randomblob(3)) || ' ' || i END,
       'contact' || i || '@fixture.example', '+1 555 ' || i, 'Buyer',
       CASE WHEN i > $2 - 50 THEN 'cmp_00fjane0000000000000000000' ELSE printf('cmp_00f%023d', i / 100) END,
       'Company ' || (i / 100), 'fixture notes ' || i
FROM n;
-- Rows inserted by another program than slab5d are indexed by a rebuild (docs/server.md).
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}
t0=$(date +%s)
fixture "$TMP/small.db" "$SCALE_SMALL"; fixture "$TMP/large.db" "$SCALE_LARGE"
log "  fixtures built in $(( $(date +%s) - t0 )) s"
start_slab5d small "$TMP/small.db"; start_slab5d large "$TMP/large.db"
AUD_PATH="/v1/workspace/audit-events"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TPL_TOKEN" "$URL_small$AUD_PATH")
scale_measure() {  # scale_measure LABEL PATH
  local label=$1 path=$2 sm=() lg=() smp=() lgp=() errs=0 a b
  wrkrun "$URL_small$path" -H "Authorization: Bearer $TPL_TOKEN" >/dev/null
  wrkrun "$URL_large$path" -H "Authorization: Bearer $TPL_TOKEN" >/dev/null
  for _ in $(seq "$ROUNDS"); do
    a=$(wrkrun "$URL_small$path" -H "Authorization: Bearer $TPL_TOKEN")
    b=$(wrkrun "$URL_large$path" -H "Authorization: Bearer $TPL_TOKEN")
    sm+=("$(field "$a" rps)"); lg+=("$(field "$b" rps)"); smp+=("$(field "$a" p50_us)"); lgp+=("$(field "$b" p50_us)")
    errs=$(( errs + $(field "$a" socket_errors) + $(field "$a" bad_status) + $(field "$b" socket_errors) + $(field "$b" bad_status) ))
  done
  local S L R
  S=$(printf '%s\n' "${sm[@]}" | median); L=$(printf '%s\n' "${lg[@]}" | median)
  R=$(ratio "$S" "$L")  # cost ratio: time per request at large / at small
  row "$label: $SCALE_LARGE vs $SCALE_SMALL rows" \
      "$(printf '%.0f' "$L") vs $(printf '%.0f' "$S") req/s; p50 $(ms "$(printf '%s\n' "${lgp[@]}" | median)") vs $(ms "$(printf '%s\n' "${smp[@]}" | median)") ms" \
      "cost ratio $R (target <= 1.5), errors $errs" "$(verdict "$(awk -v r="$R" -v e="$errs" 'BEGIN{print (r<=1.5 && e==0)}')")"
}
log "scale: key verification, $ROUNDS round(s) alternating"
scale_measure "key verification (GET /v1/workspace)" /v1/workspace
if [[ $code == 404 || $code == 405 ]]; then
  note "first page of audit-events" "GET $AUD_PATH answers $code on this build (workspaces branch not merged)"
else
  log "scale: first page of audit-events, $ROUNDS round(s) alternating"
  scale_measure "first page of audit-events" "$AUD_PATH"
fi

log "scale: contacts ?query= and ?company_id=, $ROUNDS round(s) alternating"
scale_measure "contacts ?query=jane (FTS5)" "/v1/contacts?query=jane"
scale_measure "contacts ?company_id=" "/v1/contacts?company_id=cmp_00fjane0000000000000000000"
# Not used again. An idle slab5d does its upkeep (the large one merges the text index of a
# million contacts), which would take CPU from the measurements below.
stop_slab5d small; stop_slab5d large

# ---- 7. app plane: contact read vs nginx, contact create vs bare SQLite ---------------------
if [[ -z $CONTACT_ID ]]; then
  note "GET /v1/contacts/{id} vs nginx" "POST /v1/contacts answered $code"
else
  log "GET /v1/contacts/{id} vs nginx: $ROUNDS round(s)"
  C_URL="$URL_main/v1/contacts/$CONTACT_ID"; NC_URL="http://127.0.0.1:$NGX_PORT/v1/contacts/$CONTACT_ID"
  wrkrun "$C_URL" -H "$H_AUTH" >/dev/null
  c_rps=(); nc_rps=(); c_p99=(); c_err=0
  for _ in $(seq "$ROUNDS"); do
    n=$(wrkrun "$NC_URL"); c=$(wrkrun "$C_URL" -H "$H_AUTH")
    nc_rps+=("$(field "$n" rps)"); c_rps+=("$(field "$c" rps)"); c_p99+=("$(field "$c" p99_us)")
    c_err=$(( c_err + $(field "$c" socket_errors) + $(field "$c" bad_status) ))
  done
  CR=$(printf '%s\n' "${c_rps[@]}" | median); NCR=$(printf '%s\n' "${nc_rps[@]}" | median); R=$(ratio "$CR" "$NCR")
  row "GET /v1/contacts/{id} vs nginx" "slab5d $(printf '%.0f' "$CR") req/s, nginx $(printf '%.0f' "$NCR"), p99 $(ms "$(printf '%s\n' "${c_p99[@]}" | median)") ms" \
      "ratio $R (target >= 0.60), errors $c_err" "$(verdict "$(awk -v r="$R" -v e="$c_err" 'BEGIN{print (r>=0.60 && e==0)}')")"

  # Creates against bare SQLite (one-row write transactions from the sqlite3 shell, WAL,
  # synchronous=NORMAL), by creates.sh: $ROUNDS rounds, each a new slab5d on a new database
  # then bare SQLite, so both meet the machine in the same state; medians.
  log "POST /v1/contacts vs bare SQLite: $ROUNDS round(s) of $DURATION (creates.sh)"
  "$ROOT/tests/bench/creates.sh" --rounds "$ROUNDS" --duration "$DURATION" "$SLAB5D_BIN" >"$TMP/creates.txt" 2>&1 || true
  sed 's/^/[bench]   /' "$TMP/creates.txt" >&2  # each round's figures, for the log
  WR=$(sed -n 's/^round [0-9]*  [^:]*: \([0-9]*\) creates\/s.*/\1/p' "$TMP/creates.txt" | median)
  WP=$(sed -n 's/^round [0-9]*  [^:]*: .* p99 \([0-9.]*\) ms.*/\1/p' "$TMP/creates.txt" | median)
  WE=$(sed -n 's/^round [0-9]*  [^:]*: .* errors \([0-9]*\),.*/\1/p' "$TMP/creates.txt" | awk '{s+=$1} END {print s+0}')
  BARE=$(sed -n 's/^round [0-9]*  bare SQLite: \([0-9]*\) rows\/s/\1/p' "$TMP/creates.txt" | median)
  if [[ -z $WR || $WR == 0 || -z $BARE || $BARE == 0 ]]; then
    note "POST /v1/contacts vs bare SQLite commits" "creates.sh printed no figures: $(tail -1 "$TMP/creates.txt")"
  else
    R=$(ratio "$WR" "$BARE")
    row "POST /v1/contacts vs bare SQLite commits" "slab5d $(printf '%.0f' "$WR") req/s, p99 $WP ms; sqlite3 $(printf '%.0f' "$BARE") rows/s (medians of $ROUNDS)" \
        "ratio $R (target >= 1.0, p99 < 25 ms), errors $WE" \
        "$(verdict "$(awk -v r="$R" -v p="$WP" -v e="$WE" 'BEGIN{print (r>=1.0 && p<25 && e==0)}')")"
  fi
fi

# ---- 8. MCP gateway: tools/call get_contact vs GET /v1/contacts/{id}, alternating ----------
if [[ -z $CONTACT_ID ]]; then
  note "MCP tools/call get_contact vs REST" "POST /v1/contacts answered $code"
else
  code=$(curl -s -o "$TMP/mcp_client.json" -w '%{http_code}' -X POST -H "$H_AUTH" -H 'Content-Type: application/json' \
    -d '{"name":"bench agent","scopes":["crm:read"]}' "$URL_main/v1/workspace/mcp-clients")
  MCP_BODY=$(jq -cn --arg id "$CONTACT_ID" '{jsonrpc:"2.0",id:1,method:"tools/call",params:{name:"get_contact",arguments:{id:$id}}}')
  MCP_URL="$URL_main/mcp/v1"
  probe=""
  if [[ $code == 201 ]]; then
    H_MCP="Authorization: Bearer $(jq -r '.data.secret' "$TMP/mcp_client.json")"
    probe=$(curl -s -X POST -H "$H_MCP" -H 'Content-Type: application/json' -H 'MCP-Protocol-Version: 2025-11-25' \
      -d "$MCP_BODY" "$MCP_URL" | jq -r '.result.structuredContent.id // empty')
  fi
  if [[ $probe != "$CONTACT_ID" ]]; then
    note "MCP tools/call get_contact vs REST" "the gateway did not answer the probe (mcp-clients $code)"
  else
    log "MCP tools/call get_contact vs GET /v1/contacts/{id}: $ROUNDS round(s) alternating"
    C_URL="$URL_main/v1/contacts/$CONTACT_ID"
    mcpwrk() { BENCH_METHOD=POST BENCH_BODY="$MCP_BODY" wrkrun "$MCP_URL" -H "$H_MCP" -H 'MCP-Protocol-Version: 2025-11-25'; }
    wrkrun "$C_URL" -H "$H_AUTH" >/dev/null; mcpwrk >/dev/null  # warm-up both (after section 7's write load)
    m_rps=(); r_rps=(); m_p99=(); m_err=0
    for _ in $(seq "$ROUNDS"); do
      c=$(wrkrun "$C_URL" -H "$H_AUTH"); m=$(mcpwrk)
      r_rps+=("$(field "$c" rps)"); m_rps+=("$(field "$m" rps)"); m_p99+=("$(field "$m" p99_us)")
      m_err=$(( m_err + $(field "$m" socket_errors) + $(field "$m" bad_status) ))
    done
    MR=$(printf '%s\n' "${m_rps[@]}" | median); RR=$(printf '%s\n' "${r_rps[@]}" | median); R=$(ratio "$MR" "$RR")
    row "MCP tools/call get_contact vs REST GET" "MCP $(printf '%.0f' "$MR") req/s, REST $(printf '%.0f' "$RR"), MCP p99 $(ms "$(printf '%s\n' "${m_p99[@]}" | median)") ms" \
        "ratio $R (target >= 0.80), errors $m_err" "$(verdict "$(awk -v r="$R" -v e="$m_err" 'BEGIN{print (r>=0.80 && e==0)}')")"
  fi
fi

# ---- 9. POST /v1/contacts with webhook deliveries running vs without, alternating ---------
# The receiver is nginx answering 200 at once. Each round starts a slab5d of its own on a new
# database, warms it with a short write load, then measures both sides on it (which side runs
# first alternates) and removes it: the two sides of a round meet the same file, and no round
# meets the file and the WAL that the sections before it, or the rounds before it, left.
# The figure is the median of the rounds' own ratios (with / without): the machine's rate
# moves between rounds by more than the effect measured, less within one.
if [[ -z $CONTACT_ID ]]; then
  note "POST /v1/contacts with deliveries" "POST /v1/contacts answered $code"
else
  log "POST /v1/contacts without vs with a webhook endpoint: $HOOK_ROUNDS round(s) alternating, each on a new database"
  HOOK_URL="http://127.0.0.1:$NGX_PORT/hook"
  p_rps=(); d_rps=(); d_p99=(); r_ratio=(); d_err=0; delivered=0; hook_ok=1
  for r in $(seq "$HOOK_ROUNDS"); do
    start_slab5d "hooks$r" "$TMP/hooks$r.db"
    round_pid=${PIDS[-1]}
    round_url=URL_hooks$r; round_url=${!round_url}
    round_token=TOKEN_hooks$r; round_auth="Authorization: Bearer ${!round_token}"
    cwrk() { BENCH_METHOD=POST BENCH_BODY='{"name":"Bench Contact","email":"bench@example.com"}' wrkrun "$round_url/v1/contacts" -H "$round_auth"; }
    with_endpoint() {
      code=$(curl -s -o "$TMP/hook.json" -w '%{http_code}' -X POST -H "$round_auth" -H 'Content-Type: application/json' \
        -d "$(jq -cn --arg u "$HOOK_URL" '{url:$u,name:"bench receiver",event_types:["contact.created"]}')" "$round_url/v1/webhooks")
      [[ $code == 201 ]] || { hook_ok=0; return; }
      HOOK_ID=$(jq -r '.data.id' "$TMP/hook.json")
      : >"$TMP/nginx/logs/hook.log"
      d=$(cwrk)
      delivered=$(( delivered + $(wc -l <"$TMP/nginx/logs/hook.log") ))
      curl -s -o /dev/null -X DELETE -H "$round_auth" "$round_url/v1/webhooks/$HOOK_ID"
    }
    DURATION=$HOOK_WARMUP cwrk >/dev/null  # warm-up: neither side is the first write load on the file
    if (( r % 2 )); then p=$(cwrk); with_endpoint; else with_endpoint; p=$(cwrk); fi
    kill "$round_pid" 2>/dev/null; wait "$round_pid" 2>/dev/null || true
    rm -rf "$TMP/hooks$r.db"*
    [[ $hook_ok == 1 ]] || break
    log "  round $r: without $(field "$p" rps) req/s; with $(field "$d" rps) req/s; ratio $(ratio "$(field "$d" rps)" "$(field "$p" rps)")"
    p_rps+=("$(field "$p" rps)"); d_rps+=("$(field "$d" rps)"); d_p99+=("$(field "$d" p99_us)")
    r_ratio+=("$(awk -v a="$(field "$d" rps)" -v b="$(field "$p" rps)" 'BEGIN {printf "%.4f", a / b}')")
    d_err=$(( d_err + $(field "$d" socket_errors) + $(field "$d" bad_status) ))
  done
  if [[ $hook_ok == 0 ]]; then
    note "POST /v1/contacts with deliveries" "POST /v1/webhooks answered $code: $(head -c 200 "$TMP/hook.json")"
  else
    PR=$(printf '%s\n' "${p_rps[@]}" | median); DR=$(printf '%s\n' "${d_rps[@]}" | median)
    R=$(printf '%s\n' "${r_ratio[@]}" | median | awk '{printf "%.2f", $1}')
    secs=$(awk -v d="$DURATION" -v r="$HOOK_ROUNDS" 'BEGIN {sub(/s$/, "", d); print d * r}')
    row "POST /v1/contacts with deliveries vs without" "with $(printf '%.0f' "$DR") req/s (p99 $(ms "$(printf '%s\n' "${d_p99[@]}" | median)") ms), without $(printf '%.0f' "$PR"); $(awk -v n="$delivered" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') deliveries/s" \
        "ratio $R, median of $HOOK_ROUNDS (target >= 0.90), errors $d_err" "$(verdict "$(awk -v r="$R" -v e="$d_err" 'BEGIN{print (r>=0.90 && e==0)}')")"
  fi
fi

# ---- the table -------------------------------------------------------------------------
{
  echo
  echo "slab5 benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "wrk -t2 -c$CONNS -d$DURATION --latency, $ROUNDS alternating round(s), medians; body $BODY_LEN bytes; load average at start $LOAD_AT_START"
  printf '%-48s | %-46s | %-40s | %s\n' "measurement" "result" "ratio / target" "verdict"
  printf '%s\n' "$(printf '%.0s-' $(seq 150))"
  printf '%s\n' "${ROWS[@]}"
} | tee "${BENCH_OUT:-/dev/null}"
