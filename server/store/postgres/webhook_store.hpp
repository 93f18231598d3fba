// WebhookStore on PostgreSQL: the webhook_endpoints, webhook_deliveries, webhook_sources,
// inbound_messages and webhook_outbox tables of migration 1.
#pragma once
#include "store/postgres/pg.hpp"
#include "store/webhook_store.hpp"

namespace slab5d {

// How long a delivery that due_deliveries or due_delivery_of handed to a worker stays its own
// (ms): longer than a send (10 s at most) and its recording. A worker that stopped half-way
// leaves its deliveries to the others once this has passed.
inline constexpr std::int64_t kPgDeliveryClaimMs = 120000;

// This process's name on the deliveries it claims: random, made once per process.
const std::string& pg_delivery_claimant();

class PgWebhookStore final : public WebhookStore {
 public:
  explicit PgWebhookStore(PgConn& conn) : PgWebhookStore(conn, pg_delivery_claimant()) {}
  // Claims deliveries under another name than this process's: for tests that play several
  // slab5d instances in one process.
  PgWebhookStore(PgConn& conn, std::string claimant) : conn_(conn), claimant_(std::move(claimant)) {}

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
  PgConn& conn_;
  std::string claimant_;
};

}  // namespace slab5d
