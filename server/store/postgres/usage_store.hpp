// UsageStore on PostgreSQL: the `usage_events` table (keyed by workspace and id).
#pragma once
#include "store/postgres/pg.hpp"
#include "store/usage_store.hpp"

namespace slab5d {

class PgUsageStore final : public UsageStore {
 public:
  explicit PgUsageStore(PgConn& conn) : conn_(conn) {}
  slab5::Status append(std::span<const UsageEvent> events) override;
  slab5::Result<std::vector<UsageRow>> summarize(const std::string& workspace_id, const UsageRange& range,
                                                 UsageGroup group) override;
  slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id, const UsageFilters& f,
                                               const std::optional<std::string>& after, int limit) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
