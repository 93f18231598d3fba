// server/store/sqlite/identity_store: the identity stores' cases (support/store_cases/
// identity_store_cases.hpp, shared with pg_identity_store_test.cpp) on SQLite. Every write's
// outcome is returned; a constraint hit is `conflict`, never a success, and a write that
// should change a row and changes none says so.
#include "store/sqlite/identity_store.hpp"

#include <doctest/doctest.h>

#include <memory>

#include "../support/store_cases/identity_store_cases.hpp"
#include "../support/temp_db.hpp"

namespace {

struct SqliteIdentity {
  slab5d::testing::TempDb t;
  slab5d::IdentityStore stores = slab5d::open_identity_store(*t.db);

  slab5d::IdentityStore& st() { return stores; }
  void sql(const std::string& s) { t.db->exec(s); }
  std::int64_t count(const std::string& s) { return t.count(s); }
  std::unique_ptr<slab5d::Tx> begin() { return std::make_unique<slab5d::Tx>(*t.db); }
};

}  // namespace

TYPE_TO_STRING_AS("SQLite", SqliteIdentity);
SLAB5_IDENTITY_STORE_CASES(SqliteIdentity);
