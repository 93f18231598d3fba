// AuditStore on PostgreSQL: the append-only `audit_events` table (triggers refuse UPDATE, and
// DELETE of an audited row). A change's row is also its event (append_change).
#pragma once
#include "store/audit_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(PgConn& conn) : conn_(conn) {}
  slab5::Status append(const std::string& id, const AuditEvent& ev, const std::string& created_at) override;
  slab5::Result<Carried> append_change(const std::string& id, const AuditEvent& ev, const std::string& created_at,
                                       const NewEvent* event, const UsageEvent* usage) override;
  slab5::Result<std::vector<slab5::Json>> list(const std::string& workspace_id, const AuditFilters& f,
                                               const std::optional<std::string>& after, int limit) override;
  slab5::Result<std::optional<slab5::Json>> get(const std::string& workspace_id, const std::string& id) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
