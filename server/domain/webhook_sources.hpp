// Inbound webhook sources (api.md §8.4): a source has a secret (shown once, sealed under the
// KEK) and a scheme (`slab5`: x-slab5-signature; `standard`: Standard Webhooks). A message is
// verified before anything is stored, its timestamp must be within 5 minutes, a message id
// seen in the last 24 hours is acknowledged and not stored again, and a verified message
// becomes an activity and an `inbound_webhook.received` event.
#pragma once
#include <string>

#include "domain/actor.hpp"
#include "domain/page.hpp"
#include "domain/webhooks.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/webhook_store.hpp"

namespace slab5d {

slab5::Json webhook_source_json(const WebhookSource& s, const std::string& base_url);

struct WebhookSourceInput {
  std::string name;
  std::string kind;
  std::string activity_type;
};
slab5::Result<WebhookSourceInput> parse_webhook_source_input(const slab5::Json& body);

struct IssuedSource {
  WebhookSource source;
  std::string signing_secret;
};
slab5::Result<IssuedSource> create_webhook_source(Conn& db, const Actor& actor, const RequestMeta& meta,
                                                  const WebhookSettings& settings, const WebhookSourceInput& in);
slab5::Result<Page<WebhookSource>> list_webhook_sources(Conn& db, const Actor& actor, const PageRequest& page);
slab5::Result<WebhookSource> get_webhook_source(Conn& db, const Actor& actor, const std::string& id);
slab5::Status delete_webhook_source(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id);

struct InboundMessage {
  std::string source_id;
  std::string body;
  // The signature headers as sent ("" when absent).
  std::string slab5_signature;
  std::string webhook_id;
  std::string webhook_timestamp;
  std::string webhook_signature;
};
struct InboundOutcome {
  bool duplicate = false;
  std::string activity_id;
  std::string event_id;
};
// 401 webhook_signature_invalid for an unknown source, a bad signature or a stale timestamp.
slab5::Result<InboundOutcome> receive_inbound(Conn& db, const RequestMeta& meta, const WebhookSettings& settings,
                                              const InboundMessage& msg);

}  // namespace slab5d
