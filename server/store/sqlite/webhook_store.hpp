// WebhookStore on SQLite: the webhook_endpoints and webhook_deliveries tables of migration 5, and
// the webhook_outbox queue of migration 8.
#pragma once
#include "store/sqlite/db.hpp"
#include "store/webhook_store.hpp"

namespace slab5d {

// Forgets the active endpoints kept for the open transactions (SqliteWebhookStore's
// active_endpoints): for writes that change endpoints other than through this store (a
// workspace deleted with its endpoints).
void webhook_endpoints_changed();

class SqliteWebhookStore final : public WebhookStore {
 public:
  explicit SqliteWebhookStore(Db& db) : db_(db) {}
  slab5::Status insert_endpoint(const WebhookEndpoint& e) override;
  slab5::Result<std::optional<WebhookEndpoint>> endpoint(const std::string& workspace_id,
                                                         const std::string& id) override;
  slab5::Result<std::optional<WebhookEndpoint>> endpoint_by_id(const std::string& id) override;
  slab5::Result<std::vector<WebhookEndpoint>> list_endpoints(const std::string& workspace_id,
                                                             const std::optional<std::string>& after,
                                                             int limit) override;
  slab5::Result<std::vector<WebhookEndpoint>> active_endpoints(const std::string& workspace_id) override;
  slab5::Status update_endpoint(const WebhookEndpoint& e) override;
  slab5::Status delete_endpoint(const std::string& workspace_id, const std::string& id) override;

  slab5::Status insert_delivery(const WebhookDelivery& d) override;
  slab5::Result<std::optional<WebhookDelivery>> delivery(const std::string& workspace_id,
                                                         const std::string& id) override;
  slab5::Result<std::optional<WebhookDelivery>> delivery_by_id(const std::string& id) override;
  slab5::Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& q) override;
  slab5::Status update_delivery(const WebhookDelivery& d) override;
  slab5::Result<std::vector<DueDelivery>> due_deliveries(std::int64_t now, int limit) override;
  slab5::Result<std::optional<DueDelivery>> due_delivery_of(const std::string& endpoint_id, std::int64_t now) override;
  slab5::Status queue_delivery(const std::string& endpoint_id, const std::string& event_id) override;
  slab5::Result<std::vector<QueuedHead>> queued_heads(int open_limit, int min_room) override;
  slab5::Result<std::vector<QueuedEvent>> queued_events(const std::string& endpoint_id, int limit) override;
  slab5::Status unqueue(const std::string& endpoint_id, const std::string& event_id) override;

  slab5::Status insert_source(const WebhookSource& s) override;
  slab5::Result<std::optional<WebhookSource>> source(const std::string& workspace_id, const std::string& id) override;
  slab5::Result<std::optional<WebhookSource>> source_by_id(const std::string& id) override;
  slab5::Result<std::vector<WebhookSource>> list_sources(const std::string& workspace_id,
                                                         const std::optional<std::string>& after, int limit) override;
  slab5::Status delete_source(const std::string& workspace_id, const std::string& id) override;
  slab5::Result<bool> claim_message(const std::string& source_id, const std::string& message_id, std::int64_t now,
                                    std::int64_t horizon) override;

 private:
  Db& db_;
};

}  // namespace slab5d
