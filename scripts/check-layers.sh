#!/usr/bin/env bash
# The layering rules of HACKING.md that a search can check: SQLite's API is used only under
# server/store/sqlite/; the domain layer and the handlers reach the database only through the
# backend-neutral connection and store interfaces (server/store/conn.hpp, server/store/*.hpp),
# never a backend's directory; and the domain layer includes nothing of the web layer.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if hits=$(grep -rn 'sqlite3_' server/ | grep -v '^server/store/sqlite/'); then
  echo "SQLite calls outside server/store/sqlite/:" >&2
  echo "$hits" >&2
  status=1
fi
if hits=$(grep -rnE '#include "store/(sqlite|postgres)/|\bSqlite[A-Za-z]*Store\b|\bDb&' server/domain/ server/api/ server/mcp/); then
  echo "the domain or a handler reaches past the store interfaces to one backend:" >&2
  echo "$hits" >&2
  status=1
fi
if hits=$(grep -rnE '#include "(http|api)/' server/domain/); then
  echo "the domain includes the web layer:" >&2
  echo "$hits" >&2
  status=1
fi
exit $status
