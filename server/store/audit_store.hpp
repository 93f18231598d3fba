// The audit log (api.md §6): appended in the transaction of the change it records, never
// edited, read back newest first.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"
#include "slab5/json_util.hpp"

namespace slab5d {

struct NewEvent;
struct UsageEvent;

struct AuditEvent {
  std::string workspace_id;
  std::string tenant_id;
  std::string action;
  std::string actor_type = "system";
  std::string actor_id = "system";
  std::string target_type;
  std::string target_id;
  std::string source = "api";
  std::string route;
  int status = 0;
  std::string request_id;
  std::string correlation_id;
  std::string ip;
  std::string user_agent;
  std::string input_hash;
  std::optional<slab5::Json> before;  // secrets already removed
  std::optional<slab5::Json> after;
  // `after` already serialized, secrets removed: stored as the row's after_json instead of
  // `after` (a write that also sends the text elsewhere serializes its object once).
  std::shared_ptr<const std::string> after_text;
};

struct AuditFilters {
  std::optional<std::string> action;  // exact, or a prefix when it ends in ".*" ("api_key.*")
  std::optional<std::string> actor_id;
  std::optional<std::string> target_id;
  std::optional<std::string> request_id;
  std::optional<std::string> since;  // RFC 3339, inclusive
  std::optional<std::string> until;  // RFC 3339, exclusive
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Stores the event under `id` at `created_at`.
  [[nodiscard]] virtual slab5::Status append(const std::string& id, const AuditEvent& ev,
                                             const std::string& created_at) = 0;
  // What the audit row of a change also holds, in a backend that keeps them in one row.
  struct Carried {
    bool event = false;
    bool usage = false;
  };
  // Stores the audit row of a change (as append), and, if the backend keeps them in the same
  // row, the change's event (`event`, when one is owed: its id is `id` with "evt_" for "aud_")
  // and the call's usage event (`usage`, when this change records it: its id is `id` with
  // "use_"). Answers which of the two it took; the caller writes the others where they live.
  // By default it takes neither.
  [[nodiscard]] virtual slab5::Result<Carried> append_change(const std::string& id, const AuditEvent& ev,
                                                             const std::string& created_at, const NewEvent* event,
                                                             const UsageEvent* usage) {
    (void)event;
    (void)usage;
    if (auto ok = append(id, ev, created_at); !ok) return tl::unexpected(ok.error());
    return Carried{};
  }
  // The api.md §6 objects of the workspace matching the filters, newest first, with ids below
  // `after`; at most `limit`.
  [[nodiscard]] virtual slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id,
                                                                     const AuditFilters& f,
                                                                     const std::optional<std::string>& after,
                                                                     int limit) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<slab5::Json>> get(const std::string& workspace_id,
                                                                      const std::string& id) = 0;
};

}  // namespace slab5d
