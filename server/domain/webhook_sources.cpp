#include "domain/webhook_sources.hpp"

#include "domain/kek.hpp"
#include "domain/outcome.hpp"
#include "domain/records.hpp"
#include "domain/store_result.hpp"
#include "domain/write.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/ids.hpp"
#include "slab5/webhook_signature.hpp"
#include "store/webhook_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

using slab5::Error;
using slab5::Json;
using slab5::Result;

namespace {

constexpr std::string_view kSourceSealPurpose = "webhook-source-secret";
constexpr std::int64_t kToleranceSeconds = 300;
constexpr std::int64_t kReplayWindowMs = 24LL * 3600 * 1000;
constexpr std::size_t kMaxMetadataBytes = 60 * 1024;

tl::unexpected<Error> not_found(const std::string& id) {
  return slab5::fail("resource_not_found", "No webhook source " + id + " in this workspace.");
}

tl::unexpected<Error> bad_signature(std::string why = {}) {
  return tl::unexpected(Error{"webhook_signature_invalid", std::move(why)});
}

bool valid_activity_type(const std::string& t) {
  if (t.empty() || t.size() > 40) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  return true;
}

}  // namespace

Json webhook_source_json(const WebhookSource& s, const std::string& base_url) {
  return Json{{"id", s.id},
              {"workspace_id", s.workspace_id},
              {"name", s.name},
              {"kind", s.kind},
              {"activity_type", s.activity_type},
              {"inbound_url", base_url + "/v1/webhooks/inbound/" + s.id},
              {"created_at", s.created_at},
              {"updated_at", s.updated_at}};
}

Result<WebhookSourceInput> parse_webhook_source_input(const Json& body) {
  std::vector<slab5::FieldError> bad;
  WebhookSourceInput in;
  auto name = body.contains("name") && body["name"].is_string() ? body["name"].get<std::string>() : "";
  if (name.empty() || name.size() > 200)
    bad.push_back({"name", "is required: a non-empty string of at most 200 characters"});
  in.name = name;
  in.kind = body.contains("kind") && body["kind"].is_string() ? body["kind"].get<std::string>() : "";
  if (in.kind != "slab5" && in.kind != "standard") bad.push_back({"kind", "is required: slab5 or standard"});
  in.activity_type = "webhook";
  if (body.contains("activity_type")) {
    const auto& v = body["activity_type"];
    if (!v.is_string() || !valid_activity_type(v.get<std::string>()))
      bad.push_back({"activity_type", "must be 1-40 characters of a-z and _"});
    else
      in.activity_type = v.get<std::string>();
  }
  if (!bad.empty()) return tl::unexpected(slab5::validation_error(std::move(bad)));
  return in;
}

Result<IssuedSource> create_webhook_source(Conn& db, const Actor& actor, const RequestMeta& meta,
                                           const WebhookSettings& settings, const WebhookSourceInput& in) {
  WriteUnit unit(db, actor, meta);
  std::string now = slab5::format_rfc3339(slab5::now_millis());
  WebhookSource s{.id = slab5::new_id("src"),
                  .workspace_id = actor.workspace_id,
                  .name = in.name,
                  .kind = in.kind,
                  .activity_type = in.activity_type,
                  .created_at = now,
                  .updated_at = now};
  std::string secret = slab5::new_webhook_secret();
  s.secret_sealed = seal_with_kek(settings.kek, kSourceSealPurpose, s.id, secret);
  OUTCOME_CHECK(db.webhooks().insert_source(s));
  unit.record(Change{.action = "webhook_source.created",
                     .target_type = "webhook_source",
                     .target_id = s.id,
                     .after = webhook_source_json(s, ""),
                     .status = status_of(Outcome::Created),
                     .emit_event = false});
  OUTCOME_CHECK(unit.commit());
  return IssuedSource{std::move(s), std::move(secret)};
}

Result<Page<WebhookSource>> list_webhook_sources(Conn& db, const Actor& actor, const PageRequest& page) {
  auto rows = db.webhooks().list_sources(actor.workspace_id, page.after, page.limit);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const WebhookSource& s) { return s.id; });
}

Result<WebhookSource> get_webhook_source(Conn& db, const Actor& actor, const std::string& id) {
  if (!slab5::is_id(id, "src")) return not_found(id);
  auto s = db.webhooks().source(actor.workspace_id, id);
  if (!s) return tl::unexpected(s.error());
  if (!*s) return not_found(id);
  return std::move(**s);
}

slab5::Status delete_webhook_source(Conn& db, const Actor& actor, const RequestMeta& meta, const std::string& id) {
  WriteUnit unit(db, actor, meta);
  OUTCOME_TRY(s, get_webhook_source(db, actor, id));
  OUTCOME_CHECK(db.webhooks().delete_source(actor.workspace_id, id));
  unit.record(Change{.action = "webhook_source.deleted",
                     .target_type = "webhook_source",
                     .target_id = id,
                     .before = webhook_source_json(s, ""),
                     .status = status_of(Outcome::Removed),
                     .emit_event = false});
  return unit.commit();
}

Result<InboundOutcome> receive_inbound(Conn& db, const RequestMeta& meta, const WebhookSettings& settings,
                                       const InboundMessage& msg) {
  // Verify first: nothing is stored for a message that does not verify, and an unknown
  // source is answered exactly like a bad signature.
  if (!slab5::is_id(msg.source_id, "src")) return bad_signature();
  auto found = db.webhooks().source_by_id(msg.source_id);
  if (!found) return tl::unexpected(found.error());
  if (!*found) return bad_signature();
  WebhookSource src = std::move(**found);
  auto secret = open_with_kek(settings.kek, kSourceSealPurpose, src.id, src.secret_sealed);
  auto key = secret ? slab5::webhook_secret_key(*secret) : std::nullopt;
  if (!key) return bad_signature();
  auto now = slab5::now_millis();
  slab5::SignatureCheck check =
      src.kind == "slab5"
          ? slab5::verify_slab5_signature(msg.slab5_signature, msg.body, *key, now / 1000, kToleranceSeconds)
          : slab5::verify_standard_signature(msg.webhook_id, msg.webhook_timestamp, msg.webhook_signature, msg.body,
                                             *key, now / 1000, kToleranceSeconds);
  if (!check.valid) return bad_signature(check.reason);

  Json payload = Json::parse(msg.body, nullptr, false);
  std::string summary = "Inbound webhook";
  if (payload.is_object())
    for (const char* f : {"type", "event"})
      if (payload.contains(f) && payload[f].is_string() && !payload[f].get<std::string>().empty()) {
        summary = payload[f].get<std::string>().substr(0, 2000);
        break;
      }
  Json metadata = {{"source_id", src.id}, {"message_id", check.message_id}};
  if (msg.body.size() <= kMaxMetadataBytes && !payload.is_discarded())
    metadata["payload"] = payload;
  else
    metadata["payload_bytes"] = msg.body.size();

  auto ws = db.workspaces().get(src.workspace_id);
  if (!ws) return tl::unexpected(ws.error());
  if (!*ws) return bad_signature();
  Actor actor;
  actor.type = "webhook_source";
  actor.id = src.id;
  actor.workspace_id = src.workspace_id;
  actor.tenant_id = (*ws)->tenant_id;
  actor.enabled_modules = (*ws)->enabled_modules;
  actor.source = "api";

  // One unit of work: the message id's claim, the activity and the event commit together or
  // not at all. A copy of the message arriving meanwhile waits for the write lock and then
  // finds the id claimed; a message whose activity or event cannot be written leaves the id
  // unclaimed, so the sender's retry is taken rather than acknowledged as a replay.
  InboundOutcome out;
  WriteUnit unit(db, actor, meta);
  auto claimed = db.webhooks().claim_message(src.id, check.message_id, now, now - kReplayWindowMs);
  if (!claimed) return tl::unexpected(claimed.error());
  if (!*claimed) {
    out.duplicate = true;
    return out;  // the unit rolls back: nothing changes
  }
  const auto* activities = slab5::api::find_resource("activities");
  Records records(db);
  // The activity's own unit is a savepoint inside this one.
  auto activity = records.create(*activities, actor, meta,
                                 Json{{"type", src.activity_type}, {"summary", summary}, {"metadata", metadata}});
  if (!activity) return tl::unexpected(activity.error());  // the unit rolls back the claim
  out.activity_id = (*activity)["id"].get<std::string>();
  out.event_id =
      unit.record(Change{.action = "inbound_webhook.received",
                         .target_type = "webhook_source",
                         .target_id = src.id,
                         .after = Json{{"source_id", src.id},
                                       {"message_id", check.message_id},
                                       {"activity_id", out.activity_id},
                                       {"payload", metadata.contains("payload") ? metadata["payload"] : Json(nullptr)}},
                         .status = 200});
  OUTCOME_CHECK(unit.commit());
  return out;
}

}  // namespace slab5d
