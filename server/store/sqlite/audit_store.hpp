// AuditStore on SQLite: the append-only `audit_events` table (triggers refuse UPDATE, and DELETE
// of an audited row). A change's row is also its event and its call's usage event
// (append_change; the event store and the usage store read them there).
#pragma once
#include "store/audit_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Db& db) : db_(db) {}
  slab5::Status append(const std::string& id, const AuditEvent& ev, const std::string& created_at) override;
  slab5::Result<Carried> append_change(const std::string& id, const AuditEvent& ev, const std::string& created_at,
                                       const NewEvent* event, const UsageEvent* usage) override;
  slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id, const AuditFilters& f,
                                               const std::optional<std::string>& after, int limit) override;
  slab5::Result<std::optional<slab5::Json>> get(const std::string& workspace_id, const std::string& id) override;

 private:
  Db& db_;
};

}  // namespace slab5d
