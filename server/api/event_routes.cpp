// The event log (api.md §8.3): GET /v1/events, GET /v1/events/{evt_id} and
// GET /v1/event-types, the last written from the resource table with each data schema.
#include "api/event_stream.hpp"
#include "api/query_params.hpp"
#include "app.hpp"
#include "domain/write.hpp"
#include "slab5/api/resource_schema.hpp"
#include "slab5/api/resources.hpp"
#include "store/event_store.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

std::string retention_horizon() { return slab5::format_rfc3339(slab5::now_millis() - kEventRetentionMs); }

bool valid_type_filter(const std::string& t) {
  if (t.empty() || t.size() > 100) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '*')) return false;
  auto star = t.find('*');
  return star == std::string::npos || (star == t.size() - 1 && (t.size() == 1 || t[t.size() - 2] == '.'));
}

Result<Reply> list_events(Ctx& ctx) {
  for (const auto& [name, value] : ctx.query_pairs())
    if (name != "type" && name != "since" && name != "limit" && name != "cursor")
      return slab5::fail("invalid_request", "Unknown query parameter: " + name + ".");
  EventQuery q;
  q.workspace_id = ctx.who.workspace_id;
  q.not_before = retention_horizon();
  if (auto t = text_param(ctx, "type")) {
    if (!valid_type_filter(*t))
      return slab5::fail("invalid_request", "type must be an event type (contact.created) or a prefix (deal.*).");
    if (*t != "*") q.type = *t;
  }
  auto since = time_param(ctx, "since", slab5::now_millis());
  if (!since) return tl::unexpected(since.error());
  q.since = *since;
  std::string filters = canonical_filters(ctx, {"type", "since"});
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  q.after = page->after;
  q.limit = page->limit;
  auto rows = ctx.db.events().list(q);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply<Json>(
      ctx, std::move(*rows), page->limit, filters, [](const Json& e) { return e["id"].get<std::string>(); },
      [](const Json& e) { return e; });
}

Result<Reply> get_event(Ctx& ctx) {
  auto e = ctx.db.events().get(ctx.who.workspace_id, ctx.param("evt_id"), retention_horizon());
  if (!e) return tl::unexpected(e.error());
  if (!e->has_value())
    return slab5::fail("resource_not_found", "No event " + ctx.param("evt_id") + " in this workspace.");
  return Reply::ok(std::move(**e));
}

// GET /v1/events/stream?types=a.b,c.*: from now, or after Last-Event-ID when it names an
// event still in the log (or is "0", the start of the log).
Result<Reply> stream_events(Ctx& ctx) {
  for (const auto& [name, value] : ctx.query_pairs())
    if (name != "types") return slab5::fail("invalid_request", "Unknown query parameter: " + name + ".");
  std::vector<std::string> types;
  if (auto t = text_param(ctx, "types")) {
    std::string_view rest = *t;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string one(rest.substr(0, comma));
      if (!valid_type_filter(one))
        return slab5::fail(
            "invalid_request",
            "types must be a comma-separated list of event types (contact.created) or prefixes (deal.*).");
      types.push_back(one);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  EventStore& store = (ctx.db).events();
  std::string after;
  std::string last(ctx.req.header("last-event-id"));
  if (last == kStreamStartId) {
    after = "";  // the start of the log: announced by a stream opened while the log was empty
  } else if (!last.empty()) {
    auto e = store.get(ctx.who.workspace_id, last, retention_horizon());
    if (!e) return tl::unexpected(e.error());
    if (!e->has_value())
      return slab5::fail("invalid_request", "Last-Event-ID names no event of this workspace in the 30-day log.");
    after = last;
  } else {
    auto newest = store.newest_id(ctx.who.workspace_id);
    if (!newest) return tl::unexpected(newest.error());
    after = *newest;
  }
  Reply r;
  r.content_type = "text/event-stream";
  r.headers = {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}};
  r.stream = make_event_stream(ctx.app, ctx.who.workspace_id, std::move(types), std::move(after), last.empty());
  return r;
}

Json event_types() {
  Json out = Json::array();
  auto add = [&](std::string type, std::string description, Json schema) {
    out.push_back(
        {{"type", std::move(type)}, {"description", std::move(description)}, {"data_schema", std::move(schema)}});
  };
  for (const auto& r : slab5::api::resource_table()) {
    std::string s(r.singular), title(r.title);
    auto schema = slab5::api::record_schema(r);
    add(s + ".created", "A " + title + " was created; data is the new record.", schema);
    if (!r.append_only) {
      add(s + ".updated", "A " + title + " changed; data is the record after, previous the changed fields' old values.",
          schema);
      add(s + ".deleted", "A " + title + " was deleted; data is its last state.", schema);
    }
    for (const auto& a : r.actions)
      add(std::string(a.event), std::string(a.description) + " Data is the " + title + " after.", schema);
  }
  // The control plane's credential and membership actions (the audit actions' names), and
  // the event an endpoint's test sends.
  Json object = {{"type", "object"}};
  for (std::string kind : {"api_key", "mcp_client"}) {
    std::string noun = kind == "api_key" ? "An API key" : "An MCP client";
    add(kind + ".created", noun + " was created; data is the credential without its secret.", object);
    add(kind + ".updated", noun + " was changed; data is the credential after.", object);
    add(kind + ".rotated", noun + " was rotated; data is the old credential and its replacement.", object);
    add(kind + ".revoked", noun + " was revoked; data is the credential after.", object);
  }
  add("member.invited", "Someone was invited to the workspace; data is the invitation.", object);
  add("invitation.revoked", "An invitation was revoked; data is the invitation after.", object);
  add("invitation.accepted", "An invitation was accepted; data is the invitation and the user id.", object);
  add("member.role_changed", "A member's role changed; data is the membership after.", object);
  add("member.removed", "A member left or was removed; data is the membership before.", object);
  add("inbound_webhook.received",
      "A signed message reached an inbound webhook source (POST /v1/webhooks/inbound/{src_id}); data names the "
      "source, the message id, the activity it became and the payload.",
      Json{{"type", "object"},
           {"properties",
            {{"source_id", {{"type", "string"}}},
             {"message_id", {{"type", "string"}}},
             {"activity_id", {{"type", "string"}}},
             {"payload", Json::object()}}}});
  add("webhook.test", "Sent by POST /v1/webhooks/{id}/test to that endpoint only.",
      Json{{"type", "object"},
           {"properties", {{"webhook_id", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}});
  return out;
}

}  // namespace

void register_event_routes(App& app) {
  auto& r = app.router();
  r.bind("events.list", list_events);
  r.bind("events.get", get_event);
  r.bind("events.stream", stream_events);
  r.bind({.id = "event_types.list", .handler = [](Ctx&) -> Result<Reply> {
            static const std::string text = event_types().dump();
            Reply reply;
            reply.data_text = text;
            return reply;
          }});
}

}  // namespace slab5d
