// Webhook endpoints and deliveries (api.md §8.3), the rules: endpoint configuration with a
// signing secret shown once and sealed under the KEK, rotation with a 24-hour overlap,
// pause/resume/test, the outbox rows a write's events produce, and manual retries.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "slab5/time.hpp"
#include "store/conn.hpp"
#include "store/webhook_store.hpp"

namespace slab5d {

// The purpose an endpoint's signing secret is sealed under with the KEK (domain/kek.hpp).
inline constexpr std::string_view kWebhookSecretPurpose = "webhook-signing-secret";

struct WebhookSettings {
  std::string kek;            // seals and opens signing secrets
  bool deny_private = false;  // --webhook-deny-private
};

inline constexpr std::int64_t kSecretOverlapMs = 24LL * 3600 * 1000;
inline constexpr int kDisableAfterFailedDeliveries = 20;

// The endpoint as the API shows it (never its secret).
slab5::Json webhook_json(const WebhookEndpoint& e);
slab5::Json delivery_json(const WebhookDelivery& d);

// Whether an endpoint subscribed to `patterns` receives an event of `type`: "*", a prefix
// "deal.*", or the exact type.
bool event_type_matches(const std::vector<std::string>& patterns, const std::string& type);

// A create body (every field checked, all errors at once) or a merge patch of one.
struct WebhookInput {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> event_types;
  std::optional<int> max_attempts;
  std::optional<slab5::Json> metadata;  // null clears
};
slab5::Result<WebhookInput> parse_webhook_input(const slab5::Json& body, bool patch, bool deny_private);

// Created or rotated: the endpoint and its new secret, shown this once.
struct IssuedWebhook {
  WebhookEndpoint endpoint;
  std::string signing_secret;
  slab5::Json to_json() const;
};

// What a seed fixture (api.md §9.1) gives an endpoint beyond the API's body: its id, the
// signing secret a test suite hard-codes, and its state.
struct WebhookPreset {
  std::string id;                 // "" makes a new one
  std::string signing_secret;     // "" makes a new one; else a well-formed whsec_ secret
  std::string status = "active";  // active | paused | disabled
};

slab5::Result<IssuedWebhook> create_webhook(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const WebhookSettings& settings, const WebhookInput& in,
                                            const WebhookPreset& preset = {});

// Why `secret` is not a signing secret slab5d accepts ("whsec_" + standard base64 of 24-64
// bytes), or nullopt when it is one. Never quotes the secret.
std::optional<std::string> webhook_secret_problem(const std::string& secret);
slab5::Result<Page<WebhookEndpoint>> list_webhooks(Conn& db, const Actor& actor, const PageRequest& page);
slab5::Result<WebhookEndpoint> get_webhook(Conn& db, const Actor& actor, const std::string& id);
slab5::Result<WebhookEndpoint> update_webhook(Conn& db, const Actor& actor, const RequestMeta& meta,
                                              const std::string& id, const WebhookInput& in);
slab5::Status delete_webhook(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id);
slab5::Result<IssuedWebhook> rotate_webhook_secret(Conn& db, const Actor& actor, const RequestMeta& meta,
                                                   const WebhookSettings& settings, const std::string& id);
// "pause" | "resume"
slab5::Result<WebhookEndpoint> set_webhook_state(Conn& db, const Actor& actor, const RequestMeta& meta,
                                                 const std::string& id, const std::string& verb);
// A webhook.test event delivered to this endpoint only; returns the delivery.
slab5::Result<WebhookDelivery> test_webhook(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const std::string& id);

struct DeliveryFilter {
  std::optional<std::string> status;
  std::optional<std::string> event_id;
};
slab5::Result<Page<WebhookDelivery>> list_deliveries(Conn& db, const Actor& actor, const std::string& endpoint_id,
                                                     const DeliveryFilter& filter, const PageRequest& page);
slab5::Result<WebhookDelivery> get_delivery(Conn& db, const Actor& actor, const std::string& id);
// Sends it again now: a finished delivery gets one more attempt.
slab5::Result<WebhookDelivery> retry_delivery(Conn& db, const Actor& actor, const RequestMeta& meta,
                                              const std::string& id);

// The outbox: the event queued for each active endpoint of the workspace whose event_types
// match, in the caller's transaction (WriteUnit::record). Returns how many.
int enqueue_deliveries(Conn& db, const std::string& workspace_id, const std::string& event_id, const std::string& type);

// How many pending or retrying deliveries an endpoint may have before the rest of its events
// wait in the outbox, and how much room below that it must have before more are released
// (then up to the limit at once, so a busy endpoint's releases come in batches). The worker
// sends one delivery at a time per endpoint: a few waiting are enough to keep it busy, and
// events that wait in the outbox cost the writes that made them one small row each.
constexpr int kOpenDeliveriesPerEndpoint = 100;
constexpr int kReleaseAtRoom = 50;

// Turns the oldest queued events of each endpoint with room into pending deliveries, in order,
// in the caller's transaction (the delivery worker's). Returns how many.
int release_queued_deliveries(Conn& db, slab5::Millis now);

// When attempt `n` (1-based) failed, how long until the next: 1 s, 2 s, 4 s … capped at 1 h,
// plus up to 10% jitter.
std::int64_t retry_delay_ms(int n);

}  // namespace slab5d
