// The event log (api.md §8.3): events written by WriteUnit in the transaction of their change,
// read back by GET /v1/events and, later, the webhook worker and the event stream.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"

namespace slab5d {

struct EventQuery {
  std::string workspace_id;
  std::optional<std::string> type;   // exact, or a prefix as "deal.*"
  std::optional<std::string> since;  // RFC 3339
  std::string not_before;            // RFC 3339: the retention horizon
  std::optional<std::string> after;  // the last id of the previous page
  int limit = 25;
};

// One row of the outbox: what a write emits for the event stream and webhooks (api.md §8).
struct NewEvent {
  std::string id;
  std::string workspace_id;
  std::string type;                        // the audit action: "contact.created"
  nlohmann::json data;                     // the object after the change (before, for a deletion), secrets removed
  std::optional<nlohmann::json> previous;  // the changed fields' earlier values, for an update
  std::string request_id;
  std::string created_at;                        // RFC 3339
  std::shared_ptr<const std::string> data_text;  // `data` already serialized; stored instead of it when set
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Adds the event; called inside the transaction of the change it describes.
  [[nodiscard]] virtual slab5::Status append(const NewEvent& e) = 0;
  // Newest first; limit+1 rows, so the caller knows whether another page exists.
  [[nodiscard]] virtual slab5::Result<std::vector<nlohmann::json>> list(const EventQuery& q) = 0;
  // The workspace's events after `after_id` (all when ""), oldest first, at most `limit`: what
  // the event stream sends next.
  [[nodiscard]] virtual slab5::Result<std::vector<nlohmann::json>> after(const std::string& workspace_id,
                                                                         const std::string& after_id, int limit) = 0;
  // The id of the workspace's newest event, "" when it has none.
  [[nodiscard]] virtual slab5::Result<std::string> newest_id(const std::string& workspace_id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<nlohmann::json>> get(const std::string& workspace_id,
                                                                         const std::string& id,
                                                                         const std::string& not_before) = 0;
};

}  // namespace slab5d
