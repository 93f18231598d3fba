// UsageStore on SQLite: the `usage_events` table (clustered by workspace and id, migration 2).
#pragma once
#include "store/sqlite/db.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

class SqliteUsageStore final : public UsageStore {
 public:
  explicit SqliteUsageStore(Db& db) : db_(db) {}
  slab5::Status append(std::span<const UsageEvent> events) override;
  slab5::Result<std::vector<UsageRow>> summarize(const std::string& workspace_id, const UsageRange& range,
                                                 UsageGroup group) override;
  slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id, const UsageFilters& f,
                                               const std::optional<std::string>& after, int limit) override;

 private:
  Db& db_;
};

}  // namespace slab5d
