// EventStore on PostgreSQL: the `events` table of migration 1.
#pragma once
#include "store/event_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgEventStore final : public EventStore {
 public:
  explicit PgEventStore(PgConn& conn) : conn_(conn) {}
  slab5::Status append(const NewEvent& e) override;
  slab5::Result<std::vector<nlohmann::json>> list(const EventQuery& q) override;
  slab5::Result<std::vector<nlohmann::json>> after(const std::string& workspace_id, const std::string& after_id,
                                                   int limit) override;
  slab5::Result<std::string> newest_id(const std::string& workspace_id) override;
  slab5::Result<std::optional<nlohmann::json>> get(const std::string& workspace_id, const std::string& id,
                                                   const std::string& not_before) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
