#!/usr/bin/env bash
# CTest's pg_cluster fixture (tests/CMakeLists.txt): starts or stops the throwaway PostgreSQL
# cluster that the postgres test runs against (scripts/pg-cluster.sh). With
# SLAB5_TEST_PG=skip (a machine without PostgreSQL) the start reports itself skipped (77) and
# pg_tests does too; without it, a cluster that cannot start fails the run.
set -euo pipefail
if [[ ${SLAB5_TEST_PG:-} == skip && ${1:-} == start ]]; then
  echo "SKIPPED: SLAB5_TEST_PG=skip: no PostgreSQL cluster started"
  exit 77
fi
exec bash "$(dirname "$0")/../../scripts/pg-cluster.sh" "$@"
