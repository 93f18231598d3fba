// The export reads (store/fixture_store.hpp) in PostgreSQL.
#pragma once
#include "store/fixture_store.hpp"
#include "store/postgres/pg.hpp"

namespace slab5d {

class PgFixtureStore final : public FixtureStore {
 public:
  explicit PgFixtureStore(PgConn& conn) : conn_(conn) {}
  std::vector<ExportedUser> users() override;
  std::vector<ExportedWorkspace> workspaces() override;
  std::vector<ExportedMembership> memberships() override;
  std::vector<ExportedCredential> credentials() override;

 private:
  PgConn& conn_;
};

}  // namespace slab5d
