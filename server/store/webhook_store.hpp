// Webhook endpoints and their deliveries (api.md §8.3). The durable outbox is the queue of
// (endpoint, event) pairs matched in the transaction of their event; the delivery worker turns
// the oldest of each endpoint's queue into delivery rows as it gets to them.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "slab5/error.hpp"

namespace slab5d {

struct WebhookEndpoint {
  std::string id;
  std::string workspace_id;
  std::string name;
  std::string url;
  std::vector<std::string> event_types;  // "contact.created", "deal.*", "*"
  std::string status = "active";         // active | paused | disabled
  int max_attempts = 5;
  std::optional<nlohmann::json> metadata;
  std::string secret_sealed;                               // the signing secret, sealed under the KEK
  std::optional<std::string> previous_secret_sealed;       // the secret before a rotation, during its overlap
  std::optional<std::int64_t> previous_secret_expires_at;  // ms, server clock
  int failed_deliveries_in_row = 0;
  std::optional<std::string> disabled_at;
  std::string created_at;
  std::string updated_at;
};

struct WebhookDelivery {
  std::string id;
  std::string workspace_id;
  std::string endpoint_id;
  std::string event_id;
  std::string status = "pending";  // pending | retrying | succeeded | failed
  int attempt_count = 0;
  int max_attempts = 5;
  std::optional<std::int64_t> next_attempt_at;  // ms, server clock; none once finished
  std::optional<int> last_status_code;
  std::optional<std::string> last_error;
  std::optional<std::string> last_response_body;
  nlohmann::json attempts = nlohmann::json::array();  // [{"at", "status_code", "duration_ms", "error"}]
  std::string created_at;
  std::string updated_at;
};

struct DeliveryQuery {
  std::string workspace_id;
  std::string endpoint_id;
  std::optional<std::string> status;
  std::optional<std::string> event_id;
  std::optional<std::string> after;  // the last id of the previous page
  int limit = 25;
};

// A delivery the worker may send now.
struct DueDelivery {
  std::string id;
  std::string endpoint_id;
};

// An endpoint whose queue holds events while it has room for more open deliveries.
struct QueuedHead {
  std::string endpoint_id;
  int room = 0;  // how many of its queued events may become deliveries now
};

// A queued event of an endpoint, oldest first.
struct QueuedEvent {
  std::string event_id;
  std::optional<std::string> created_at;  // the event's; none once the event is gone
};

// An inbound webhook source (api.md §8.4).
struct WebhookSource {
  std::string id;
  std::string workspace_id;
  std::string name;
  std::string kind = "standard";  // slab5 | standard
  std::string activity_type = "webhook";
  std::string secret_sealed;
  std::string created_at;
  std::string updated_at;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  [[nodiscard]] virtual slab5::Status insert_endpoint(const WebhookEndpoint& e) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookEndpoint>> endpoint(const std::string& workspace_id,
                                                                               const std::string& id) = 0;
  // Any workspace's (the worker's read).
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookEndpoint>> endpoint_by_id(const std::string& id) = 0;
  // Newest first; limit+1 rows.
  [[nodiscard]] virtual slab5::Result<std::vector<WebhookEndpoint>> list_endpoints(
      const std::string& workspace_id, const std::optional<std::string>& after, int limit) = 0;
  [[nodiscard]] virtual slab5::Result<std::vector<WebhookEndpoint>> active_endpoints(
      const std::string& workspace_id) = 0;
  // Writes every mutable field; webhook_not_found-style resource_not_found when gone.
  [[nodiscard]] virtual slab5::Status update_endpoint(const WebhookEndpoint& e) = 0;
  [[nodiscard]] virtual slab5::Status delete_endpoint(const std::string& workspace_id, const std::string& id) = 0;

  [[nodiscard]] virtual slab5::Status insert_delivery(const WebhookDelivery& d) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookDelivery>> delivery(const std::string& workspace_id,
                                                                               const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookDelivery>> delivery_by_id(const std::string& id) = 0;
  // Newest first; limit+1 rows.
  [[nodiscard]] virtual slab5::Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& q) = 0;
  [[nodiscard]] virtual slab5::Status update_delivery(const WebhookDelivery& d) = 0;
  // For each active endpoint, its oldest pending or retrying delivery whose time has come
  // (`now`, ms), if any; at most `limit`, oldest first.
  [[nodiscard]] virtual slab5::Result<std::vector<DueDelivery>> due_deliveries(std::int64_t now, int limit) = 0;
  // The oldest pending or retrying delivery of one endpoint whose time has come, if any (a
  // sender's next delivery to the endpoint it has just delivered to).
  [[nodiscard]] virtual slab5::Result<std::optional<DueDelivery>> due_delivery_of(const std::string& endpoint_id,
                                                                                  std::int64_t now) = 0;

  // The outbox: `event_id` owes `endpoint_id` a delivery (written in the event's transaction).
  [[nodiscard]] virtual slab5::Status queue_delivery(const std::string& endpoint_id, const std::string& event_id) = 0;
  // Endpoints with queued events and room for at least `min_room` more pending or retrying
  // deliveries below `open_limit`.
  [[nodiscard]] virtual slab5::Result<std::vector<QueuedHead>> queued_heads(int open_limit, int min_room) = 0;
  // The oldest `limit` queued events of an endpoint.
  [[nodiscard]] virtual slab5::Result<std::vector<QueuedEvent>> queued_events(const std::string& endpoint_id,
                                                                              int limit) = 0;
  [[nodiscard]] virtual slab5::Status unqueue(const std::string& endpoint_id, const std::string& event_id) = 0;

  [[nodiscard]] virtual slab5::Status insert_source(const WebhookSource& s) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookSource>> source(const std::string& workspace_id,
                                                                           const std::string& id) = 0;
  [[nodiscard]] virtual slab5::Result<std::optional<WebhookSource>> source_by_id(const std::string& id) = 0;
  // Newest first; limit+1 rows.
  [[nodiscard]] virtual slab5::Result<std::vector<WebhookSource>> list_sources(const std::string& workspace_id,
                                                                               const std::optional<std::string>& after,
                                                                               int limit) = 0;
  [[nodiscard]] virtual slab5::Status delete_source(const std::string& workspace_id, const std::string& id) = 0;
  // Remembers an inbound message id (replay protection); false when it was seen since
  // `horizon` (ms). Older ones are forgotten. Written in the caller's transaction, with the
  // message's activity: when that rolls back, so does the claim.
  [[nodiscard]] virtual slab5::Result<bool> claim_message(const std::string& source_id, const std::string& message_id,
                                                          std::int64_t now, std::int64_t horizon) = 0;
};

}  // namespace slab5d
