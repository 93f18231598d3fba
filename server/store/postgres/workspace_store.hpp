// WorkspaceStore on PostgreSQL: the `workspaces` and `tenants` tables of migration 1.
#pragma once
#include "store/postgres/pg.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

class PgWorkspaceStore final : public WorkspaceStore {
 public:
  explicit PgWorkspaceStore(PgConn& conn) : conn_(conn) {}
  slab5::Result<std::optional<Workspace>> get(const std::string& id) override;
  slab5::Result<std::optional<Workspace>> get_for_update(const std::string& id) override;
  slab5::Result<std::optional<Workspace>> get_by_slug(const std::string& slug) override;
  slab5::Result<std::optional<Workspace>> oldest() override;
  slab5::Status insert_tenant(const std::string& id, const std::string& name, const std::string& created_at) override;
  slab5::Status insert(const Workspace& ws) override;
  slab5::Status update(const Workspace& ws) override;
  slab5::Status remove(const std::string& id) override;
  slab5::Result<std::optional<std::string>> tenant_of_user(const std::string& user_id) override;
  slab5::Result<std::vector<WorkspaceMembership>> list_for_user(const std::string& user_id,
                                                                const std::optional<std::string>& after,
                                                                int limit) override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
