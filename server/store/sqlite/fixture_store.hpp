// The export reads (store/fixture_store.hpp) in SQLite.
#pragma once
#include <string>

#include "store/fixture_store.hpp"
#include "store/sqlite/db.hpp"

namespace slab5d {

bool table_exists(Db& db, const std::string& name);

class SqliteFixtureStore final : public FixtureStore {
 public:
  explicit SqliteFixtureStore(Db& db) : db_(db) {}
  std::vector<ExportedUser> users() override;
  std::vector<ExportedWorkspace> workspaces() override;
  std::vector<ExportedMembership> memberships() override;
  std::vector<ExportedCredential> credentials() override;

 private:
  Db& db_;
};

}  // namespace slab5d
