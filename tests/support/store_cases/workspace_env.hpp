// The control-plane stores of one backend over one fresh database, for the store cases shared
// by the SQLite and PostgreSQL unit tests (workspace_cases.hpp, member_cases.hpp, …). Each
// case takes a factory of StoresEnv and builds a new database per doctest SUBCASE.
#pragma once
#include <cstdint>
#include <string>

#include "slab5/ids.hpp"
#include "store/audit_store.hpp"
#include "store/credential_store.hpp"
#include "store/fixture_store.hpp"
#include "store/member_store.hpp"
#include "store/meta_store.hpp"
#include "store/usage_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d::store_cases {

class StoresEnv {
 public:
  virtual ~StoresEnv() = default;
  virtual MetaStore& meta() = 0;
  virtual WorkspaceStore& workspaces() = 0;
  virtual MemberStore& members() = 0;
  virtual CredentialStore& credentials() = 0;
  virtual FixtureStore& fixtures() = 0;
  virtual AuditStore& audit() = 0;
  virtual UsageStore& usage() = 0;
  // The first column of the first row of `sql` (written in the SQL both backends speak).
  virtual std::int64_t count(const std::string& sql) = 0;
  // The schema version a freshly migrated database of this backend is at.
  virtual int latest_schema_version() = 0;
  // A transaction of the caller's, as the domain opens one around the stores' writes.
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

// Rows through the store interfaces only, so that a case reads the same on both backends.
inline void seed_tenant(StoresEnv& e, const std::string& id) {
  if (!e.workspaces().insert_tenant(id, "Tenant " + id, "2026-01-01T00:00:00.000Z")) throw std::runtime_error("tenant");
}

inline void seed_user(StoresEnv& e, const std::string& id, const std::string& tenant_id, const std::string& email,
                      const std::string& created_at = "2026-01-01T00:00:00.000Z") {
  if (!e.members().insert_user(NewUser{.id = id,
                                       .tenant_id = tenant_id,
                                       .email = email,
                                       .name = "Name of " + id,
                                       .password_hash = "$argon2id$x",
                                       .created_at = created_at}))
    throw std::runtime_error("user");
}

inline Workspace workspace(const std::string& id, const std::string& slug, const std::string& tenant_id,
                           const std::string& created_at = "2026-01-01T00:00:00.000Z") {
  return Workspace{.id = id,
                   .slug = slug,
                   .name = "Workspace " + slug,
                   .tenant_id = tenant_id,
                   .enabled_modules = {"crm", "tasks"},
                   .created_at = created_at,
                   .updated_at = created_at};
}

inline void seed_workspace(StoresEnv& e, const std::string& id, const std::string& slug, const std::string& tenant_id,
                           const std::string& created_at = "2026-01-01T00:00:00.000Z") {
  if (!e.workspaces().insert(workspace(id, slug, tenant_id, created_at))) throw std::runtime_error("workspace");
}

}  // namespace slab5d::store_cases
