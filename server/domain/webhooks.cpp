#include "domain/webhooks.hpp"

#include <algorithm>
#include <cctype>
#include <random>

#include "domain/kek.hpp"
#include "domain/outcome.hpp"
#include "domain/store_result.hpp"
#include "domain/write.hpp"
#include "slab5/http_client.hpp"
#include "slab5/ids.hpp"
#include "slab5/webhook_signature.hpp"
#include "store/event_store.hpp"
#include "store/webhook_store.hpp"
#include "webhooks/address_policy.hpp"
#include "webhooks/signal.hpp"

namespace slab5d {

using slab5::Error;
using slab5::Json;
using slab5::Result;

namespace {

std::optional<std::string> time_text(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return slab5::format_rfc3339(*ms);
}

Json opt_json(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

tl::unexpected<Error> endpoint_not_found(const std::string& id) {
  return slab5::fail("resource_not_found", "No webhook endpoint " + id + " in this workspace.");
}

Result<WebhookEndpoint> load(WebhookStore& store, const Actor& actor, const std::string& id) {
  if (!slab5::is_id(id, "whk")) return endpoint_not_found(id);
  auto e = store.endpoint(actor.workspace_id, id);
  if (!e) return tl::unexpected(e.error());
  if (!*e) return endpoint_not_found(id);
  return std::move(**e);
}

bool valid_type_pattern(const std::string& t) {
  if (t == "*") return true;
  if (t.empty() || t.size() > 100) return false;
  std::string body = t;
  if (body.size() > 2 && body.substr(body.size() - 2) == ".*") body.resize(body.size() - 2);
  bool dot = t.find('.') != std::string::npos;
  if (!dot) return false;
  char prev = '.';
  for (char c : body) {
    if (c == '.' && prev == '.') return false;
    if (!((c >= 'a' && c <= 'z') || c == '_' || c == '.')) return false;
    prev = c;
  }
  return prev != '.';
}

void record(WriteUnit& unit, const std::string& action, const std::string& id, std::optional<Json> before,
            std::optional<Json> after, Outcome outcome) {
  // Endpoint configuration is audited; it is not itself an event a webhook carries.
  unit.record(Change{.action = action,
                     .target_type = "webhook",
                     .target_id = id,
                     .before = std::move(before),
                     .after = std::move(after),
                     .status = status_of(outcome),
                     .emit_event = false});
}

std::string seal_secret(const WebhookSettings& s, const std::string& endpoint_id, const std::string& secret) {
  return seal_with_kek(s.kek, kWebhookSecretPurpose, endpoint_id, secret);
}

}  // namespace

Json webhook_json(const WebhookEndpoint& e) {
  return Json{{"id", e.id},
              {"workspace_id", e.workspace_id},
              {"name", e.name},
              {"url", e.url},
              {"event_types", e.event_types},
              {"status", e.status},
              {"max_attempts", e.max_attempts},
              {"metadata", e.metadata ? *e.metadata : Json(nullptr)},
              {"previous_secret_expires_at", opt_json(time_text(e.previous_secret_expires_at))},
              {"disabled_at", opt_json(e.disabled_at)},
              {"created_at", e.created_at},
              {"updated_at", e.updated_at}};
}

Json delivery_json(const WebhookDelivery& d) {
  return Json{{"id", d.id},
              {"event_id", d.event_id},
              {"endpoint_id", d.endpoint_id},
              {"workspace_id", d.workspace_id},
              {"status", d.status},
              {"attempt_count", d.attempt_count},
              {"max_attempts", d.max_attempts},
              {"next_attempt_at", opt_json(time_text(d.next_attempt_at))},
              {"last_status_code", d.last_status_code ? Json(*d.last_status_code) : Json(nullptr)},
              {"last_error", opt_json(d.last_error)},
              {"last_response_body", opt_json(d.last_response_body)},
              {"attempts", d.attempts},
              {"created_at", d.created_at},
              {"updated_at", d.updated_at}};
}

Json IssuedWebhook::to_json() const {
  Json j = webhook_json(endpoint);
  j["signing_secret"] = signing_secret;
  return j;
}

bool event_type_matches(const std::vector<std::string>& patterns, const std::string& type) {
  for (const auto& p : patterns) {
    if (p == "*" || p == type) return true;
    if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0 && type.size() > p.size() - 1 &&
        type.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0)
      return true;
  }
  return false;
}

Result<WebhookInput> parse_webhook_input(const Json& body, bool patch, bool deny_private) {
  WebhookInput in;
  std::vector<slab5::FieldError> bad;
  auto has = [&](const char* f) { return body.contains(f); };
  if (has("name")) {
    const auto& v = body["name"];
    std::string s = v.is_string() ? v.get<std::string>() : "";
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
    if (!v.is_string() || s.empty() || s.size() > 200)
      bad.push_back({"name", "must be a non-empty string of at most 200 characters"});
    else
      in.name = s;
  } else if (!patch) {
    bad.push_back({"name", "is required"});
  }
  if (has("url")) {
    const auto& v = body["url"];
    std::string u = v.is_string() ? v.get<std::string>() : "";
    auto origin = slab5::url_origin(u);
    if (!v.is_string() || u.size() > 2000 || !origin)
      bad.push_back({"url", "must be an absolute http or https URL"});
    else if (deny_private && is_private_host_literal(origin->host))
      bad.push_back({"url", "names a loopback or private address, which slab5d refuses (--webhook-deny-private)"});
    else
      in.url = u;
  } else if (!patch) {
    bad.push_back({"url", "is required"});
  }
  if (has("event_types")) {
    const auto& v = body["event_types"];
    bool ok = v.is_array() && !v.empty() && v.size() <= 100;
    std::vector<std::string> types;
    if (ok)
      for (const auto& t : v) {
        if (!t.is_string() || !valid_type_pattern(t.get<std::string>())) {
          ok = false;
          break;
        }
        types.push_back(t.get<std::string>());
      }
    if (!ok)
      bad.push_back(
          {"event_types", "must be a non-empty list of event types (contact.created), prefixes (deal.*) or *"});
    else
      in.event_types = std::move(types);
  } else if (!patch) {
    bad.push_back({"event_types", "is required"});
  }
  if (has("max_attempts")) {
    const auto& v = body["max_attempts"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 10)
      bad.push_back({"max_attempts", "must be an integer from 1 to 10"});
    else
      in.max_attempts = int(v.get<std::int64_t>());
  }
  if (has("metadata")) {
    const auto& v = body["metadata"];
    if (v.is_null())
      in.metadata = Json(nullptr);
    else if (!v.is_object() || v.dump().size() > 16 * 1024)
      bad.push_back({"metadata", "must be an object of at most 16 KiB"});
    else
      in.metadata = v;
  }
  if (!bad.empty()) return tl::unexpected(slab5::validation_error(std::move(bad)));
  return in;
}

Result<IssuedWebhook> create_webhook(Conn& db, const Actor& actor, const RequestMeta& meta,
                                     const WebhookSettings& settings, const WebhookInput& in,
                                     const WebhookPreset& preset) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  WebhookEndpoint e;
  e.id = preset.id.empty() ? slab5::new_id("whk") : preset.id;
  e.workspace_id = actor.workspace_id;
  e.name = *in.name;
  e.url = *in.url;
  e.event_types = *in.event_types;
  e.max_attempts = in.max_attempts.value_or(5);
  if (in.metadata && !in.metadata->is_null()) e.metadata = *in.metadata;
  e.status = preset.status;
  if (e.status == "disabled") e.disabled_at = now;
  std::string secret = preset.signing_secret.empty() ? slab5::new_webhook_secret() : preset.signing_secret;
  e.secret_sealed = seal_secret(settings, e.id, secret);
  e.created_at = e.updated_at = now;
  OUTCOME_CHECK(store.insert_endpoint(e));
  record(unit, "webhook.created", e.id, std::nullopt, webhook_json(e), Outcome::Created);
  OUTCOME_CHECK(unit.commit());
  return IssuedWebhook{std::move(e), std::move(secret)};
}

std::optional<std::string> webhook_secret_problem(const std::string& secret) {
  if (secret.rfind("whsec_", 0) != 0) return "must start with whsec_";
  auto key = slab5::webhook_secret_key(secret);
  if (!key) return "must be whsec_ followed by standard base64 (as slab5d makes them)";
  if (key->size() < 24 || key->size() > 64)
    return "must be whsec_ followed by the base64 of 24 to 64 bytes (slab5d makes 32)";
  return std::nullopt;
}

Result<Page<WebhookEndpoint>> list_webhooks(Conn& db, const Actor& actor, const PageRequest& page) {
  auto rows = db.webhooks().list_endpoints(actor.workspace_id, page.after, page.limit);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const WebhookEndpoint& e) { return e.id; });
}

Result<WebhookEndpoint> get_webhook(Conn& db, const Actor& actor, const std::string& id) {
  WebhookStore& store = (db).webhooks();
  return load(store, actor, id);
}

Result<WebhookEndpoint> update_webhook(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id,
                                       const WebhookInput& in) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, id));
  Json before = webhook_json(e);
  if (in.name) e.name = *in.name;
  if (in.url) e.url = *in.url;
  if (in.event_types) e.event_types = *in.event_types;
  if (in.max_attempts) e.max_attempts = *in.max_attempts;
  if (in.metadata) e.metadata = in.metadata->is_null() ? std::nullopt : std::optional<Json>(*in.metadata);
  Json after = webhook_json(e);
  if (after == before) return e;  // nothing changed: no new row, no audit
  e.updated_at = slab5::format_rfc3339(slab5::now_millis());
  OUTCOME_CHECK(store.update_endpoint(e));
  record(unit, "webhook.updated", e.id, before, webhook_json(e), Outcome::Done);
  OUTCOME_CHECK(unit.commit());
  return e;
}

slab5::Status delete_webhook(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, id));
  OUTCOME_CHECK(store.delete_endpoint(actor.workspace_id, id));
  record(unit, "webhook.deleted", id, webhook_json(e), std::nullopt, Outcome::Removed);
  return unit.commit();
}

Result<IssuedWebhook> rotate_webhook_secret(Conn& db, const Actor& actor, const RequestMeta& meta,
                                            const WebhookSettings& settings, const std::string& id) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, id));
  Json before = webhook_json(e);
  auto now = slab5::now_millis();
  std::string secret = slab5::new_webhook_secret();
  e.previous_secret_sealed = e.secret_sealed;
  e.previous_secret_expires_at = now + kSecretOverlapMs;
  e.secret_sealed = seal_secret(settings, e.id, secret);
  e.updated_at = slab5::format_rfc3339(now);
  OUTCOME_CHECK(store.update_endpoint(e));
  record(unit, "webhook.secret_rotated", e.id, before, webhook_json(e), Outcome::Created);
  OUTCOME_CHECK(unit.commit());
  return IssuedWebhook{std::move(e), std::move(secret)};
}

Result<WebhookEndpoint> set_webhook_state(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id,
                                          const std::string& verb) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, id));
  std::string target = verb == "pause" ? "paused" : "active";
  if (e.status == target) return e;  // already so: nothing to record
  Json before = webhook_json(e);
  e.status = target;
  if (target == "active") {
    e.failed_deliveries_in_row = 0;
    e.disabled_at.reset();
  }
  e.updated_at = slab5::format_rfc3339(slab5::now_millis());
  OUTCOME_CHECK(store.update_endpoint(e));
  record(unit, verb == "pause" ? "webhook.paused" : "webhook.resumed", e.id, before, webhook_json(e), Outcome::Done);
  OUTCOME_CHECK(unit.commit());
  if (target == "active") notify_deliveries();
  return e;
}

Result<WebhookDelivery> test_webhook(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id) {
  WriteUnit unit(db, actor, meta);
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, id));
  auto now = slab5::now_millis();
  std::string at = slab5::format_rfc3339(now);
  NewEvent ev{.id = slab5::new_id("evt"),
              .workspace_id = actor.workspace_id,
              .type = "webhook.test",
              .data = Json{{"webhook_id", e.id}, {"message", "A test event sent by POST /v1/webhooks/{id}/test."}},
              .previous = std::nullopt,
              .request_id = meta.request_id,
              .created_at = at};
  value_or_throw(db.events().append(ev));
  WebhookDelivery d{.id = slab5::new_id("dlv"),
                    .workspace_id = actor.workspace_id,
                    .endpoint_id = e.id,
                    .event_id = ev.id,
                    .max_attempts = e.max_attempts,
                    .next_attempt_at = now,
                    .created_at = at,
                    .updated_at = at};
  OUTCOME_CHECK(store.insert_delivery(d));
  record(unit, "webhook.tested", e.id, std::nullopt, Json{{"event_id", ev.id}, {"delivery_id", d.id}}, Outcome::Done);
  OUTCOME_CHECK(unit.commit());
  notify_deliveries();
  return d;
}

Result<Page<WebhookDelivery>> list_deliveries(Conn& db, const Actor& actor, const std::string& endpoint_id,
                                              const DeliveryFilter& filter, const PageRequest& page) {
  WebhookStore& store = (db).webhooks();
  OUTCOME_TRY(e, load(store, actor, endpoint_id));
  DeliveryQuery q{.workspace_id = actor.workspace_id,
                  .endpoint_id = e.id,
                  .status = filter.status,
                  .event_id = filter.event_id,
                  .after = page.after,
                  .limit = page.limit};
  auto rows = store.list_deliveries(q);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const WebhookDelivery& d) { return d.id; });
}

Result<WebhookDelivery> get_delivery(Conn& db, const Actor& actor, const std::string& id) {
  auto not_found = [&] {
    return slab5::fail("resource_not_found", "No webhook delivery " + id + " in this workspace.");
  };
  if (!slab5::is_id(id, "dlv")) return not_found();
  auto d = db.webhooks().delivery(actor.workspace_id, id);
  if (!d) return tl::unexpected(d.error());
  if (!*d) return not_found();
  return std::move(**d);
}

Result<WebhookDelivery> retry_delivery(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id) {
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(d, get_delivery(db, actor, id));
  Json before = delivery_json(d);
  auto now = slab5::now_millis();
  if (d.status == "succeeded" || d.status == "failed") {
    d.max_attempts = std::max(d.max_attempts, d.attempt_count + 1);  // one more attempt
    d.status = d.attempt_count == 0 ? "pending" : "retrying";
  }
  d.next_attempt_at = now;
  d.updated_at = slab5::format_rfc3339(now);
  OUTCOME_CHECK(db.webhooks().update_delivery(d));
  unit.record(Change{.action = "webhook_delivery.retried",
                     .target_type = "webhook_delivery",
                     .target_id = d.id,
                     .before = before,
                     .after = delivery_json(d),
                     .status = status_of(Outcome::Done),
                     .emit_event = false});
  OUTCOME_CHECK(unit.commit());
  notify_deliveries();
  return d;
}

int enqueue_deliveries(Conn& db, const std::string& workspace_id, const std::string& event_id,
                       const std::string& type) {
  WebhookStore& store = (db).webhooks();
  auto endpoints = value_or_throw(store.active_endpoints(workspace_id));
  int n = 0;
  for (const auto& e : endpoints) {
    if (!event_type_matches(e.event_types, type)) continue;
    value_or_throw(store.queue_delivery(e.id, event_id));
    ++n;
  }
  return n;
}

int release_queued_deliveries(Conn& db, slab5::Millis now) {
  WebhookStore& store = (db).webhooks();
  auto heads = value_or_throw(store.queued_heads(kOpenDeliveriesPerEndpoint, 1));
  std::string at = slab5::format_rfc3339(now);
  int n = 0;
  for (const auto& h : heads) {
    auto e = value_or_throw(store.endpoint_by_id(h.endpoint_id));
    if (!e) continue;
    for (auto& q : value_or_throw(store.queued_events(h.endpoint_id, h.room))) {
      WebhookDelivery d{.id = slab5::new_id("dlv"),
                        .workspace_id = e->workspace_id,
                        .endpoint_id = e->id,
                        .event_id = q.event_id,
                        .max_attempts = e->max_attempts,
                        .next_attempt_at = now,
                        .created_at = q.created_at.value_or(at),
                        .updated_at = at};
      value_or_throw(store.insert_delivery(d));
      value_or_throw(store.unqueue(e->id, q.event_id));
      ++n;
    }
  }
  return n;
}

std::int64_t retry_delay_ms(int n) {
  std::int64_t base = n >= 13 ? 3600000 : std::min<std::int64_t>(3600000, 1000LL << (n - 1));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> jitter(0, base / 10);
  return base + jitter(rng);
}

}  // namespace slab5d
