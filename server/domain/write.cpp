#include "domain/write.hpp"

#include "domain/audit.hpp"
#include "domain/store_result.hpp"
#include "domain/webhooks.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/event_store.hpp"
#include "store/usage_store.hpp"
#include "webhooks/signal.hpp"
#include "write_batcher.hpp"

namespace slab5d {

using slab5::Json;

WriteUnit::WriteUnit(Conn& db, const Actor& actor, const RequestMeta& meta)
    : db_(db), actor_(actor), meta_(meta), tx_(db) {}
WriteUnit::WriteUnit(Conn& db, const Actor& actor, const RequestMeta& meta, FirstWriteDecides first)
    : db_(db), actor_(actor), meta_(meta), tx_(db, first) {}

Json changed_fields(const Json& before, const Json& after) {
  Json out = Json::object();
  if (!before.is_object() || !after.is_object()) return out;
  for (const auto& [k, v] : after.items()) {
    if (k == "version" || k == "updated_at") continue;
    auto it = before.find(k);
    if (it == before.end())
      out[k] = nullptr;
    else if (*it != v)
      out[k] = *it;
  }
  return out;
}

std::string WriteUnit::record(const Change& c) {
  const Actor& who = c.actor ? *c.actor : actor_;
  AuditEvent ev = audit_row(who, meta_, c.action, c.target_type, c.target_id, c.status);
  ev.source = audit_source(actor_);  // the channel is the unit's, not the named actor's
  ev.before = c.before;
  if (c.after_text)
    ev.after_text = c.after_text;
  else
    ev.after = c.after;
  record_audit(db_, std::move(ev));
  if (!first_status_) first_status_ = c.status;
  if (c.credential_action) ++credential_actions_;
  if (!c.emit_event || who.workspace_id.empty()) return "";
  NewEvent e{.id = slab5::new_id("evt"),
             .workspace_id = who.workspace_id,
             .type = c.action,
             .data = c.after_text ? Json()
                     : c.after    ? strip_secrets(*c.after)
                     : c.before   ? strip_secrets(*c.before)
                                  : Json::object(),
             .previous = std::nullopt,
             .request_id = meta_.request_id,
             .created_at = slab5::format_rfc3339(slab5::now_millis()),
             .data_text = c.after_text};
  if (c.before && c.after) e.previous = changed_fields(*c.before, *c.after);
  value_or_throw(db_.events().append(e));
  ++events_;
  // The outbox: the deliveries this event owes, in the same transaction (api.md §8.3).
  deliveries_ += enqueue_deliveries(db_, e.workspace_id, e.id, e.type);
  return e.id;
}

void WriteUnit::record_usage(const std::string& kind, int status) {
  std::string id = slab5::new_id("use"), credential_type = actor_.type == "user" ? "session" : actor_.type,
              at = slab5::format_rfc3339(slab5::now_millis());
  UsageEvent ev{.id = id,
                .workspace_id = actor_.workspace_id,
                .credential_type = credential_type,
                .credential_id = actor_.credential_id,
                .route = meta_.route,
                .status = status,
                .kind = kind,
                .request_id = meta_.request_id,
                .created_at = at};
  value_or_throw(db_.usage().append({&ev, 1}));
}

slab5::Status WriteUnit::commit() {
  // Usage is metered per credential call in a workspace; system and sign-in writes have none.
  bool metered = first_status_ && !actor_.workspace_id.empty() && !actor_.credential_id.empty();
  if (metered && !meta_.usage_recorded) record_usage("api_request", *first_status_);
  if (metered)
    for (int i = 0; i < credential_actions_; ++i) record_usage("credential_action", *first_status_);
  tx_.commit();
  if (metered) meta_.usage_recorded = true;
  // The stream and the delivery worker are woken once the change is durable: inside a write
  // batch, that is after the batch's COMMIT.
  if (events_ > 0 || deliveries_ > 0)
    WriteBatcher::after_commit([events = events_ > 0, deliveries = deliveries_ > 0](bool committed) {
      if (!committed) return;
      if (events) event_signal().notify();
      if (deliveries) delivery_signal().notify();
    });
  return {};
}

}  // namespace slab5d
