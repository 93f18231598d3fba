#include "domain/workspace_summary.hpp"

#include <algorithm>

#include "domain/usage_query.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/time.hpp"
#include "store/record_store.hpp"

namespace slab5d {

using slab5::Json;

namespace {
bool holds(const std::vector<std::string>& list, std::string_view x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}
bool may_read(const Actor& actor, const slab5::api::ResourceSpec& spec) {
  return holds(actor.enabled_modules, spec.module) && holds(actor.scopes, std::string(spec.scope) + ":read");
}
}  // namespace

slab5::Result<Json> workspace_assistant_summary(Conn& db, const Actor& actor) {
  RecordStore& store = (db).records();
  Json modules = Json::object();
  Json open_tasks = nullptr, open_tickets = nullptr;
  for (const auto& spec : slab5::api::resource_table()) {
    if (spec.is_child() || !spec.served || !may_read(actor, spec)) continue;
    auto n = store.count(spec, actor.workspace_id, "", "");
    if (!n) return tl::unexpected(n.error());
    modules[std::string(spec.module)][std::string(spec.route)] = *n;
    if (spec.route == "tasks" || spec.route == "support-tickets") {
      auto open = store.count(spec, actor.workspace_id, "status", "open");
      if (!open) return tl::unexpected(open.error());
      (spec.route == "tasks" ? open_tasks : open_tickets) = *open;
    }
  }
  Json usage = nullptr;
  if (holds(actor.scopes, "usage:read")) {
    auto now = slab5::now_millis();
    constexpr slab5::Millis kDay = 24LL * 3600 * 1000;
    UsageRange today{.since = slab5::format_rfc3339(now - now % kDay), .until = std::nullopt};
    auto rows = summarize_usage(db, actor, today, UsageGroup::Day);
    if (!rows) return tl::unexpected(rows.error());
    std::int64_t requests = 0, errors = 0;
    for (const auto& r : *rows) {
      requests += r.requests;
      errors += r.errors;
    }
    usage = Json{{"requests", requests}, {"errors", errors}};
  }
  return Json{{"workspace_id", actor.workspace_id},
              {"modules", std::move(modules)},
              {"open_tasks", std::move(open_tasks)},
              {"open_tickets", std::move(open_tickets)},
              {"usage_today", std::move(usage)}};
}

}  // namespace slab5d
