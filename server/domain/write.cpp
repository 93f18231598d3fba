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

namespace {
// The credential type of a usage event (api.md §7): a user's calls are their session's.
std::string usage_credential_type(const Actor& actor) { return actor.type == "user" ? "session" : actor.type; }
}  // namespace

bool WriteUnit::metered() const { return !actor_.workspace_id.empty() && !actor_.credential_id.empty(); }

std::string WriteUnit::record(const Change& c) {
  const Actor& who = c.actor ? *c.actor : actor_;
  AuditEvent ev = audit_row(who, meta_, c.action, c.target_type, c.target_id, c.status);
  ev.source = audit_source(actor_);  // the channel is the unit's, not the named actor's
  ev.before = c.before;
  if (c.after_text)
    ev.after_text = c.after_text;
  else
    ev.after = c.after;
  strip_audit_secrets(ev);
  bool first = !first_status_;
  if (first) first_status_ = c.status;
  if (c.credential_action) ++credential_actions_;
  // The change's event and the call's usage event share the audit row's id (with their own
  // prefix) and time: a backend may keep all three in one row (AuditStore::append_change).
  std::string audit_id = slab5::new_id("aud"), at = slab5::format_rfc3339(slab5::now_millis());
  std::string_view suffix = std::string_view(audit_id).substr(4);
  std::optional<NewEvent> e;
  if (c.emit_event && !who.workspace_id.empty()) {
    e = NewEvent{.id = "evt_" + std::string(suffix),
                 .workspace_id = who.workspace_id,
                 .type = c.action,
                 .data = c.after_text ? Json()
                         : ev.after   ? *ev.after
                         : ev.before  ? *ev.before
                                      : Json::object(),
                 .previous = std::nullopt,
                 .request_id = meta_.request_id,
                 .created_at = at,
                 .data_text = c.after_text};
    if (c.before && c.after) e->previous = changed_fields(*c.before, *c.after);
  }
  // The call's usage event goes with its first change, when that change is the unit's actor's
  // own (a sign-in names another actor): its status is the change's.
  // Where it is a row of its own (commit), it has that id too.
  if (first) usage_id_ = "use_" + std::string(suffix);
  std::string credential_type;
  std::optional<UsageEvent> u;
  if (first && !c.actor && metered() && !meta_.usage_recorded) {
    credential_type = usage_credential_type(actor_);
    u = UsageEvent{.id = usage_id_,
                   .workspace_id = actor_.workspace_id,
                   .credential_type = credential_type,
                   .credential_id = actor_.credential_id,
                   .route = meta_.route,
                   .status = c.status,
                   .kind = "api_request",
                   .request_id = meta_.request_id,
                   .created_at = at};
  }
  auto carried = value_or_throw(db_.audit().append_change(audit_id, ev, at, e ? &*e : nullptr, u ? &*u : nullptr));
  if (u && carried.usage) usage_in_audit_ = true;
  if (!e) return "";
  if (!carried.event) value_or_throw(db_.events().append(*e));
  ++events_;
  // The outbox: the deliveries this event owes, in the same transaction (api.md §8.3).
  deliveries_ += enqueue_deliveries(db_, e->workspace_id, e->id, e->type);
  return e->id;
}

void WriteUnit::record_usage(const std::string& kind, int status, std::string id) {
  if (id.empty()) id = slab5::new_id("use");
  std::string credential_type = usage_credential_type(actor_), at = slab5::format_rfc3339(slab5::now_millis());
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
  bool metered = first_status_ && this->metered();
  if (metered && !meta_.usage_recorded && !usage_in_audit_) record_usage("api_request", *first_status_, usage_id_);
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
