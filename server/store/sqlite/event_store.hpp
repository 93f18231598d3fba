// EventStore on SQLite: rows of `audit_events` marked as events (migration 10, audit_store.hpp).
#pragma once
#include "store/event_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(Db& db) : db_(db) {}
  slab5::Status append(const NewEvent& e) override;
  slab5::Result<std::vector<nlohmann::json>> list(const EventQuery& q) override;
  slab5::Result<std::vector<nlohmann::json>> after(const std::string& workspace_id, const std::string& after_id,
                                                   int limit) override;
  slab5::Result<std::string> newest_id(const std::string& workspace_id) override;
  slab5::Result<std::optional<nlohmann::json>> get(const std::string& workspace_id, const std::string& id,
                                                   const std::string& not_before) override;

 private:
  Db& db_;
};

}  // namespace slab5d
