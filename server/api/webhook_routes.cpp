// Webhook endpoints and deliveries (api.md §8.3): /v1/webhooks… and /v1/webhook-deliveries….
#include "api/page_params.hpp"
#include "app.hpp"
#include "domain/kek.hpp"
#include "domain/webhook_sources.hpp"
#include "domain/webhooks.hpp"
#include "slab5/ids.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

WebhookSettings settings(const Ctx& ctx) {
  return WebhookSettings{.kek = key_encryption_key(ctx.app.kek_file()),
                         .deny_private = ctx.app.config().webhook_deny_private};
}

Result<Reply> refuse_unknown_params(Ctx& ctx, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : ctx.query_pairs()) {
    bool ok = name == "limit" || name == "cursor";
    for (auto k : known) ok = ok || name == k;
    if (!ok) return slab5::fail("invalid_request", "Unknown query parameter: " + name + ".");
  }
  return Reply{};
}

Result<Reply> list_webhooks_route(Ctx& ctx) {
  if (auto r = refuse_unknown_params(ctx, {}); !r) return r;
  auto page = read_page_request(ctx, "");
  if (!page) return tl::unexpected(page.error());
  auto rows = list_webhooks(ctx.db, ctx.actor(), *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, "", [](const WebhookEndpoint& e) { return webhook_json(e); });
}

Result<Reply> create_webhook_route(Ctx& ctx) {
  auto s = settings(ctx);
  auto in = parse_webhook_input(ctx.body, false, s.deny_private);
  if (!in) return tl::unexpected(in.error());
  auto made = create_webhook(ctx.db, ctx.actor(), ctx.meta(), s, *in);
  if (!made) return tl::unexpected(made.error());
  return Reply::created(made->to_json());
}

Result<Reply> show_webhook_route(Ctx& ctx) {
  auto e = get_webhook(ctx.db, ctx.actor(), ctx.param("whk_id"));
  if (!e) return tl::unexpected(e.error());
  return Reply::ok(webhook_json(*e));
}

Result<Reply> update_webhook_route(Ctx& ctx) {
  auto in = parse_webhook_input(ctx.body, true, ctx.app.config().webhook_deny_private);
  if (!in) return tl::unexpected(in.error());
  auto e = update_webhook(ctx.db, ctx.actor(), ctx.meta(), ctx.param("whk_id"), *in);
  if (!e) return tl::unexpected(e.error());
  return Reply::ok(webhook_json(*e));
}

Result<Reply> delete_webhook_route(Ctx& ctx) {
  auto s = delete_webhook(ctx.db, ctx.actor(), ctx.meta(), ctx.param("whk_id"));
  if (!s) return tl::unexpected(s.error());
  return Reply::no_content();
}

Result<Reply> rotate_webhook_secret_route(Ctx& ctx) {
  auto made = rotate_webhook_secret(ctx.db, ctx.actor(), ctx.meta(), settings(ctx), ctx.param("whk_id"));
  if (!made) return tl::unexpected(made.error());
  return Reply::created(made->to_json());
}

Result<Reply> set_webhook_state_route(Ctx& ctx, const std::string& verb) {
  auto e = set_webhook_state(ctx.db, ctx.actor(), ctx.meta(), ctx.param("whk_id"), verb);
  if (!e) return tl::unexpected(e.error());
  return Reply::ok(webhook_json(*e));
}

Result<Reply> test_webhook_route(Ctx& ctx) {
  auto d = test_webhook(ctx.db, ctx.actor(), ctx.meta(), ctx.param("whk_id"));
  if (!d) return tl::unexpected(d.error());
  return Reply{202, delivery_json(*d)};
}

Result<Reply> list_deliveries_route(Ctx& ctx) {
  if (auto r = refuse_unknown_params(ctx, {"status", "event_id"}); !r) return r;
  DeliveryFilter f;
  if (auto s = ctx.query("status"); s && !s->empty()) {
    if (*s != "pending" && *s != "retrying" && *s != "succeeded" && *s != "failed")
      return slab5::fail("invalid_request", "status must be one of pending, retrying, succeeded, failed.");
    f.status = *s;
  }
  if (auto e = ctx.query("event_id"); e && !e->empty()) {
    if (!slab5::is_id(*e, "evt")) return slab5::fail("invalid_request", "event_id must be an event id (evt_…).");
    f.event_id = *e;
  }
  std::string filters = "status=" + f.status.value_or("") + "&event_id=" + f.event_id.value_or("");
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  auto rows = list_deliveries(ctx.db, ctx.actor(), ctx.param("whk_id"), f, *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, filters, [](const WebhookDelivery& d) { return delivery_json(d); });
}

Result<Reply> show_delivery_route(Ctx& ctx) {
  auto d = get_delivery(ctx.db, ctx.actor(), ctx.param("dlv_id"));
  if (!d) return tl::unexpected(d.error());
  return Reply::ok(delivery_json(*d));
}

Result<Reply> retry_delivery_route(Ctx& ctx) {
  auto d = retry_delivery(ctx.db, ctx.actor(), ctx.meta(), ctx.param("dlv_id"));
  if (!d) return tl::unexpected(d.error());
  return Reply{202, delivery_json(*d)};
}

// ---- inbound sources (api.md §8.4) ----

Result<Reply> list_sources(Ctx& ctx) {
  if (auto r = refuse_unknown_params(ctx, {}); !r) return r;
  auto page = read_page_request(ctx, "");
  if (!page) return tl::unexpected(page.error());
  auto rows = list_webhook_sources(ctx.db, ctx.actor(), *page);
  if (!rows) return tl::unexpected(rows.error());
  const std::string& base = ctx.app.base_url();
  return page_reply(ctx, *rows, "", [&base](const WebhookSource& s) { return webhook_source_json(s, base); });
}

Result<Reply> create_source(Ctx& ctx) {
  auto in = parse_webhook_source_input(ctx.body);
  if (!in) return tl::unexpected(in.error());
  auto made = create_webhook_source(ctx.db, ctx.actor(), ctx.meta(), settings(ctx), *in);
  if (!made) return tl::unexpected(made.error());
  Json j = webhook_source_json(made->source, ctx.app.base_url());
  j["signing_secret"] = made->signing_secret;
  return Reply::created(std::move(j));
}

Result<Reply> show_source(Ctx& ctx) {
  auto s = get_webhook_source(ctx.db, ctx.actor(), ctx.param("src_id"));
  if (!s) return tl::unexpected(s.error());
  return Reply::ok(webhook_source_json(*s, ctx.app.base_url()));
}

Result<Reply> delete_source(Ctx& ctx) {
  auto s = delete_webhook_source(ctx.db, ctx.actor(), ctx.meta(), ctx.param("src_id"));
  if (!s) return tl::unexpected(s.error());
  return Reply::no_content();
}

Result<Reply> inbound(Ctx& ctx) {
  InboundMessage m{.source_id = ctx.param("source_id"),
                   .body = ctx.req.body,
                   .slab5_signature = std::string(ctx.req.header("x-slab5-signature")),
                   .webhook_id = std::string(ctx.req.header("webhook-id")),
                   .webhook_timestamp = std::string(ctx.req.header("webhook-timestamp")),
                   .webhook_signature = std::string(ctx.req.header("webhook-signature"))};
  auto out = receive_inbound(ctx.db, ctx.meta(), settings(ctx), m);
  if (!out) return tl::unexpected(out.error());
  Json data = {{"received", true}, {"duplicate", out->duplicate}};
  if (!out->duplicate) {
    data["activity_id"] = out->activity_id;
    data["event_id"] = out->event_id;
  }
  return Reply::ok(std::move(data));
}

}  // namespace

void register_webhook_routes(App& app) {
  auto& r = app.router();
  r.bind("webhooks.list", list_webhooks_route);
  r.bind("webhooks.create", create_webhook_route);
  r.bind("webhooks.get", show_webhook_route);
  r.bind("webhooks.update", update_webhook_route);
  r.bind("webhooks.delete", delete_webhook_route);
  r.bind("webhooks.rotate_secret", rotate_webhook_secret_route);
  r.bind("webhooks.pause", [](Ctx& ctx) { return set_webhook_state_route(ctx, "pause"); });
  r.bind("webhooks.resume", [](Ctx& ctx) { return set_webhook_state_route(ctx, "resume"); });
  r.bind("webhooks.test", test_webhook_route);
  r.bind("webhooks.deliveries.list", list_deliveries_route);
  r.bind("webhook_deliveries.get", show_delivery_route);
  r.bind("webhook_deliveries.retry", retry_delivery_route);
  r.bind("webhook_sources.list", list_sources);
  r.bind("webhook_sources.create", create_source);
  r.bind("webhook_sources.get", show_source);
  r.bind("webhook_sources.delete", delete_source);
  r.bind("webhooks.inbound", inbound);
}

}  // namespace slab5d
