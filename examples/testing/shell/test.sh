#!/usr/bin/env bash
# An example CI script against a seeded slab5d (docs/testing.md), with curl and jq:
#
#   slab5d exec --seed examples/fixtures/acme.json -- bash examples/testing/shell/test.sh
#
# slab5d exec exports SLAB5_API_BASE_URL; the fixture hard-codes the key below.
set -euo pipefail
key="slab5_sk_ExampleFixtureKeyForCiOnly0000011eJ6Qg"
base="$SLAB5_API_BASE_URL"

req() { # METHOD PATH [BODY]: prints the body, then the status on its own line
  curl -sS -X "$1" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} -w '\n%{http_code}\n' "$base$2"
}
status() { tail -n1; }
check() { # WANT GOT WHAT
  if [[ "$1" != "$2" ]]; then echo "FAIL: $3: want $1, got $2" >&2; exit 1; fi
  echo "ok: $3"
}
restore() { curl -sS -X POST -H 'Content-Type: application/json' --data '{}' -o /dev/null \
  "$base/dev/snapshots/seed/restore"; curl -sS -X DELETE -o /dev/null "$base/dev/clock"; }

# 1. The seeded data is there on the first request.
restore
check 200 "$(req GET /contacts/con_01fxt000000000000000000002 | status)" "seeded contact"

# 2. A change, then a restore: the next case starts from the seed.
check 201 "$(req POST /contacts '{"name":"Scratch"}' | status)" "create a contact"
restore
check 2 "$(req GET /contacts | head -n -1 | jq '.data | length')" "back to the two seeded contacts"

# 3. Time travel: an invitation expires after 7 days, tested in milliseconds.
restore
curl -sS -X POST -H 'Content-Type: application/json' --data '{"set":"2031-01-01T00:00:00Z","freeze":true}' \
  -o /dev/null "$base/dev/clock"
check 201 "$(req POST /workspace/invitations '{"email":"late@example.com","role":"member"}' | status)" "invite"
token=$(curl -sS "$base/dev/mail?to=late@example.com" | jq -r '.data[0].token')
curl -sS -X POST -H 'Content-Type: application/json' --data '{"advance":"7d"}' -o /dev/null "$base/dev/clock"
got=$(curl -sS -X POST -H 'Content-Type: application/json' -w '\n%{http_code}\n' \
  --data "{\"token\":\"$token\",\"password\":\"late-password\"}" "$base/auth/accept-invite" | status)
check 410 "$got" "the invitation has expired"
restore
echo "all passed"
