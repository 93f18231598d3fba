// The domain's rules through Conn on PostgreSQL (PgDb): the same cases conn_domain_test.cpp
// runs on SQLite (tests/support/store_cases/domain_cases.hpp), and what only a server has.
#include <doctest/doctest.h>

#include "pg_test_db.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/pg_db.hpp"
#include "store_cases/domain_cases.hpp"

using namespace slab5d;

namespace {
struct PgDomainEnv {
  testing::PgTestDb server;
  std::unique_ptr<PgDb> db = PgDb::open(server.url());
  PgDomainEnv() { (void)pg_migrate(db->conn()); }
  store_cases::CountFn counter() {
    return [this](const std::string& sql) { return db->conn().exec(sql).integer(0, 0); };
  }
};
}  // namespace

TEST_CASE("postgres: a record's life through the domain") {
  PgDomainEnv e;
  store_cases::domain_record_lifecycle(*e.db, e.counter());
}

TEST_CASE("postgres: bad input names its fields and writes nothing") {
  PgDomainEnv e;
  store_cases::domain_bad_input_writes_nothing(*e.db, e.counter());
}

TEST_CASE("postgres: a write batch commits together, a given-up Tx alone is undone") {
  PgDomainEnv e;
  store_cases::domain_group_commit(*e.db, e.counter());
}

TEST_CASE("postgres: the change signal is quiet until another connection commits") {
  PgDomainEnv e;
  auto other = PgDb::open(e.server.url());
  store_cases::domain_change_signal(*e.db, *other);
}

TEST_CASE("postgres: a batch an error aborted is not committed, and the next one starts clean") {
  PgDomainEnv e;
  auto count = e.counter();
  (void)store_cases::domain_case_workspace(*e.db);
  auto workspaces = count("SELECT count(*) FROM workspaces");
  {
    std::unique_lock gate(e.db->write_gate());
    e.db->begin();
    e.db->set_group(true);
    {
      Tx tx(*e.db);
      (void)create_workspace(*e.db, "Lost", "lost", "", "");
      tx.commit();
    }
    // A statement outside any Tx fails: PostgreSQL aborts the whole transaction.
    CHECK_THROWS_AS(e.db->conn().exec("SELECT * FROM no_such_table"), PgError);
    CHECK_FALSE(e.db->in_transaction());
    CHECK_THROWS_AS(e.db->commit(), PgError);  // never reported as committed
    e.db->set_group(false);
    e.db->begin();  // ends the aborted one first
    CHECK(e.db->in_transaction());
    e.db->rollback();
  }
  CHECK(count("SELECT count(*) FROM workspaces") == workspaces);
}

TEST_CASE("postgres: a Tx whose statement failed is undone alone inside a batch") {
  PgDomainEnv e;
  auto count = e.counter();
  (void)store_cases::domain_case_workspace(*e.db);
  std::unique_lock gate(e.db->write_gate());
  e.db->begin();
  e.db->set_group(true);
  {
    Tx first(*e.db);
    (void)create_workspace(*e.db, "Kept", "kept", "", "");
    first.commit();
  }
  try {
    Tx failing(*e.db);
    e.db->conn().exec("SELECT * FROM no_such_table");
    failing.commit();
  } catch (const PgError&) {
  }
  CHECK(e.db->in_transaction());  // the savepoint took the failure with it
  e.db->commit();
  e.db->set_group(false);
  CHECK(count("SELECT count(*) FROM workspaces WHERE slug = 'kept'") == 1);
}

TEST_CASE("postgres: the database id names the server and database, never the user or password") {
  testing::PgTestDb server;
  auto db = PgDb::open(server.url());
  CHECK(db->database_id().rfind("postgres://", 0) == 0);
  CHECK(db->database_id().find(server.name()) != std::string::npos);
  CHECK(db->database_id().find('@') == std::string::npos);
}
