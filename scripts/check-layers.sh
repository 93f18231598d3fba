#!/usr/bin/env bash
# The layering rules of HACKING.md that a search can check: SQLite's API is used only under
# server/store/sqlite/, and the domain layer includes nothing of the web layer.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if hits=$(grep -rn 'sqlite3_' server/ | grep -v '^server/store/sqlite/'); then
  echo "SQLite calls outside server/store/sqlite/:" >&2
  echo "$hits" >&2
  status=1
fi
if hits=$(grep -rnE '#include "(http|api)/' server/domain/); then
  echo "the domain includes the web layer:" >&2
  echo "$hits" >&2
  status=1
fi
exit $status
