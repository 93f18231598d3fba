#!/usr/bin/env bash
# CTest's pg_cluster fixture (tests/CMakeLists.txt): starts or stops the throwaway PostgreSQL
# cluster that the postgres test runs against (scripts/pg-cluster.sh). With
# SLAB5_TEST_PG=skip (a machine without PostgreSQL) the start reports itself skipped (77) and
# pg_tests does too; without it, a cluster that cannot start fails the run.
#
#   pg_fixture.sh start|stop STATE_DIR
#
# The cluster itself lives in a new directory under /tmp, not in STATE_DIR (in the build
# tree): a checkout may sit below a directory that the unprivileged user the server runs as
# cannot search (/root), or deeper than a unix socket's path allows. STATE_DIR gets the URL
# (STATE_DIR/url, what the tests read) and where the cluster is (STATE_DIR/cluster).
set -euo pipefail
cmd=${1:-}
state=${2:-}
if [[ -z $state || ($cmd != start && $cmd != stop) ]]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
fi
if [[ ${SLAB5_TEST_PG:-} == skip && $cmd == start ]]; then
  echo "SKIPPED: SLAB5_TEST_PG=skip: no PostgreSQL cluster started"
  exit 77
fi
cluster_script="$(dirname "$0")/../../scripts/pg-cluster.sh"

stop() {
  if [[ -f $state/cluster ]]; then
    local cluster
    cluster=$(cat "$state/cluster")
    bash "$cluster_script" stop "$cluster"
    rmdir -- "$(dirname "$cluster")" 2>/dev/null || true
  fi
  rm -rf -- "$state"
}

if [[ $cmd == stop ]]; then
  stop
  exit 0
fi
stop  # what an interrupted run left behind
mkdir -p -- "$state"
parent=$(mktemp -d /tmp/slab5-pg.XXXXXX)
chmod 755 "$parent"
echo "$parent/cluster" >"$state/cluster"
bash "$cluster_script" start "$parent/cluster" >/dev/null
cp "$parent/cluster/url" "$state/url"
echo "PostgreSQL test cluster in $parent/cluster: $(cat "$state/url")"
