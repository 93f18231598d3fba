#!/usr/bin/env bash
# The main job, end to end: install what is missing, build, start slab5d on a throwaway
# database, and drive it with slab5 the way a CI pipeline would. Every step is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "install what is missing"
scripts/install-deps.sh
step "build (Release)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" 2>&1 | tail -1
bin=build/release
export PATH="$PWD/$bin:$PATH"

work=$(mktemp -d)
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export SLAB5_CONFIG_DIR="$work/config"

step "start slab5d on a throwaway database"
slab5d serve --db :memory: --listen 127.0.0.1:0 >"$work/out" 2>"$work/log" &
server_pid=$!
for _ in $(seq 100); do [[ $(wc -l <"$work/out") -ge 4 ]] && break; sleep 0.05; done
head -1 "$work/out"
eval "$(sed -n '2,3p' "$work/out")"
echo "SLAB5_API_BASE_URL=$SLAB5_API_BASE_URL"
echo "SLAB5_WORKSPACE_TOKEN=${SLAB5_WORKSPACE_TOKEN:0:17}… (first-start key, every scope)"

step "who am I talking to"
run slab5 workspace

step "create a read-only CI key (the secret is printed once)"
key=$(slab5 keys create --name "ci-readonly" --scope crm:read --scope audit:read -q)
echo "created ${key:0:17}…"
run slab5 keys list

step "use the new key: reading works, administration is refused"
SLAB5_WORKSPACE_TOKEN="$key" run slab5 api /workspace --jq .data.name
set +e
SLAB5_WORKSPACE_TOKEN="$key" slab5 keys list
echo "exit code $? (5 = not permitted)"
set -e

step "revoke it"
id=$(slab5 keys list --json --jq '.[] | select(.name=="ci-readonly") | .id')
run slab5 keys revoke "$id" --yes
set +e
SLAB5_WORKSPACE_TOKEN="$key" slab5 workspace
echo "exit code $? (4 = not authenticated: revoked on the very next request)"
set -e

step "the audit trail"
run slab5 audit --limit 5

step "usage by route"
run slab5 usage --group-by route

step "stop slab5d (SIGTERM drains and exits 0)"
kill -TERM "$server_pid"; wait "$server_pid"; echo "slab5d exited $?"
