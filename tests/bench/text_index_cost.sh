#!/usr/bin/env bash
# What indexing a contact's text fields costs inside SQLite, without HTTP (docs/performance.md).
# Usage: tests/bench/text_index_cost.sh [--rounds N] [--rows N] SLAB5D
# SLAB5D makes a database with its schema (one contact created over loopback). Then the
# sqlite3 shell inserts ROWS contacts (default 81,000) in transactions of 27, as a write batch
# of the benchmark does, four ways, alternating each round, and prints each way's user CPU:
#   none     no text index (the insert trigger of a database from before, dropped)
#   trigger  a trigger queues each row's text fields as JSON, applied before COMMIT (how
#            slab5d indexed a create before)
#   direct   the text fields inserted into the FTS5 table before COMMIT with no trigger
#            (how slab5d indexes a create now: Db::queue_text_insert)
#   temp     as trigger, into a TEMP queue table with one column per field
set -euo pipefail
ROUNDS=3; ROWS=81000; BATCH=27
while (($#)); do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) BIN=$1; shift ;;
  esac
done
[[ -n ${BIN:-} ]] || { echo "usage: text_index_cost.sh [--rounds N] [--rows N] SLAB5D" >&2; exit 2; }
for t in sqlite3 curl awk; do command -v $t >/dev/null || { echo "text_index_cost.sh: needs $t" >&2; exit 1; }; done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/slab5-textcost.XXXXXX")
PID=""
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$BIN" serve --db "$TMP/m.db" --listen 127.0.0.1:0 --rate-limit off >"$TMP/out" 2>"$TMP/log" &
PID=$!
for _ in $(seq 200); do grep -q listening "$TMP/out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.* listening on \(http[^ ]*\) .*/\1/p' "$TMP/out")
tok=$(sed -n 's/^export SLAB5_WORKSPACE_TOKEN=//p' "$TMP/out")
curl -sf -o /dev/null -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
  -d '{"name":"Bench Contact","email":"bench@example.com"}' "$url/v1/contacts"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
ws=$(sqlite3 "$TMP/m.db" "SELECT workspace_id FROM contacts LIMIT 1")
ten=$(sqlite3 "$TMP/m.db" "SELECT tenant_id FROM contacts LIMIT 1")
first=$(sqlite3 "$TMP/m.db" "SELECT max(rowid) + 1 FROM contacts")

QUEUE_TRIGGER="CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN INSERT INTO text_index_pending (tbl, op, rid, vals) VALUES ('contacts', NULL, new.rowid, json_array(new.name, new.email, new.company_name, new.notes)); END;"
TEMP_TRIGGER="CREATE TEMP TABLE q (seq INTEGER PRIMARY KEY, op TEXT, rid INTEGER, name TEXT, email TEXT, company_name TEXT, notes TEXT); CREATE TEMP TRIGGER qi AFTER INSERT ON main.contacts BEGIN INSERT INTO q (op, rid, name, email, company_name, notes) VALUES (NULL, new.rowid, new.name, new.email, new.company_name, new.notes); END;"
script() {  # script WAY → the SQL of one way
  awk -v way="$1" -v rows="$ROWS" -v batch="$BATCH" -v ws="$ws" -v ten="$ten" -v first="$first" \
      -v qt="$QUEUE_TRIGGER" -v tt="$TEMP_TRIGGER" 'BEGIN {
    print "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA temp_store=MEMORY;"
    print "DROP TRIGGER IF EXISTS contacts_fts_insert;"
    if (way == "trigger") print qt
    if (way == "temp") print tt
    rid = first
    for (i = 1; i <= rows; i += batch) {
      print "BEGIN IMMEDIATE;"
      vals = ""
      for (k = 0; k < batch && i + k <= rows; k++) {
        printf "INSERT INTO contacts (id, workspace_id, tenant_id, created_at, updated_at, version, origin, created_by_type, created_by_id, custom_fields, name, email) VALUES (\047con_%026d\047, \047%s\047, \047%s\047, \0472026-12-03T21:04:16.942Z\047, \0472026-12-03T21:04:16.942Z\047, 1, \047api\047, \047api_key\047, \047key_bench\047, \047{}\047, \047Bench Contact\047, \047bench@example.com\047);\n", i + k, ws, ten
        vals = vals (k ? ", " : "") "(" rid++ ", \047Bench Contact\047, \047bench@example.com\047, NULL, NULL)"
      }
      if (way == "trigger")
        print "INSERT INTO contacts_fts (contacts_fts, rowid, name, email, company_name, notes) SELECT op, rid, vals ->> 0, vals ->> 1, vals ->> 2, vals ->> 3 FROM text_index_pending WHERE tbl = \047contacts\047 ORDER BY seq; DELETE FROM text_index_pending;"
      if (way == "temp")
        print "INSERT INTO contacts_fts (contacts_fts, rowid, name, email, company_name, notes) SELECT op, rid, name, email, company_name, notes FROM q ORDER BY seq; DELETE FROM q;"
      if (way == "direct")
        print "INSERT INTO contacts_fts (rowid, name, email, company_name, notes) VALUES " vals ";"
      print "COMMIT;"
    }
  }'
}
WAYS=(none trigger direct temp)
for w in "${WAYS[@]}"; do script "$w" >"$TMP/$w.sql"; done
base=$(sqlite3 "$TMP/m.db" "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'bench'")
TIMEFORMAT=%U
for r in $(seq "$ROUNDS"); do
  line="round $r:"
  for w in "${WAYS[@]}"; do
    rm -f "$TMP"/r.db*; cp "$TMP/m.db" "$TMP/r.db"
    t=$( { time sqlite3 "$TMP/r.db" <"$TMP/$w.sql" >/dev/null; } 2>&1 | tail -1)
    if [[ $w != none ]]; then  # every row indexed, once
      n=$(sqlite3 "$TMP/r.db" "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'bench'")
      [[ $n == $((ROWS + base)) ]] || { echo "text_index_cost.sh: $w indexed $n rows, not $((ROWS + base))" >&2; exit 1; }
      sqlite3 "$TMP/r.db" "INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)"
    fi
    line="$line  $w $(awk -v t="$t" -v n="$ROWS" 'BEGIN {printf "%.2f s (%.1f us/row)", t, t * 1e6 / n}')"
  done
  echo "$line"
done
