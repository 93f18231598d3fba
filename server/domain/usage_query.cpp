#include "domain/usage_query.hpp"

#include "store/usage_store.hpp"

namespace slab5d {

std::optional<UsageGroup> parse_usage_group(std::string_view s) {
  if (s == "day") return UsageGroup::Day;
  if (s == "route") return UsageGroup::Route;
  if (s == "credential") return UsageGroup::Credential;
  if (s == "kind") return UsageGroup::Kind;
  return std::nullopt;
}

slab5::Json UsageRow::to_json() const {
  return {{"key", key}, {"requests", requests}, {"units", units}, {"errors", errors}};
}

slab5::Result<std::vector<UsageRow>> summarize_usage(Conn& db, const Actor& actor, const UsageRange& range,
                                                     UsageGroup group) {
  return db.usage().summarize(actor.workspace_id, range, group);
}

slab5::Result<Page<slab5::Json>> list_usage_events(Conn& db, const Actor& actor, const UsageFilters& f,
                                                   const PageRequest& page) {
  auto rows = db.usage().list(actor.workspace_id, f, page.after, page.limit + 1);
  if (!rows) return tl::unexpected(rows.error());
  return make_page(std::move(*rows), page.limit, [](const slab5::Json& e) { return e["id"].get<std::string>(); });
}

}  // namespace slab5d
