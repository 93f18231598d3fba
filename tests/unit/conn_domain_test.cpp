// The domain's rules through Conn on SQLite: the same cases pg_domain_test.cpp runs on
// PostgreSQL (tests/support/store_cases/domain_cases.hpp).
#include <doctest/doctest.h>

#include <type_traits>

#include "domain/write.hpp"
#include "store_cases/domain_cases.hpp"
#include "temp_db.hpp"

using namespace slab5d;

namespace {
struct SqliteDomainEnv : testing::TempDb {
  std::int64_t count(const std::string& sql) {
    auto q = db->query(sql);
    q.next();
    return q.integer(0);
  }
  store_cases::CountFn counter() {
    return [this](const std::string& sql) { return count(sql); };
  }
};
}  // namespace

TEST_CASE("a write unit keeps its actor by reference, so it takes no temporary actor") {
  // The unit reads its actor until it commits: a temporary would be gone by then.
  static_assert(!std::is_constructible_v<WriteUnit, Conn&, Actor&&, const RequestMeta&>);
  static_assert(!std::is_constructible_v<WriteUnit, Conn&, Actor&&, const RequestMeta&, FirstWriteDecides>);
  CHECK(std::is_constructible_v<WriteUnit, Conn&, const Actor&, const RequestMeta&>);
  CHECK(std::is_constructible_v<WriteUnit, Conn&, Actor&, const RequestMeta&, FirstWriteDecides>);
}

TEST_CASE("sqlite: a record's life through the domain") {
  SqliteDomainEnv e;
  store_cases::domain_record_lifecycle(*e.db, e.counter());
}

TEST_CASE("sqlite: bad input names its fields and writes nothing") {
  SqliteDomainEnv e;
  store_cases::domain_bad_input_writes_nothing(*e.db, e.counter());
}

TEST_CASE("sqlite: a write batch commits together, a given-up Tx alone is undone") {
  SqliteDomainEnv e;
  store_cases::domain_group_commit(*e.db, e.counter());
}

TEST_CASE("sqlite: the change signal is quiet until another connection commits") {
  SqliteDomainEnv e;
  auto other = Db::open(e.path, false);
  store_cases::domain_change_signal(*e.db, *other);
}
