// Reading the audit log (api.md §6): filtered, newest-first pages and single events.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

struct AuditFilters {
  std::optional<std::string> action;  // exact, or a prefix when it ends in ".*" ("api_key.*")
  std::optional<std::string> actor_id;
  std::optional<std::string> target_id;
  std::optional<std::string> request_id;
  std::optional<std::string> since;  // RFC 3339, inclusive
  std::optional<std::string> until;  // RFC 3339, exclusive
};

// Events of the workspace matching the filters, newest first, with ids below `after`; at most `limit`.
// Each is the api.md §6 event object; the id is in "id".
std::vector<slab5::Json> list_audit_events(Db& db, const std::string& workspace_id, const AuditFilters& f,
                                           const std::optional<std::string>& after, int limit);
std::optional<slab5::Json> find_audit_event(Db& db, const std::string& workspace_id, const std::string& id);

}  // namespace slab5d
