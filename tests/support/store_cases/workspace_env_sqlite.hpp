// StoresEnv on SQLite: a migrated temporary database (temp_db.hpp) and its stores.
#pragma once
#include "store/sqlite/audit_store.hpp"
#include "store/sqlite/credential_store.hpp"
#include "store/sqlite/fixture_store.hpp"
#include "store/sqlite/member_store.hpp"
#include "store/sqlite/meta_store.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/usage_store.hpp"
#include "store/sqlite/workspace_store.hpp"
#include "store_cases/workspace_env.hpp"
#include "temp_db.hpp"

namespace slab5d::store_cases {

class SqliteStoresEnv final : public StoresEnv {
 public:
  MetaStore& meta() override { return meta_; }
  WorkspaceStore& workspaces() override { return workspaces_; }
  MemberStore& members() override { return members_; }
  CredentialStore& credentials() override { return credentials_; }
  FixtureStore& fixtures() override { return fixtures_; }
  AuditStore& audit() override { return audit_; }
  UsageStore& usage() override { return usage_; }
  std::int64_t count(const std::string& sql) override { return t_.count(sql); }
  int latest_schema_version() override { return slab5d::latest_schema_version(); }
  void begin() override { t_.db->begin(); }
  void commit() override { t_.db->commit(); }
  void rollback() override { t_.db->rollback(); }

 private:
  testing::TempDb t_;
  SqliteMetaStore meta_{*t_.db};
  SqliteWorkspaceStore workspaces_{*t_.db};
  SqliteMemberStore members_{*t_.db};
  SqliteCredentialStore credentials_{*t_.db};
  SqliteFixtureStore fixtures_{*t_.db};
  SqliteAuditStore audit_{*t_.db};
  SqliteUsageStore usage_{*t_.db};
};

inline std::unique_ptr<StoresEnv> sqlite_env() { return std::make_unique<SqliteStoresEnv>(); }

}  // namespace slab5d::store_cases
