// StoresEnv on PostgreSQL: a fresh database on the test server (pg_test_db.hpp), migrated,
// and the PostgreSQL stores on one connection to it.
#pragma once
#include <memory>
#include <optional>

#include "pg_test_db.hpp"
#include "store/postgres/audit_store.hpp"
#include "store/postgres/credential_store.hpp"
#include "store/postgres/fixture_store.hpp"
#include "store/postgres/member_store.hpp"
#include "store/postgres/meta_store.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/usage_store.hpp"
#include "store/postgres/workspace_store.hpp"
#include "store_cases/workspace_env.hpp"

namespace slab5d::store_cases {

class PgStoresEnv final : public StoresEnv {
 public:
  PgStoresEnv() { (void)pg_migrate(*conn_); }
  MetaStore& meta() override { return meta_; }
  WorkspaceStore& workspaces() override { return workspaces_; }
  MemberStore& members() override { return members_; }
  CredentialStore& credentials() override { return credentials_; }
  FixtureStore& fixtures() override { return fixtures_; }
  AuditStore& audit() override { return audit_; }
  UsageStore& usage() override { return usage_; }
  std::int64_t count(const std::string& sql) override { return conn_->exec(sql).integer(0, 0); }
  int latest_schema_version() override { return pg_latest_schema_version(); }
  void begin() override { tx_.emplace(*conn_); }
  void commit() override {
    tx_->commit();
    tx_.reset();
  }
  void rollback() override { tx_.reset(); }
  PgConn& conn() { return *conn_; }

 private:
  testing::PgTestDb db_;
  std::unique_ptr<PgConn> conn_ = db_.connect();
  PgMetaStore meta_{*conn_};
  PgWorkspaceStore workspaces_{*conn_};
  PgMemberStore members_{*conn_};
  PgCredentialStore credentials_{*conn_};
  PgFixtureStore fixtures_{*conn_};
  PgAuditStore audit_{*conn_};
  PgUsageStore usage_{*conn_};
  std::optional<PgTx> tx_;  // destroyed first: rolls back before the connection closes
};

inline std::unique_ptr<StoresEnv> pg_env() { return std::make_unique<PgStoresEnv>(); }

}  // namespace slab5d::store_cases
