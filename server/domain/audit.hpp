// Audit events (api.md §6): built from the Actor and RequestMeta of a call, written inside
// the caller's transaction through the AuditStore, append-only.
#pragma once
#include <optional>
#include <string>

#include "domain/actor.hpp"
#include "slab5/json_util.hpp"
#include "store/audit_store.hpp"
#include "store/conn.hpp"

namespace slab5d {

// How a write ended, as the status its audit row records: the rules say what happened and
// this table says how the caller is answered, so no rule spells an HTTP status.
enum class AuditOutcome { Updated, Created, Deleted };
constexpr int audit_status(AuditOutcome o) {
  switch (o) {
    case AuditOutcome::Created:
      return 201;
    case AuditOutcome::Deleted:
      return 204;
    case AuditOutcome::Updated:
      break;
  }
  return 200;
}

// Removes every secret, hash and password field, at any depth.
slab5::Json strip_secrets(slab5::Json j);
// Whether strip_secrets would remove anything from `j` (looked at without copying it).
bool has_secret_fields(const slab5::Json& j);

// The audit `source` of a call made by `actor`: "api", "mcp" or "admin".
std::string audit_source(const Actor& actor);

// An event pre-filled from the call: actor, workspace, route, ids, ip, user agent, input hash.
AuditEvent audit_row(const Actor& actor, const RequestMeta& meta, std::string action, std::string target_type,
                     std::string target_id, int status);

// Inserts the event (id and created_at assigned here, secrets removed from before/after) in
// the caller's transaction; returns its id. A row that cannot be written throws StoreError, so
// the caller's transaction never commits a change without its audit row.
std::string record_audit(Conn& db, AuditEvent ev);
// Removes secrets from the row's objects, as record_audit does before it stores them.
void strip_audit_secrets(AuditEvent& ev);

}  // namespace slab5d
