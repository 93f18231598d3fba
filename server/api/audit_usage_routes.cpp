// Audit log (api.md §6) and usage metering (api.md §7). Both are read-only routes: the
// audit log is append-only and usage events are written by the middleware.
#include "api/query_params.hpp"
#include "app.hpp"
#include "domain/audit_query.hpp"
#include "domain/usage_query.hpp"
#include "usage_recorder.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

Result<UsageRange> read_range(Ctx& ctx) {
  auto now = slab5::now_millis();
  auto since = time_param(ctx, "since", now);
  if (!since) return tl::unexpected(since.error());
  auto until = time_param(ctx, "until", now);
  if (!until) return tl::unexpected(until.error());
  if (*since && *until && **since > **until)
    return slab5::fail("invalid_request", "since must not be later than until.");
  return UsageRange{*since, *until};
}

Result<Reply> list_audit(Ctx& ctx) {
  auto range = read_range(ctx);
  if (!range) return tl::unexpected(range.error());
  AuditFilters f;
  f.action = text_param(ctx, "action");
  f.actor_id = text_param(ctx, "actor_id");
  f.target_id = text_param(ctx, "target_id");
  f.request_id = text_param(ctx, "request_id");
  f.since = range->since;
  f.until = range->until;
  std::string filters = canonical_filters(ctx, {"action", "actor_id", "target_id", "request_id", "since", "until"});
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  auto rows = list_audit_events(ctx.db, ctx.actor(), f, *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, filters, [](const Json& e) { return e; });
}

Result<Reply> get_audit(Ctx& ctx) {
  auto ev = get_audit_event(ctx.db, ctx.actor(), ctx.param("aud_id"));
  if (!ev) return tl::unexpected(ev.error());
  return Reply::ok(std::move(*ev));
}

Result<Reply> usage_summary(Ctx& ctx) {
  auto range = read_range(ctx);
  if (!range) return tl::unexpected(range.error());
  UsageGroup group = UsageGroup::Day;
  if (auto g = text_param(ctx, "group_by")) {
    auto parsed = parse_usage_group(*g);
    if (!parsed) return slab5::fail("invalid_request", "group_by must be one of day, route, credential, kind.");
    group = *parsed;
  }
  // A client sees its own earlier requests: write what the middleware has buffered.
  ctx.app.usage().flush();
  auto rows = summarize_usage(ctx.db, ctx.actor(), *range, group);
  if (!rows) return tl::unexpected(rows.error());
  Reply r = Reply::ok(Json::array());
  for (const auto& row : *rows) r.data.push_back(row.to_json());
  return r;
}

Result<Reply> list_usage(Ctx& ctx) {
  auto range = read_range(ctx);
  if (!range) return tl::unexpected(range.error());
  UsageFilters f;
  f.range = *range;
  f.kind = text_param(ctx, "kind");
  f.credential_id = text_param(ctx, "credential_id");
  std::string filters = canonical_filters(ctx, {"since", "until", "kind", "credential_id"});
  auto page = read_page_request(ctx, filters);
  if (!page) return tl::unexpected(page.error());
  ctx.app.usage().flush();
  auto rows = list_usage_events(ctx.db, ctx.actor(), f, *page);
  if (!rows) return tl::unexpected(rows.error());
  return page_reply(ctx, *rows, filters, [](const Json& e) { return e; });
}

}  // namespace

void register_audit_usage_routes(App& app) {
  auto& r = app.router();
  r.bind("audit_events.list", list_audit);
  r.bind("audit_events.get", get_audit);
  r.bind("usage.summary", usage_summary);
  r.bind("usage_events.list", list_usage);
}

}  // namespace slab5d
